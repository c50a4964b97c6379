"""When the case ends (paid or closed), its sanctions end in the same transaction."""

from django.utils import timezone

from enforcement.models import EnforcementCase
from enforcement.rules import LiftReason
from enforcement.services import audit_write
from listings.models import ListingDecision, RestrictionOrder
from listings.services.common import (
    _active,
)

# --- when the case ends ------------------------------------------------------------------------------------------

END_CAUSES = {
    "pay_in_full": LiftReason.PAID_IN_FULL,
    "settle": LiftReason.SETTLEMENT_PERFORMED,
    "remove": LiftReason.CASE_CLOSED,
}


def sanctions_end(*, case: EnforcementCase, actor, cause: str, reason: str) -> None:
    """The case is paid or closed: pending proposals lapse, the listing is removed, every order is lifted.

    Called inside the transaction that moved the case (see `listings.receivers`); the case is already locked.
    """
    now = timezone.now()
    lift_reason = END_CAUSES.get(cause, LiftReason.CASE_CLOSED)
    for decision in _active(ListingDecision, case):
        if decision.status == ListingDecision.Status.PROPOSED:
            decision.lapse()
            decision.save()
            continue
        decision.remove(at=now, reason=reason)
        decision.save()
        audit_write(
            case=case,
            actor=actor,
            action="listing_remove",
            reason=reason,
            detail={"decision_id": decision.pk},
        )
    for order in _active(RestrictionOrder, case):
        if order.status == RestrictionOrder.Status.PROPOSED:
            order.lapse()
            order.save()
            continue
        order.lift(at=now, reason=lift_reason, note=reason)
        order.save()
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_lift",
            reason=reason,
            detail={"order_id": order.pk, "lift_reason": lift_reason},
        )
