"""When the case ends (paid or closed), its sanctions end in the same transaction: one set-wise path, used for a
single case by the services and for thousands by the sweeps. And when the debtor gives full security, the
sanctions that security answers end while the case stays open (`sanctions_end_on_security`)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from enforcement.models import EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason
from enforcement.services import (
    case_lock,
    case_transition,
    case_update,
    refusal,
    transition_apply,
    transition_many,
)
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.common import _require_role, ground_one_exclusions
from listings.services.feed import feed_listings, feed_orders
from listings.services.restrictions import restriction_order_lift

END_CAUSES = {
    "pay_in_full": LiftReason.PAID_IN_FULL,
    "settle": LiftReason.SETTLEMENT_PERFORMED,
    "remove": LiftReason.CASE_CLOSED,
}


# What the conditions of the sanctions' transitions read (`period_over`, `debtor_not_listed`); nothing else is loaded.
LISTING_CONDITION_FIELDS = ("id", "case_id", "status", "expires_on")
ORDER_CONDITION_FIELDS = ("id", "case_id", "status", "case__state")


def sanctions_end_many(*, case_ids: list[int], cause: str, reason: str, actor=None) -> dict[str, int]:
    """End the sanctions of cases that were paid or closed, set-wise (inside the caller's transaction, the
    cases already locked, the case's own transition having checked who may): proposals lapse, listings are
    removed, restriction orders lifted, each through the FSM's set-wise path with its audit rows.

    Two reads find what is pending or in force on the cases (one per table); each transition then locks and
    re-checks its own rows."""
    now = timezone.now()
    lift_reason = END_CAUSES.get(cause, LiftReason.CASE_CLOSED)
    common = {"reason": reason, "actor": actor, "skip_locked": False}
    active = (ListingDecision.Status.PROPOSED, ListingDecision.Status.IN_FORCE)
    listings = list(
        ListingDecision.objects.filter(case_id__any=case_ids, status__in=active).values_list(
            "pk", "status", "published_at"
        )
    )
    orders = list(RestrictionOrder.objects.filter(case_id__any=case_ids, status__in=active).values_list("pk", "status"))
    lapsed = 0
    for model, prefix, found in (
        (ListingDecision, "listing", listings),
        (RestrictionOrder, "restriction_order", orders),
    ):
        lapsed += len(
            transition_many(
                model=model,
                ids=[pk for pk, status, *_ in found if status == model.Status.PROPOSED],
                transition="lapse",
                action=f"{prefix}_lapse",
                detail_key="decision_id" if model is ListingDecision else "order_id",
                only=("id", "case_id", "status"),  # lapsing has no conditions
                **common,
            )
        )
    in_force = ListingDecision.Status.IN_FORCE
    published = {pk for pk, status, published_at in listings if status == in_force and published_at is not None}
    removed = transition_many(
        model=ListingDecision,
        ids=[pk for pk, status, _published in listings if status == in_force],
        transition="remove",
        action="listing_remove",
        detail_key="decision_id",
        only=LISTING_CONDITION_FIELDS,
        values={"ended_at": now, "end_reason": reason},
        **common,
    )
    lifted = transition_many(
        model=RestrictionOrder,
        ids=[pk for pk, status in orders if status == RestrictionOrder.Status.IN_FORCE],
        transition="lift",
        action="restriction_order_lift",
        detail_key="order_id",
        only=ORDER_CONDITION_FIELDS,
        related=("case",),
        values={"lifted_at": now, "lift_reason": lift_reason, "lift_note": reason},
        **common,
    )
    # A listing still in its grace period was never published: carriers never heard of it, so nothing to remove.
    feed_listings(
        kind=FeedEvent.Kind.LISTING_REMOVED, decision_ids=[pk for pk, *_ in removed if pk in published], now=now
    )
    feed_orders(kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=[pk for pk, *_ in lifted], now=now)
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
    expired = transition_many(
        model=ListingDecision,
        ids=list(
            ListingDecision.objects.filter(case_id__any=case_ids, status=ListingDecision.Status.IN_FORCE).values_list(
                "pk", flat=True
            )
        ),
        transition="expire",
        action="listing_expire",
        detail_key="decision_id",
        only=LISTING_CONDITION_FIELDS,
        reason=str(rules.LEGAL_BASIS["expire"]),
        values={"ended_at": now},
        skip_locked=False,
    )
    feed_listings(kind=FeedEvent.Kind.LISTING_EXPIRED, decision_ids=[pk for pk, *_ in expired], now=now)
    return len(expired)


def sanctions_end_on_security(*, actor, case_id: int, reason: str, expected_state=None) -> dict[str, bool]:
    """The debtor has given full security: an approver records it and ends what security answers, in one
    transaction.

    Full security bars listing only under ground (1): recording it on the case (`case_update`) ends a listing
    on ground (1) alone (`listing_end_on_exclusion`: removed, not revoked, the case back to `restricted`); a
    listing that also rests on any of grounds (2)-(6) stays, and so the whole is refused. Then the restriction
    order is lifted for security given (`restriction_order_lift`), which moves the case to `defaulted`."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Say what security was given."), field="reason")
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        decision = ListingDecision.objects.filter(case=case, status=ListingDecision.Status.IN_FORCE).first()
        if decision is not None and {Ground(g) for g in decision.grounds} != {Ground.ABLE_BUT_REFUSES}:
            others = ", ".join(f"({int(g)})" for g in sorted(set(decision.grounds) - {Ground.ABLE_BUT_REFUSES}))
            raise RuleViolation(
                _(
                    "Full security bars listing only on ground (1); this listing rests on ground(s) %(grounds)s as "
                    "well, which security does not answer, so it stays in force and the restriction with it."
                )
                % {"grounds": others}
            )
        order_in_force = RestrictionOrder.objects.filter(case=case, status=RestrictionOrder.Status.IN_FORCE).exists()
        if decision is None and not order_in_force:
            raise Conflict(_("The debtor is neither listed nor restricted on this case: there is nothing to lift."))
        if not case.security_given:
            case_update(actor=actor, case_id=case.pk, reason=reason, security_given=True)
        else:  # recorded before, by an earlier correction: end the listing now
            listing_end_on_exclusion(case=case, actor=actor)
        order = RestrictionOrder.objects.filter(case=case, status=RestrictionOrder.Status.IN_FORCE).order_by("-id")
        order = order.first()
        if order is not None:
            restriction_order_lift(actor=actor, order_id=order.pk, reason=LiftReason.SECURITY_GIVEN, note=reason)
    return {"listing_ended": decision is not None, "order_lifted": order_in_force}


