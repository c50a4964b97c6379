"""When the case ends (paid or closed), its sanctions end in the same transaction: one set-wise path, used for a
single case by the services and for thousands by the sweeps."""

from django.utils import timezone

from enforcement import rules
from enforcement.models import AuditEntry, EnforcementCase
from enforcement.rules import LiftReason
from enforcement.services import SYSTEM_ACTOR_NAME, actor_name
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.feed import feed_listings, feed_orders

END_CAUSES = {
    "pay_in_full": LiftReason.PAID_IN_FULL,
    "settle": LiftReason.SETTLEMENT_PERFORMED,
    "remove": LiftReason.CASE_CLOSED,
}


def audit_rows(pairs, action: str, reason: str, now, actor=None) -> list[AuditEntry]:
    """Audit rows for a set-wise change; pairs: (case_id, detail) for each row."""
    return [
        AuditEntry(
            case_id=case_id,
            at=now,
            actor=actor,
            actor_name=actor_name(actor) if actor is not None else SYSTEM_ACTOR_NAME,
            action=action,
            reason=reason,
            legal_basis=str(rules.LEGAL_BASIS.get(action, "")),
            detail=detail,
        )
        for case_id, detail in pairs
    ]


def sanctions_end_many(*, case_ids: list[int], cause: str, reason: str, actor=None) -> dict[str, int]:
    """End the sanctions of cases that were paid or closed, set-wise (inside the caller's transaction, the
    cases already locked): proposals lapse, listings are removed, restriction orders lifted."""
    now = timezone.now()
    lift_reason = END_CAUSES.get(cause, LiftReason.CASE_CLOSED)
    decisions = ListingDecision.objects.select_for_update(of=("self",)).filter(case_id__any=case_ids)
    orders = RestrictionOrder.objects.select_for_update(of=("self",)).filter(case_id__any=case_ids)
    lapsed = decisions.filter(status=ListingDecision.Status.PROPOSED).update(status=ListingDecision.Status.LAPSED)
    lapsed += orders.filter(status=RestrictionOrder.Status.PROPOSED).update(status=RestrictionOrder.Status.LAPSED)
    removed = list(decisions.filter(status=ListingDecision.Status.IN_FORCE).values_list("pk", "case_id"))
    ListingDecision.objects.filter(pk__any=[pk for pk, _ in removed]).update(
        status=ListingDecision.Status.REMOVED, ended_at=now, end_reason=reason
    )
    lifted = list(orders.filter(status=RestrictionOrder.Status.IN_FORCE).values_list("pk", "case_id"))
    RestrictionOrder.objects.filter(pk__any=[pk for pk, _ in lifted]).update(
        status=RestrictionOrder.Status.LIFTED, lifted_at=now, lift_reason=lift_reason, lift_note=reason
    )
    entries = audit_rows([(case, {"decision_id": pk}) for pk, case in removed], "listing_remove", reason, now, actor)
    entries += audit_rows(
        [(case, {"order_id": pk, "lift_reason": lift_reason}) for pk, case in lifted],
        "restriction_order_lift",
        reason,
        now,
        actor,
    )
    AuditEntry.objects.bulk_create(entries)
    feed_listings(kind=FeedEvent.Kind.LISTING_REMOVED, decision_ids=[pk for pk, _ in removed], now=now)
    feed_orders(kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=[pk for pk, _ in lifted], now=now)
    return {"listings_removed": len(removed), "orders_lifted": len(lifted), "proposals_lapsed": lapsed}


def sanctions_end(*, case: EnforcementCase, actor, cause: str, reason: str) -> None:
    """The case is paid or closed: pending proposals lapse, the listing is removed, every order is lifted.

    Called inside the transaction that moved the case (see `listings.receivers`); the case is already locked.
    """
    sanctions_end_many(case_ids=[case.pk], cause=cause, reason=reason, actor=actor)


def listings_expire_many(*, case_ids: list[int]) -> int:
    """The set-wise sweep took these listed cases off the list at the end of their period (inside its
    transaction, the cases locked): their listings expire, and carriers hear of it. Returns how many."""
    now = timezone.now()
    expired = list(
        ListingDecision.objects.filter(
            case_id__any=case_ids, status=ListingDecision.Status.IN_FORCE, expires_on__lt=timezone.localdate(now)
        ).values_list("pk", flat=True)
    )
    ListingDecision.objects.filter(pk__any=expired).update(status=ListingDecision.Status.EXPIRED, ended_at=now)
    feed_listings(kind=FeedEvent.Kind.LISTING_EXPIRED, decision_ids=expired, now=now)
    return len(expired)
