"""Reads from PostgreSQL streaming replicas (config.replicas), against a real primary and hot standby the test
starts itself (initdb and pg_basebackup from the machine's PostgreSQL binaries, on free ports), served by a real
gunicorn: which database answers, a replica lagging past the bound, the primary stopped while carriers check (and
their checks recorded exactly once when it is back), and the change feed, which stays on the primary.

Which database answered is seen, not assumed: with the standby's replay paused, a change made on the primary is
in the primary's answer and not yet in the replica's."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import requests

from tests.servers import ROOT, PrivatePostgres, PrivateStandby, gunicorn

pytestmark = pytest.mark.postgres

SETUP = """
import json
from listings.models import CarrierKey, ListingDecision
from rest_framework.authtoken.models import Token
from tests.conftest import Walk
from tests.factories import CourtFactory, UserFactory
court = CourtFactory(code="京0101", name="北京市东城区人民法院")
clerk = UserFactory(username="clerk", roles=[(court, "clerk")])
approver = UserFactory(username="approver", roles=[(court, "approver")])
walk = Walk(clerk, approver)
restricted = walk.restricted()
listed = walk.listed()
waiting = [walk.defaulted() for _ in range(3)]
_, key = CarrierKey.objects.create_key(
    name="booking", organisation="China Railway", categories=["air_travel", "rail_high_speed"]
)
print(json.dumps({
    "key": key,
    "token": Token.objects.create(user=clerk).key,
    "restricted": restricted.debtor.id_number,
    "entry": ListingDecision.objects.get(case=listed).pk,
    "waiting": [[case.pk, case.debtor.id_number] for case in waiting],
}))
"""
# An order for the defaulted case CASE, proposed by the clerk and signed by the approver, on the primary.
RESTRICT = """
from django.utils import timezone
from django.contrib.auth import get_user_model
from listings import services
User = get_user_model()
order = services.restriction_order_propose(
    actor=User.objects.get(username="clerk"), case_id=CASE, categories=["air_travel", "rail_high_speed"]
)
services.restriction_order_approve(
    actor=User.objects.get(username="approver"), order_id=order.pk, order_number=f"（2026）京0101执限{order.pk}号",
    served_on=timezone.localdate(),
)
"""
WAIT = 30
METRICS_TOKEN = "replica-test-metrics-token"


def _manage(database_url: str, *args: str, settings: dict | None = None) -> str:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        **(settings or {}),
    }
    environment.pop("DATABASE_REPLICA_URLS", None)
    done = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=environment, check=True, timeout=300, capture_output=True
    )
    return done.stdout.decode()


def _sql(url: str, statement: str, params=()):
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        cursor = conn.execute(statement, params)
        return cursor.fetchall() if cursor.description else None


class Pair:
    """The primary, its standby, the seeded rows, and helpers to steer replication."""

    def __init__(self, folder: Path):
        # No autovacuum: its commits would move the standby's replay timestamp, which the heartbeat test watches.
        self.primary = PrivatePostgres(folder / "primary", autovacuum="off")
        self.standby = PrivateStandby(folder / "standby", self.primary)
        self.spool = folder / "spool"

    def heartbeat(self) -> None:
        """A commit on the primary, replayed: the standby's last replayed transaction is now."""
        _sql(self.primary.url, "INSERT INTO replica_heartbeat VALUES (now())")
        self.caught_up()

    def caught_up(self) -> None:
        target = _sql(self.primary.url, "SELECT pg_current_wal_lsn()::text")[0][0]
        deadline = time.monotonic() + WAIT
        while not _sql(self.standby.url, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,))[0][0]:
            assert time.monotonic() < deadline, "the standby did not catch up"
            time.sleep(0.1)

    def pause(self) -> None:
        _sql(self.standby.url, "SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        _sql(self.standby.url, "SELECT pg_wal_replay_resume()")
        self.caught_up()

    def restrict(self, case_id: int) -> None:
        _manage(self.primary.url, "shell", "-c", RESTRICT.replace("CASE", str(case_id)))

    def checks_recorded(self) -> tuple[int, int]:
        return tuple(
            _sql(self.primary.url, "SELECT count(*), count(*) FILTER (WHERE restricted) FROM listings_carriercheck")[0]
        )

    def settings(self, max_lag: float) -> dict:
        return {
            "DATABASE_REPLICA_URLS": self.standby.url,
            "REPLICA_MAX_LAG_SECONDS": str(max_lag),
            "REPLICA_CHECK_SECONDS": "0.2",
            "PRIMARY_DOWN_SECONDS": "2",
            "DB_CONNECT_TIMEOUT": "2",
            "CHECK_SPOOL_DIR": str(self.spool),
            "METRICS_TOKEN": METRICS_TOKEN,
        }


@pytest.fixture(scope="module")
def pair():
    # Not pytest's tmp_path: its parents are private to root, and the servers run as `postgres`.
    folder = Path(tempfile.mkdtemp(prefix="er-test-replicas-"))
    os.chmod(folder, 0o755)  # noqa: S103 - the clusters run as `postgres`
    pair = Pair(folder)
    try:
        pair.primary.create()
        _manage(pair.primary.url, "migrate", "--no-input", "-v0")
        pair.seeded = json.loads(_manage(pair.primary.url, "shell", "-c", SETUP).strip().splitlines()[-1])
        _sql(pair.primary.url, "CREATE TABLE replica_heartbeat (at timestamptz)")
        pair.standby.create()
        pair.caught_up()
        yield pair
    finally:
        pair.standby.stop(missing_ok=True)
        pair.primary.stop(missing_ok=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def server(pair):
    """The application reading the replica while its lag is under a minute."""
    with gunicorn(workers=2, database_url=pair.primary.url, settings=pair.settings(60)) as url:
        yield url


def _post(url: str, key: str, path: str, body: dict) -> dict:
    response = requests.post(f"{url}{path}", json=body, headers={"Authorization": f"Api-Key {key}"}, timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def _check(url: str, key: str, number: str) -> bool:
    return _post(url, key, "/api/v1/checks/", {"id_number": number, "category": "air_travel"})["restricted"]


def _batch(url: str, key: str, numbers: list[str]) -> list[bool]:
    answer = _post(url, key, "/api/v1/checks/batch/", {"id_numbers": numbers, "category": "rail_high_speed"})
    return [result["restricted"] for result in answer["results"]]


def _feed(url: str, key: str, after: str = "") -> dict:
    response = requests.get(
        f"{url}/api/v1/changes/",
        params={"after": after} if after else {},
        headers={"Authorization": f"Api-Key {key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def _metrics(url: str) -> str:
    response = requests.get(f"{url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert response.status_code == 200
    return response.text


def test_checks_and_public_pages_read_the_replica_and_staff_read_the_primary(pair, server):
    key = pair.seeded["key"]
    case_id, number = pair.seeded["waiting"][0]
    assert _check(server, key, number) is False
    pair.heartbeat()
    pair.pause()
    try:
        pair.restrict(case_id)
        # The replica has not replayed the order: the check (single and batch) answers from it.
        assert _check(server, key, number) is False
        assert _batch(server, key, [number, pair.seeded["restricted"]]) == [False, True]
        # The clerk's API reads the primary: the case is restricted there.
        case = requests.get(
            f"{server}/api/v1/cases/{case_id}/", headers={"Authorization": f"Token {pair.seeded['token']}"}, timeout=10
        )
        assert case.status_code == 200
        assert case.json()["state"] == "restricted"
    finally:
        pair.resume()
    assert _check(server, key, number) is True  # replayed: the replica answers it now
    assert requests.get(f"{server}/entries/{pair.seeded['entry']}/", timeout=10).status_code == 200


def test_a_replica_lagging_past_the_bound_is_skipped_for_the_primary(pair, server):
    key = pair.seeded["key"]
    case_id, number = pair.seeded["waiting"][1]
    with gunicorn(workers=1, database_url=pair.primary.url, settings=pair.settings(1.0)) as strict:
        pair.heartbeat()
        pair.pause()
        try:
            pair.restrict(case_id)
            time.sleep(1.5)  # the replica's lag passes the bound
            assert _check(server, key, number) is False  # bound 60 s: the replica, stale
            assert _check(strict, key, number) is True  # bound 1 s: the replica is skipped, the primary answers
            health = requests.get(f"{strict}/health/", timeout=10).json()
            assert health["replicas"]["ok"] is False
            assert health["replicas"]["replica_1"]["lag_seconds"] > 1.0
            scraped = _metrics(strict)
            assert 'registry_replica_up{replica="replica_1"} 0.0' in scraped
            assert 'registry_replica_lag_seconds{replica="replica_1"}' in scraped
        finally:
            pair.resume()
        health = requests.get(f"{strict}/health/", timeout=10).json()  # (503: no daily run here yet)
        # Caught up again: within the bound (not always 0: the heartbeat committed just before may not be replayed).
        assert health["replicas"]["ok"] is True
        assert health["replicas"]["replica_1"]["lag_seconds"] < 1.0


def test_the_change_feed_reads_the_primary_even_while_the_replica_lags(pair, server):
    key = pair.seeded["key"]
    case_id, number = pair.seeded["waiting"][2]
    cursor, seen = "", set()
    while True:  # read the feed to its end
        page = _feed(server, key, cursor)
        seen.update(event["id_number"] for event in page["events"])
        cursor = page["next"] or cursor
        if not page["has_more"]:
            break
    assert number not in seen
    pair.heartbeat()
    pair.pause()
    try:
        pair.restrict(case_id)
        page = _feed(server, key, cursor)  # the replica has not replayed it; the feed has it
        assert [(event["event"], event["id_number"]) for event in page["events"]] == [("restriction_ordered", number)]
        assert _feed(server, key, page["next"])["events"] == []  # and only once
    finally:
        pair.resume()


def test_with_the_primary_stopped_carriers_get_answers_and_the_checks_are_recorded_once_when_it_is_back(pair, server):
    key, restricted = pair.seeded["key"], pair.seeded["restricted"]
    free = "11010119900307109X"
    before = pair.checks_recorded()
    pair.caught_up()
    pair.primary.stop()
    try:
        answers = [_check(server, key, number) for number in [restricted, free] * 10]
        assert answers == [True, False] * 10
        assert _batch(server, key, [restricted, free, "110101199003072"]) == [True, False, None]
        # The public entry reads the replica too; the feed stays on the primary: a clean 503 meanwhile.
        assert requests.get(f"{server}/entries/{pair.seeded['entry']}/", timeout=10).status_code == 200
        english = {"Authorization": f"Api-Key {key}", "Accept-Language": "en"}
        feed = requests.get(f"{server}/api/v1/changes/", headers=english, timeout=10)
        assert feed.status_code == 503
        assert feed.headers["Retry-After"]
        assert "unavailable" in feed.json()["detail"]
        spooled = sorted(pair.spool.glob("*.json"))
        assert len(spooled) == 21  # one file per request
        assert "registry_check_spool_files 21.0" in _metrics(server)
    finally:
        pair.primary.start()
    # Once the primary answers, the web processes record what they spooled (checks go on meanwhile).
    made = 23
    deadline = time.monotonic() + WAIT
    while list(pair.spool.glob("*.json")):
        assert time.monotonic() < deadline, "the spooled checks were not recorded"
        assert _check(server, key, restricted) is True
        made += 1
        time.sleep(0.3)
    total, hits = pair.checks_recorded()
    assert (total - before[0], hits - before[1]) == (made, made - 12)
    # Flushing again (an operator's command) records nothing twice.
    assert "Recorded 0 spooled check(s)" in _manage(
        pair.primary.url, "check_spool", "--flush", settings={"CHECK_SPOOL_DIR": str(pair.spool)}
    )
    assert pair.checks_recorded() == (total, hits)


def test_measuring_the_replicas_commits_a_heartbeat_so_an_idle_primary_never_looks_like_lag(pair, server):
    # Lag is the time since the last commit the replica replayed: while the primary writes WAL without commits
    # (autovacuum), that time would grow though nothing is missing. Each measurement commits on the primary first.
    last = "SELECT pg_last_xact_replay_timestamp()"
    for _attempt in range(5):  # a second in which nothing else committed (a spool flush, say)
        pair.caught_up()
        before = _sql(pair.standby.url, last)[0][0]
        time.sleep(1.1)
        if _sql(pair.standby.url, last)[0][0] == before:
            break
    else:
        pytest.fail("the primary never stayed a second without a commit")
    requests.get(f"{server}/health/", timeout=10)  # measures the replicas now
    pair.caught_up()
    assert (_sql(pair.standby.url, last)[0][0] - before).total_seconds() > 1
