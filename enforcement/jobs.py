"""Running scheduled jobs: each run is recorded (`JobRun`) and logged, so the health page can tell how old the
last successful daily run is and what it did.

Every job is idempotent (a second run changes nothing), safe to run alongside itself (the sweeps lock their
rows with SKIP LOCKED, so two copies split the work instead of colliding), and works in chunks.
"""

import functools
import logging
import time

from django.db import InterfaceError, OperationalError
from django.utils import timezone

from enforcement.models import JobRun

logger = logging.getLogger("enforcement.jobs")

# The Celery options of every scheduled job. acks_late: a worker that dies mid-job leaves the message to the
# next one. A database that restarts or drops the connection mid-job is transient: the job is retried with a
# growing delay (30 s doubling to 10 min, about two hours in all) and, being idempotent, picks up where the
# committed batches left off, instead of waiting a whole day for the next run.
JOB_OPTIONS = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 15,
    "soft_time_limit": 50 * 60,
    "time_limit": 55 * 60,
}


def last_successful_run_detail(name: str) -> dict:
    """What the last successful run of job `name` recorded (its returned dict), or {}: where an incremental job
    (the safety net) stopped."""
    detail = JobRun.objects.filter(name=name, succeeded=True).order_by("-id").values_list("detail", flat=True)
    return detail.first() or {}


def recorded(func):
    """Decorate a job function returning a dict of counts: record its run under its task name
    (module.function, as in config/schedule.py), log what it did, re-raise failures. The top-level integers are
    the rows it changed; anything else in the dict (where it stopped) is kept in the detail, not counted."""
    name = f"{func.__module__}.{func.__name__}"

    @functools.wraps(func)
    def run(*args, **kwargs):
        record = JobRun.objects.create(name=name, started_at=timezone.now())
        started = time.monotonic()
        try:
            counts = func(*args, **kwargs) or {}
        except Exception as exc:
            JobRun.objects.filter(pk=record.pk).update(
                finished_at=timezone.now(), succeeded=False, error=f"{type(exc).__name__}: {exc}"[:2000]
            )
            logger.exception("job %s failed after %.1fs", name, time.monotonic() - started)
            raise
        processed = sum(v for v in counts.values() if isinstance(v, int))
        JobRun.objects.filter(pk=record.pk).update(
            finished_at=timezone.now(), succeeded=True, processed=processed, detail=counts
        )
        logger.info("job %s done in %.1fs: %s", name, time.monotonic() - started, counts)
        return counts

    return run
