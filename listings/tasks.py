"""Celery entry points of the listings app."""

import logging

from celery import shared_task

from listings import opendata

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, soft_time_limit=55 * 60, time_limit=60 * 60)
def open_data_export() -> dict[str, str]:
    """Regenerate today's open-data files (idempotent: a second run rewrites the same files)."""
    paths = opendata.export()
    logger.info("open data written: %s", ", ".join(str(p) for p in paths.values()))
    return {fmt: str(path) for fmt, path in paths.items()}