def listing_end_on_exclusion(*, case: EnforcementCase, actor) -> bool:
    """Ground (1) no longer holds against the debtor (security given, seized assets cover the balance, liable
    only after another debtor: `ground_one_exclusions`), so a listing in force on ground (1) alone ends:
    removed (not revoked: it was not made in error), the case back to `restricted`, its order staying.

    Called whenever the case's data changes (`listings.receivers`), inside that transaction, the case locked.
    Ending a listing for a reason other than payment or expiry is an approver's act: a clerk's correction that
    would end one is refused, with the reason. Returns whether a listing ended."""
    exclusions = ground_one_exclusions(case)
    if not exclusions:
        return False
    decision = ListingDecision.objects.select_for_update().filter(case=case, status=ListingDecision.Status.IN_FORCE)
    decision = decision.first()
    if decision is None or {Ground(g) for g in decision.grounds} != {Ground.ABLE_BUT_REFUSES}:
        return False
    error = refusal(decision, "remove", actor)
    if error is not None:
        raise Forbidden(
            _(
                "This correction means ground (1) no longer holds (%(why)s), which ends the listing on this case: "
                "an approver of the court must make it. %(refusal)s"
            )
            % {"why": " ".join(exclusions), "refusal": error.message},
        )
    now = timezone.now()
    end_reason = " ".join(exclusions)
    was_published = decision.published_at is not None
    transition_apply(
        obj=decision,
        transition="remove",
        actor=actor,
        case=case,
        action="listing_remove",
        reason=end_reason,
        detail={"decision_id": decision.pk, "cause": "ground_one_excluded"},
        at=now,
        end_reason=end_reason,
    )
    case_transition(case=case, transition="delist", actor=actor, reason=end_reason, detail={"decision_id": decision.pk})
    if was_published:
        feed_listings(kind=FeedEvent.Kind.LISTING_REMOVED, decision_ids=[decision.pk], now=now)
    return True
