"""The daily jobs over the rows due, at two sizes, to show their cost follows the rows due.

The generated data set is settled as of its day (nothing is due on the next). Before each size, `prime` makes
exactly `size` rows due for each of the four sweeps that move rows, and commits: cases whose payment period
ended (declare_defaults), listings whose grace ended (publish_listings), listings whose period ended
(expire_listings), cases paid in full with their listing and restriction order still in force
(close_paid_cases, which removes the listing and lifts the order in the same transaction). Then every daily
sweep runs, as `manage.py run_daily_jobs` runs it, on the day after the data set's (time-machine), each timed.

The rows come from fixed pools chosen once per data set (table `bench_pool`), and priming is the inverse of
what the job does to them, so the harness can be run again and again on one data set and measures the same rows:
nothing is deleted (the audit trail is append-only); the jobs' audit rows and feed events accumulate.
"""

import datetime
import time
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection, transaction

from bench.figures import down
from bench.generate import TODAY

JOB_DAY = TODAY + datetime.timedelta(days=1)
# The sweeps that move rows, in schedule order (config/schedule.py), then the safety net that finds nothing
# to do on a settled data set: its time is the fixed cost of a daily run.
SWEEPS = [
    ("enforcement.tasks", "declare_defaults"),
    ("listings.tasks", "publish_listings"),
    ("listings.tasks", "expire_listings"),
    ("enforcement.tasks", "close_paid_cases"),
    ("listings.tasks", "end_sanctions_of_ended_cases"),
]
POOLS = ("default", "expire", "publish", "close")

POOL_SQL = """
CREATE TABLE bench_pool (job text NOT NULL, rank integer NOT NULL, case_id integer NOT NULL,
                         decision_id integer, order_id integer, PRIMARY KEY (job, rank));
INSERT INTO bench_pool
SELECT 'default', row_number() OVER (ORDER BY c.id), c.id, NULL, NULL
  FROM enforcement_enforcementcase c
 WHERE c.state = 'defaulted' AND c.payment_due_on IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM listings_restrictionorder o WHERE o.case_id = c.id)
 ORDER BY c.id LIMIT %(size)s;
WITH candidates AS (
    SELECT c.id AS case_id, d.id AS decision_id, o.id AS order_id,
           row_number() OVER (ORDER BY c.id) AS n
      FROM enforcement_enforcementcase c
      JOIN listings_listingdecision d ON d.case_id = c.id AND d.status = 'in_force' AND d.period_years = 2
           AND d.published_at IS NOT NULL
      JOIN listings_restrictionorder o ON o.case_id = c.id AND o.status = 'in_force'
     WHERE c.state = 'listed' AND c.id %% 7 = 3
       AND NOT EXISTS (SELECT 1 FROM listings_temporarylift t WHERE t.order_id = o.id)
)
INSERT INTO bench_pool
SELECT (ARRAY['expire', 'publish', 'close'])[(n - 1) %% 3 + 1], (n - 1) / 3 + 1, case_id, decision_id, order_id
  FROM candidates WHERE n <= 3 * %(size)s::bigint;
"""

# Each statement makes the first `size` rows of a pool due on JOB_DAY (whatever a previous run left them as).
PRIME_SQL = [
    """UPDATE enforcement_enforcementcase c SET state = 'judgment', notice_served_on = %(day)s::date - 12,
              notice_payment_days = 10, notice_warns_listing = true, payment_due_on = %(day)s::date - 2
         FROM bench_pool b WHERE b.job = 'default' AND b.rank <= %(size)s AND c.id = b.case_id""",
    """UPDATE enforcement_enforcementcase c SET state = 'listed'
         FROM bench_pool b WHERE b.job IN ('expire', 'publish') AND b.rank <= %(size)s AND c.id = b.case_id""",
    """UPDATE listings_listingdecision d SET status = 'in_force', ended_at = NULL, end_reason = '',
              expires_on = %(day)s::date - 1
         FROM bench_pool b WHERE b.job = 'expire' AND b.rank <= %(size)s AND d.id = b.decision_id""",
    """UPDATE listings_listingdecision d SET published_at = NULL, grace_months = 1,
              publish_on = %(day)s::date - 1, expires_on = NULL
         FROM bench_pool b WHERE b.job = 'publish' AND b.rank <= %(size)s AND d.id = b.decision_id""",
    """UPDATE enforcement_enforcementcase c SET state = 'paid', amount_paid = c.amount_due, closed_reason = '',
              closed_on = NULL
         FROM bench_pool b WHERE b.job = 'close' AND b.rank <= %(size)s AND c.id = b.case_id""",
    """UPDATE listings_listingdecision d SET status = 'in_force', ended_at = NULL, end_reason = ''
         FROM bench_pool b WHERE b.job = 'close' AND b.rank <= %(size)s AND d.id = b.decision_id""",
    """UPDATE listings_restrictionorder o SET status = 'in_force', lifted_at = NULL, lift_reason = '',
              lift_note = ''
         FROM bench_pool b WHERE b.job = 'close' AND b.rank <= %(size)s AND o.id = b.order_id""",
]


