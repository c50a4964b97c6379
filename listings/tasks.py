"""Celery entry points of the listings app: the daily sweeps and the open-data export."""

import logging

from celery import shared_task

from config import replicas
from enforcement.jobs import JOB_OPTIONS, recorded
from listings import opendata
from listings.services import check_records, sweeps, violations

logger = logging.getLogger(__name__)


@shared_task(**JOB_OPTIONS)
@recorded
def publish_listings() -> dict[str, int]:
    """Publish the listings whose grace period has ended."""
    return {"published": sweeps.publish_due()}


@shared_task(**JOB_OPTIONS)
@recorded
def expire_listings() -> dict[str, int]:
    """Take off the list the listings whose period has ended (the restriction order stays)."""
    return {"expired": sweeps.expire_due()}


@shared_task(**JOB_OPTIONS)
@recorded
def end_sanctions_of_ended_cases() -> dict[str, int]:
    """Safety net: remove the listing and lift the orders of any case already paid or closed."""
    return sweeps.end_sanctions_of_ended_cases()


@shared_task(**JOB_OPTIONS)
@recorded
def open_data_export() -> dict[str, int]:
    """Regenerate today's open-data files (idempotent: a second run rewrites the same files)."""
    with replicas.reading():  # a read of the whole list: a replica's work where there is one
        paths = opendata.export()
    logger.info("open data written: %s", ", ".join(str(p) for p in paths.values()))
    return {"files": len(paths)}


@shared_task(**{**JOB_OPTIONS, "soft_time_limit": 20 * 60, "time_limit": 25 * 60})
@recorded
def report_list_violations() -> dict[str, int]:
    """Check the list's invariants and mail each court's staff the breaches in their courts (once per set)."""
    return violations.violations_report()


@shared_task(ignore_result=True, soft_time_limit=5 * 60, time_limit=6 * 60)
def check_spool_flush() -> int:
    """Record on the primary the carrier checks this machine spooled while it was down (exactly once)."""
    return check_records.check_spool_flush()
