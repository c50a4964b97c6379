"""Celery entry points of the appeals app."""

from celery import shared_task

from appeals import services
from enforcement.jobs import JOB_OPTIONS, recorded


@shared_task(**{**JOB_OPTIONS, "soft_time_limit": 20 * 60, "time_limit": 25 * 60})
@recorded
def flag_overdue_requests() -> dict[str, int]:
    """Flag requests whose deadline is within two working days or past, and tell the court's staff by e-mail."""
    return services.requests_flag_deadlines()
