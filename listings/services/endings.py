"""When the case ends (paid or closed), its sanctions end in the same transaction: one set-wise path, used for a
single case by the services and for thousands by the sweeps. And when the debtor gives full security, the
sanctions that security answers end while the case stays open (`sanctions_end_on_security`)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import AuditEntry, EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason
from enforcement.services import SYSTEM_ACTOR_NAME, actor_name, audit_write, case_lock, case_transition
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.common import _require_role
from listings.services.feed import feed_listings, feed_orders
from listings.services.restrictions import restriction_order_lift

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


def sanctions_end_on_security(*, actor, case_id: int, reason: str, expected_state=None) -> dict[str, bool]:
    """The debtor has given full security: an approver ends what security answers, in one transaction.

    Full security bars listing only under ground (1) (able to perform but refuses): a listing on ground (1) alone
    ends (removed, not revoked: it was not made in error) and the case goes back to `restricted`; a listing that
    also rests on any of grounds (2)-(6) stays, and so the whole is refused. Then the restriction order is lifted
    for security given (`restriction_order_lift`), which moves the case to `defaulted`. Returns what was done.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say what security was given."), field="reason")
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        decision = (
            ListingDecision.objects.select_for_update()
            .filter(case=case, status=ListingDecision.Status.IN_FORCE)
            .first()
        )
        if decision is not None:
            _end_listing_on_security(case, decision, actor, reason)
        order = (
            RestrictionOrder.objects.filter(case=case, status=RestrictionOrder.Status.IN_FORCE).order_by("-id").first()
        )
        if order is not None:
            restriction_order_lift(actor=actor, order_id=order.pk, reason=LiftReason.SECURITY_GIVEN, note=reason)
        if decision is None and order is None:
            raise Conflict(_("The debtor is neither listed nor restricted on this case: there is nothing to lift."))
    return {"listing_ended": decision is not None, "order_lifted": order is not None}


def _end_listing_on_security(case: EnforcementCase, decision: ListingDecision, actor, reason: str) -> None:
    grounds = {Ground(g) for g in decision.grounds}
    if grounds != {Ground.ABLE_BUT_REFUSES}:
        others = ", ".join(f"({int(g)})" for g in sorted(grounds - {Ground.ABLE_BUT_REFUSES}))
        raise RuleViolation(
            _(
                "Full security bars listing only on ground (1); this listing rests on ground(s) %(grounds)s as "
                "well, which security does not answer, so it stays in force and the restriction with it."
            )
            % {"grounds": others}
        )
    now = timezone.now()
    end_reason = f"{LiftReason.SECURITY_GIVEN.label}. {reason}"
    decision.remove(at=now, reason=end_reason)
    decision.save()
    audit_write(
        case=case,
        actor=actor,
        action="listing_remove",
        reason=reason,
        detail={"decision_id": decision.pk, "cause": LiftReason.SECURITY_GIVEN.value},
    )
    # Off the list, the restriction order staying: the case's `expire` (listed -> restricted) is the one move
    # that says so without calling the listing an error. It is a clerk's move when a period runs out; here it
    # follows the approver's decision checked above, so it is applied as the system's consequence of it.
    case_transition(
        case=case,
        transition="expire",
        actor=None,
        reason=end_reason,
        detail={"decision_id": decision.pk, "cause": LiftReason.SECURITY_GIVEN.value, "decided_by": actor_name(actor)},
    )
    feed_listings(kind=FeedEvent.Kind.LISTING_REMOVED, decision_ids=[decision.pk], now=now)
