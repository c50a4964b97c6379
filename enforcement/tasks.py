"""Celery entry points of the enforcement app: they take primary keys (or nothing) and call services."""

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from enforcement import services
from enforcement.jobs import JOB_OPTIONS, recorded
from enforcement.models import EnforcementCase
from enforcement.rules import ClosingReason


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),  # the database restarting: try again shortly
    retry_backoff=True,
    max_retries=5,
    soft_time_limit=60,
    time_limit=90,
)
def case_close_paid(self, case_id: int) -> str:
    """Close a case that has just been paid. Idempotent: a case no longer `paid` is left alone."""
    case = services.case_close_paid(case_id=case_id)
    return "closed" if case is not None else "nothing to do"


@shared_task(acks_late=True, soft_time_limit=4 * 60, time_limit=5 * 60)
def outbox_relay() -> dict[str, int]:
    """Send what the outbox holds that is due. Nudged after each commit that writes a message, and run by beat
    every half minute as the safety net (a broker that was down when the message was written)."""
    return services.outbox_send_due()


@shared_task(**JOB_OPTIONS)
@recorded
def declare_defaults() -> dict[str, int]:
    """Declare default where the payment period has passed with a balance left."""
    due = EnforcementCase.objects.due_for_default(timezone.localdate())
    moved = services.cases_transition_many(
        case_ids=due.values_list("pk", flat=True).iterator(chunk_size=5000),
        transition="declare_default",
        reason="The payment period is over and a balance remains.",
    )
    return {"defaulted": len(moved)}


@shared_task(**JOB_OPTIONS)
@recorded
def close_paid_cases() -> dict[str, int]:
    """The safety net behind `case_close_paid`: close every case still `paid`."""
    counts = {}
    for reason in (ClosingReason.PAID_IN_FULL, ClosingReason.SETTLEMENT_PERFORMED):
        cases = EnforcementCase.objects.paid_closing_as(reason)
        moved = services.cases_transition_many(
            case_ids=cases.values_list("pk", flat=True).iterator(chunk_size=5000),
            transition="remove",
            reason=str(ClosingReason(reason).label),
            values={"closed_reason": reason, "closed_on": timezone.localdate()},
        )
        counts[f"closed_{reason}"] = len(moved)
    return counts


@shared_task(**JOB_OPTIONS)
@recorded
def anonymise_expired_parties() -> dict[str, int]:
    """Erase the personal data of people whose every case closed longer ago than the retention period."""
    return {"anonymised": services.parties_anonymise_expired()}
