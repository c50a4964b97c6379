"""The database restarts under a running web server: while it is down every page and API answer is a clear
503 with Retry-After (never a 500), and once it is back the same worker processes answer again. Under a load
of payments, the requests in flight answer 503 and leave no half-written rows. The server is
a real gunicorn on a PostgreSQL cluster of the test's own, which the test stops and starts."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
from django.utils import timezone

from tests.servers import ROOT, PrivatePostgres, gunicorn

pytestmark = pytest.mark.postgres


def test_a_database_restart_answers_503_meanwhile_and_the_web_recovers():
    # Not pytest's tmp_path: its parents are private to root, and the server runs as `postgres`.
    database = PrivatePostgres(Path(tempfile.mkdtemp(prefix="er-test-pg-")))
    database.create()
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database.url},
            check=True,
            timeout=300,
        )
        with gunicorn(workers=2, database_url=database.url) as url:
            english = {"Accept-Language": "en"}
            assert requests.get(f"{url}/statistics/", headers=english, timeout=10).status_code == 200

            database.stop()
            for path in ("/statistics/", "/?name=%E7%8E%8B%E4%BC%9F", "/entries/1/", "/health/"):
                down = requests.get(f"{url}{path}", headers=english, timeout=10)
                assert down.status_code == 503, (path, down.status_code)
            page = requests.get(f"{url}/statistics/", headers=english, timeout=10)
            assert "briefly unavailable" in page.text
            assert page.headers["Retry-After"] == "30"
            health = requests.get(f"{url}/health/", timeout=10).json()
            assert health["database"]["ok"] is False

            database.start()
            for path in ("/statistics/", "/?name=%E7%8E%8B%E4%BC%9F", "/admin/login/"):
                assert requests.get(f"{url}{path}", headers=english, timeout=10).status_code == 200, path
    finally:
        database.stop(missing_ok=True)
        shutil.rmtree(database.folder, ignore_errors=True)


SETUP = """
from rest_framework.authtoken.models import Token
from tests.factories import CaseFactory, CourtFactory, UserFactory
court = CourtFactory(code="京0101", name="北京市东城区人民法院")
clerk = UserFactory(username="clerk", roles=[(court, "clerk")])
case = CaseFactory(court=court, amount_due="100000.00")
print(Token.objects.create(user=clerk).key, case.pk)
"""
# Rows that must agree after the restart, whatever was in flight: each recorded payment has its idempotency key
# (answered 201, never the placeholder 0 of an unfinished request) and its audit row, and the case's paid
# amount is the sum of its payments.
CONSISTENCY = """
SELECT
  (SELECT count(*) FROM enforcement_payment),
  (SELECT count(*) FROM enforcement_idempotencykey WHERE response_status = 201),
  (SELECT count(*) FROM enforcement_idempotencykey WHERE response_status <> 201),
  (SELECT count(*) FROM enforcement_auditentry WHERE action = 'payment_record'),
  (SELECT amount_paid FROM enforcement_enforcementcase),
  (SELECT coalesce(sum(amount), 0) FROM enforcement_payment)
"""


def test_a_database_restart_under_load_answers_503_in_flight_and_leaves_no_half_written_rows():
    database = PrivatePostgres(Path(tempfile.mkdtemp(prefix="er-test-pg-")))
    database.create()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database.url}
    try:
        for command in (["migrate", "--no-input", "-v0"], ["shell", "-c", SETUP]):
            done = subprocess.run(  # noqa: S603 - this interpreter, our manage.py
                [sys.executable, "manage.py", *command],
                cwd=ROOT, env=environment, check=True, timeout=300, capture_output=True, text=True,
            )  # fmt: skip
        token, case_id = done.stdout.split()[-2:]
        answers: list[tuple[str, int, str]] = []  # (phase, status, body) of every answer
        phase = {"now": "before"}
        stop = threading.Event()

        def load(worker: int) -> None:
            session = requests.Session()
            session.headers.update({"Authorization": f"Token {token}", "Accept-Language": "en"})
            n = 0
            while not stop.is_set():
                n += 1
                started_in = phase["now"]
                try:
                    response = session.post(
                        f"{url}/api/v1/cases/{case_id}/payments/",
                        json={"amount": "1.00", "paid_on": str(timezone.localdate()), "method": "bank_transfer"},
                        headers={"Idempotency-Key": f"load-{worker}-{n}"},
                        timeout=30,
                    )
                except requests.ConnectionError:  # never expected: gunicorn answers, the database is what is down
                    answers.append((started_in, -1, ""))
                    continue
                answers.append((started_in, response.status_code, response.headers.get("Retry-After", "")))

        with gunicorn(workers=3, database_url=database.url) as url:
            threads = [threading.Thread(target=load, args=(n,)) for n in range(6)]
            for thread in threads:
                thread.start()
            time.sleep(2)
            phase["now"] = "down"
            database.stop()
            time.sleep(3)
            database.start()
            phase["now"] = "after"
            time.sleep(4)
            stop.set()
            for thread in threads:
                thread.join(60)

        statuses = {status for _phase, status, _retry in answers}
        assert statuses <= {201, 503}, statuses  # no 500, no dropped connection
        assert all(retry == "30" for _phase, status, retry in answers if status == 503)
        assert any(status == 503 for phase_, status, _ in answers if phase_ == "down")
        assert [s for p, s, _ in answers if p == "before"].count(201) >= 6  # a real load, answered, before the stop
        # Once it is back the next requests succeed (the connections were checked, not reused dead).
        after = [status for phase_, status, _ in answers if phase_ == "after"]
        assert after[-12:] == [201] * 12, after

        psql = [str(database.bin / "psql"), "-h", "127.0.0.1", "-p", str(database.port), "-U", "postgres"]
        row = subprocess.run(  # noqa: S603 - PostgreSQL's own client
            [*psql, "-d", "registry", "-At", "-F", " ", "-c", CONSISTENCY],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.split()  # fmt: skip
        payments, keys_done, keys_unfinished, audits, paid, total = row
        assert payments == keys_done == audits
        assert keys_unfinished == "0"
        assert paid == total
        assert int(payments) >= [s for _p, s, _r in answers].count(201)
    finally:
        database.stop(missing_ok=True)
        shutil.rmtree(database.folder, ignore_errors=True)
