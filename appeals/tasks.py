"""Celery entry points of the appeals app."""

import datetime

from celery import shared_task

from appeals import services
from enforcement.jobs import JOB_OPTIONS, recorded


@shared_task(**{**JOB_OPTIONS, "soft_time_limit": 20 * 60, "time_limit": 25 * 60})
@recorded
def flag_overdue_requests() -> dict[str, int]:
    """Flag requests whose deadline is within two working days or past, and tell the court's staff by e-mail."""
    return services.requests_flag_deadlines()


@shared_task(**{**JOB_OPTIONS, "soft_time_limit": 60, "time_limit": 90})
def rejection_served(*, request_id: int, sent_on: str) -> bool:
    """The rejection's e-mail was sent (queued by the outbox in the transaction that marked it sent): it is served
    that day. Idempotent: the first service counts."""
    return services.removal_request_serve(request_id=request_id, on=datetime.date.fromisoformat(sent_on), by="email")
