"""Bulk intake of judgments through the real service (`enforcement.services.intake.judgments_intake`).

A court's CSV file of `rows` judgments is built from the seed: new debtors (persons with valid resident IDs,
organisations with valid USCCs), some debtors and every creditor already registered (so the service both
finds and registers parties), and one row in a hundred carrying an ID number whose check character is wrong
(the service must reject it, with its line). The file goes through the service as the clerk would send it
(`manage.py intake_judgments` calls the same function); the timing covers reading, validating every row,
and writing parties, cases, intake records and audit rows.

The service runs inside a transaction that is rolled back at the end (its own transaction becomes a
savepoint), so the data set is the same for the next run. A commit would add one WAL flush to the figure, and
the foreign-key checks PostgreSQL defers to the commit: those are run before the rollback and reported apart
(`deferred_checks_seconds`). `check_processes` is the number of worker processes that check rows (none on a
machine of 2 cores; see enforcement/services/intake/processes.py).
"""

import csv
import datetime
import io
import random
import time

from django.contrib.auth import get_user_model
from django.db import connection, transaction

from bench.figures import down
from bench.generate import TODAY, person_id, uscc
from enforcement.models import Court, StaffRole
from enforcement.services.intake import judgments_intake, processes

COLUMNS = [
    "case_number", "filed_on", "basis_issuer", "basis_number", "basis_date", "obligation", "amount_due",
    "currency", "creditor_kind", "creditor_name", "creditor_id_number", "debtor_kind", "debtor_name",
    "debtor_id_number",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周"
GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇"]


def build_file(*, rows: int, seed: int, court_code: str) -> tuple[bytes, int]:
    if rows > 100_000:
        raise ValueError("case serials run from 900,000 to 999,999: at most 100,000 rows")
    """The CSV file and the number of rows built to be rejected."""
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, id_number FROM enforcement_party WHERE kind = 'organisation' ORDER BY id LIMIT 300"
        )
        creditors = cursor.fetchall()
        cursor.execute("SELECT max(id) FROM enforcement_party")
        top = cursor.fetchone()[0]
        cursor.execute(
            "SELECT kind, name, id_number FROM enforcement_party WHERE id = ANY(%s) AND anonymised_at IS NULL",
            [[rng.randint(1, top) for _ in range(rows // 20)]],
        )
        known = cursor.fetchall()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    bad = 0
    for i in range(rows):
        filed = TODAY - datetime.timedelta(days=rng.randrange(0, 300))
        creditor_name, creditor_number = rng.choice(creditors)
        draw = rng.random()
        if draw < 0.05 and known:
            kind, name, number = known[rng.randrange(len(known))]
        elif draw < 0.15:
            kind, name, number = "organisation", f"诚信{rng.randrange(10**6)}贸易有限公司", uscc(80_000_000 + i)
        else:
            kind, name = "person", rng.choice(SURNAMES) + rng.choice(GIVEN)
            number = person_id(60_000_000 + i, rng)[0]
        if number == creditor_number:
            creditor_name, creditor_number = creditors[0] if creditors[0][1] != number else creditors[1]
        if i % 100 == 99:  # a wrong check character: the row must be rejected
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
            bad += 1
        writer.writerow(
            [
                f"（{filed.year}）{court_code}执{900_000 + i}号",
                filed.isoformat(),
                "某人民法院",
                f"（{filed.year}）{court_code}民初{2_000_000 + i}号",
                (filed - datetime.timedelta(days=60)).isoformat(),
                f"被执行人应支付申请执行人{1000 + i % 90000}元。",
                f"{1000 + i % 90000}.{i % 100:02d}",
                "CNY",
                "organisation",
                creditor_name,
                creditor_number,
                kind,
                name,
                number,
            ]
        )
    return out.getvalue().encode(), bad


def measure(*, rows: int, seed: int) -> dict:
    court = Court.objects.filter(level="basic").order_by("id").first()
    clerk = get_user_model().objects.get(username="bench.clerk")
    StaffRole.objects.get_or_create(user=clerk, court=court, role=StaffRole.Role.CLERK)
    data, bad = build_file(rows=rows, seed=seed, court_code=court.code)
    with transaction.atomic():
        started = time.perf_counter()
        batch = judgments_intake(
            actor=clerk, court_id=court.pk, file=io.BytesIO(data), filename="bench.csv", file_format="csv"
        )
        seconds = time.perf_counter() - started
        # The foreign keys are checked at commit (deferred), which the rollback skips: run those checks here,
        # timed apart, so the report says what a commit would add besides its WAL flush.
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        deferred_checks = time.perf_counter() - started
        transaction.set_rollback(True)
    # The rolled-back rows are dead versions at the ends of the parties' and cases' indexes; the planner walks
    # them when it looks up those ends (a public search planned in 6-130 ms instead of 1.4 ms after a day of
    # intake runs: measured). Vacuumed here, as autovacuum would in service, they cost the next run nothing.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) enforcement_party, enforcement_enforcementcase, enforcement_auditentry")
    return {
        "rows": batch.rows_total,
        "created": batch.rows_created,
        "rejected": batch.rows_rejected,
        "built_to_be_rejected": bad,
        "parties_created": batch.parties_created,
        "file_mb": down(len(data) / 2**20, 1),
        "intake_seconds": down(seconds, 2),
        "judgments_per_second": down(batch.rows_total / seconds, 1),
        "deferred_checks_seconds": down(deferred_checks, 2),
        "check_processes": processes.PROCESSES,
        "first_rejection": batch.rejections[0] if batch.rejections else None,
    }