def ensure_pools(size: int) -> dict[str, int]:
    """Create the pools once per data set (big enough for `size`); return each pool's size."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_pool') IS NOT NULL")
        exists = cursor.fetchone()[0]
        if exists:
            cursor.execute("SELECT job, count(*) FROM bench_pool GROUP BY job")
            counts = dict(cursor.fetchall())
            if all(counts.get(job, 0) >= size for job in POOLS):
                return counts
            cursor.execute("DROP TABLE bench_pool")
        with transaction.atomic():
            for statement in POOL_SQL.split(";\n"):
                if statement.strip():
                    cursor.execute(statement, {"size": size})
        cursor.execute("ANALYZE bench_pool")
        cursor.execute("SELECT job, count(*) FROM bench_pool GROUP BY job")
        return dict(cursor.fetchall())


def prime(size: int) -> None:
    from listings.services.restriction_index import restriction_index_refresh

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in PRIME_SQL:
            cursor.execute(statement, {"size": size, "day": JOB_DAY})
        # The orders put back in force bind their persons again in the carriers' index, as the services would.
        cursor.execute("SELECT order_id FROM bench_pool WHERE job = 'close' AND rank <= %s", [size])
        restriction_index_refresh(order_ids=[row[0] for row in cursor.fetchall()])
    with connection.cursor() as cursor:
        # What autovacuum would do between two daily runs: fresh statistics for the rows just changed.
        cursor.execute(
            "ANALYZE enforcement_enforcementcase, listings_listingdecision, listings_restrictionorder, "
            "listings_restrictionindexentry"
        )


def _last(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")
        return cursor.fetchone()[0]


def _since(table: str, last: int) -> int:
    """Rows written after `last` (ids, not max(id) differences: a rolled-back intake leaves gaps)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE id > %s", [last])
        return cursor.fetchone()[0]


def counters() -> dict:
    """PostgreSQL's counters (bench.run.COUNTERS), this process's own work reported first."""
    from bench.run import read_counters

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")  # at this statement's end: counted before the next
        return read_counters(cursor)


def run_day() -> dict:
    """Every sweep once, on JOB_DAY at 01:00 in Shanghai (when beat runs them), each timed."""
    import importlib

    results = {}
    start = datetime.datetime.combine(JOB_DAY, datetime.time(1, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        for module, name in SWEEPS:
            task = getattr(importlib.import_module(module), name)
            audit, events = _last("enforcement_auditentry"), _last("listings_feedevent")
            before = counters()
            started = time.perf_counter()
            counts = task()
            seconds = time.perf_counter() - started
            results[name] = {
                "counts": counts,
                "seconds": down(seconds, 3),
                "counters": {k: v - before[k] for k, v in counters().items()},
                "audit_rows": _since("enforcement_auditentry", audit),
                "feed_events": _since("listings_feedevent", events),
            }
    return results


def night_before() -> float:
    """The safety net's run of the data set's own night, untimed in the figures: a register has had its previous
    nightly run, and the safety net starts where that one stopped (its first run ever reads every closed case).
    Returns its seconds."""
    from listings.tasks import end_sanctions_of_ended_cases

    start = datetime.datetime.combine(TODAY, datetime.time(2, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(start, tick=True):
        started = time.perf_counter()
        end_sanctions_of_ended_cases()
        return down(time.perf_counter() - started, 3)


def measure(*, sizes: list[int]) -> dict:
    pools = ensure_pools(max(sizes))
    out = {"job_day": JOB_DAY.isoformat(), "pools": pools, "runs": [], "safety_net_night_before": night_before()}
    for size in sizes:
        prime(size)
        day = run_day()
        moving = [name for _module, name in SWEEPS[:4]]
        transitions = sum(sum(day[name]["counts"].values()) for name in moving)
        seconds = sum(day[name]["seconds"] for name in moving)
        out["runs"].append(
            {
                "due_per_sweep": size,
                "transitions": transitions,
                "audit_rows": sum(day[name]["audit_rows"] for name in moving),
                "feed_events": sum(day[name]["feed_events"] for name in moving),
                "seconds": down(seconds, 3),
                "transitions_per_second": down(transitions / seconds, 1) if seconds else None,
                "safety_net_seconds": day["end_sanctions_of_ended_cases"]["seconds"],
                "jobs": day,
            }
        )
    from bench.run import COUNTERS, work_per_unit

    moved = [day["counters"] for run in out["runs"] for name, day in run["jobs"].items() if name in moving]
    out["database"] = work_per_unit(
        dict.fromkeys(COUNTERS, 0),
        {name: sum(c[name] for c in moved) for name in COUNTERS},
        sum(run["transitions"] for run in out["runs"]),
    )
    # What autovacuum does after a night's sweeps in service: the rows the prime and the sweeps rewrote leave
    # dead versions at the ends of the indexes the public pages' range conditions read, and the planner walks
    # them to find those ends (measured: 10-120 ms of planning for a search or an entry page after a day of
    # runs, against 0.4 ms of execution). Vacuumed here, the next run measures the pages, not this run's debris.
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) enforcement_enforcementcase, listings_listingdecision, listings_restrictionorder, "
            "listings_restrictionindexentry, enforcement_auditentry"
        )
    return out
