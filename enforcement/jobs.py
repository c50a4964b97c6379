"""Running scheduled jobs: each run is recorded (`JobRun`) and logged, so the health page can tell how old the
last successful daily run is and what it did.

Every job is idempotent (a second run changes nothing), safe to run alongside itself (the sweeps lock their
rows with SKIP LOCKED, so two copies split the work instead of colliding), and works in chunks.
"""

import functools
import logging
import time

from django.utils import timezone

from enforcement.models import JobRun

logger = logging.getLogger("enforcement.jobs")


def recorded(func):
    """Decorate a job function returning a dict of counts: record its run under its task name
    (module.function, as in config/schedule.py), log what it did, re-raise failures."""
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
