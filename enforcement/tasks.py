"""Celery entry points of the enforcement app: they take primary keys and call services."""

from celery import shared_task

from enforcement import services


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def case_close_paid(self, case_id: int) -> str:
    """Close a case that has just been paid. Idempotent: a case no longer `paid` is left alone."""
    case = services.case_close_paid(case_id=case_id)
    return "closed" if case is not None else "nothing to do"
