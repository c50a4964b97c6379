"""Listing decisions: propose, sign (four eyes), refuse, publish, expire, revoke."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.errors import Conflict, DomainError, InvalidInput, RuleViolation
from enforcement.models import CaseState, EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason, RestrictionCategory
from enforcement.services import audit_write, case_lock, case_transition, refusal, transition_apply
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.common import (
    LISTABLE_STATES,
    _active,
    _categories,
    _get_locked,
    _raise_refusals,
    _role_refusal,
    bind_subjects,
    document_number,
    listing_period_years,
    listing_refusals,
    search_keys,
    service_dates,
)
from listings.services.feed import feed_listings, feed_orders

# --- listing decisions -------------------------------------------------------------------------------------------


def listing_propose_refusal(case: EnforcementCase, actor) -> DomainError | None:
    """Why `actor` may not propose listing this debtor now, or None (asked by the service and the button). The
    law's rules on the debtor and the grounds follow in `listing_refusals`."""
    if case.state not in LISTABLE_STATES:
        return Conflict(
            _("Only a defaulted or restricted debtor can be listed; this case is %(state)s.")
            % {"state": case.get_state_display()}
        )
    if _active(ListingDecision, case).exists():
        return Conflict(_("A listing decision is already pending or in force for this case."))
    if case.state == CaseState.DEFAULTED and _active(RestrictionOrder, case).exists():
        return Conflict(_("Decide the pending restriction order before proposing a listing."))
    return _role_refusal(actor, case, Role.CLERK)


def listing_propose(
    *,
    actor,
    case_id: int,
    grounds,
    facts: str = "",
    extension_years: int = 0,
    extension_reason: str = "",
    grace_months: int = 0,
    categories=None,
    on_creditor_application: bool = True,
    expected_state=None,
) -> ListingDecision:
    """A clerk proposes listing the debtor. A debtor not yet restricted gets a restriction order proposed with it."""
    today = timezone.localdate()
    grounds = frozenset(Ground(g) for g in (grounds or ()))
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        error = listing_propose_refusal(case, actor)
        if error is not None:
            raise error
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=grounds,
                extension_years=extension_years,
                extension_reason=extension_reason,
                grace_months=grace_months,
                on_creditor_application=on_creditor_application,
                on=today,
            )
        )
        companion_categories = None
        if case.state == CaseState.DEFAULTED:
            companion_categories = _categories(categories or RestrictionCategory.values)
        decision = ListingDecision.objects.create(
            case=case,
            grounds=grounds,
            facts=facts,
            extension_years=extension_years,
            extension_reason=extension_reason,
            grace_months=grace_months,
            period_years=listing_period_years(grounds, extension_years),
            on_creditor_application=on_creditor_application,
            proposed_by=actor,
            **search_keys(case),
        )
        detail = {
            "decision_id": decision.pk,
            "grounds": sorted(int(g) for g in grounds),
            "period_years": decision.period_years,
            "grace_months": grace_months,
            "on_creditor_application": on_creditor_application,
        }
        if companion_categories is not None:
            order = RestrictionOrder.objects.create(
                case=case, categories=companion_categories, facts=facts, proposed_by=actor, listing=decision
            )
            detail["order_id"] = order.pk
            detail["bound_party_ids"] = bind_subjects(order, case)
        audit_write(case=case, actor=actor, action="listing_propose", reason=facts, detail=detail)
    return decision


def listing_approve(
    *,
    actor,
    decision_id: int,
    decision_number: str,
    served_on: datetime.date,
    order_number: str = "",
    decided_on: datetime.date | None = None,
    expected_state=None,
) -> ListingDecision:
    """An approver who did not propose it signs the listing (and the restriction order proposed with it);
    published at once without a grace period."""
    today = timezone.localdate()
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        error = refusal(decision, "approve", actor)
        if error is not None:
            raise error
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=decision.grounds,
                extension_years=decision.extension_years,
                extension_reason=decision.extension_reason,
                grace_months=decision.grace_months,
                on_creditor_application=decision.on_creditor_application,
                on=today,
            )
        )
        decided_on, served_on = service_dates(case=case, decided_on=decided_on, served_on=served_on, today=today)
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if case.state == CaseState.DEFAULTED and companion is None:
            raise RuleViolation(_("Every listed debtor must be bound by a restriction order; none goes with this one."))
        signed = {"approved_by": actor, "decided_on": decided_on, "served_on": served_on}
        transition_apply(
            obj=decision,
            transition="approve",
            actor=actor,
            case=case,
            action="listing_approve",
            detail={"decision_id": decision.pk},
            decision_number=document_number(decision_number, case=case, field="decision_number"),
            publish_on=today + relativedelta(months=decision.grace_months),
            **signed,
        )
        detail = {"decision_id": decision.pk, "decision_number": decision.decision_number}
        if companion is not None:
            transition_apply(
                obj=companion,
                transition="approve",
                actor=actor,
                case=case,
                action="restriction_order_approve",
                detail={"order_id": companion.pk},
                order_number=document_number(order_number, case=case, field="order_number"),
                **signed,
            )
            detail |= {"order_id": companion.pk, "order_number": companion.order_number}
        case_transition(case=case, transition="list_debtor", actor=actor, detail=detail)
        if companion is not None:
            feed_orders(kind=FeedEvent.Kind.RESTRICTION_ORDERED, order_ids=[companion.pk])
        if decision.grace_months == 0:
            _publish(case, decision, actor)
    return decision


def listing_reject(*, actor, decision_id: int, reason: str) -> ListingDecision:
    if not reason.strip():
        raise InvalidInput(_("Say why the listing is refused."), field="reason")
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        transition_apply(
            obj=decision,
            transition="reject",
            actor=actor,
            case=case,
            action="listing_reject",
            reason=reason,
            detail={"decision_id": decision.pk},
            approved_by=actor,
            rejection_reason=reason,
        )
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if companion is not None:
            transition_apply(
                obj=companion,
                transition="reject",
                actor=actor,
                case=case,
                action="restriction_order_reject",
                reason=reason,
                detail={"order_id": companion.pk},
                approved_by=actor,
                rejection_reason=reason,
            )
    return decision


def _publish(case: EnforcementCase, decision: ListingDecision, actor) -> None:
    now = timezone.now()
    decision.published_at = now
    if decision.period_years:
        decision.expires_on = timezone.localdate(now) + relativedelta(years=decision.period_years, days=-1)
    decision.save(update_fields=["published_at", "expires_on"])
    feed_listings(kind=FeedEvent.Kind.LISTING_PUBLISHED, decision_ids=[decision.pk], now=now)
    audit_write(
        case=case,
        actor=actor,
        action="listing_publish",
        detail={
            "decision_id": decision.pk,
            "expires_on": decision.expires_on.isoformat() if decision.expires_on else None,
        },
    )


def listing_publish_due(*, decision_id: int) -> bool:
    """The system publishes a listing whose grace period is over. Idempotent; returns whether it published."""
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        due = ListingDecision.objects.filter(pk=decision.pk).due_for_publication(timezone.localdate()).exists()
        if due:
            _publish(case, decision, None)
        return due


def listing_expire(*, actor, decision_id: int) -> ListingDecision:
    """The listing period is over: off the list, back to `restricted` (the restriction order stays)."""
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        transition_apply(
            obj=decision,
            transition="expire",
            actor=actor,
            case=case,
            action="listing_expire",
            detail={"decision_id": decision.pk},
            at=timezone.now(),
        )
        case_transition(case=case, transition="expire", actor=actor, detail={"decision_id": decision.pk})
        feed_listings(kind=FeedEvent.Kind.LISTING_EXPIRED, decision_ids=[decision.pk])
    return decision


def listing_revoke(*, actor, decision_id: int, reason: str, expected_state=None) -> ListingDecision:
    """The debtor was listed in error: off the list at once; a restriction order issued with it is lifted too."""
    if not reason.strip():
        raise InvalidInput(_("Say what the error was."), field="reason")
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        now = timezone.now()
        was_published = decision.published_at is not None
        transition_apply(
            obj=decision,
            transition="revoke",
            actor=actor,
            case=case,
            action="listing_revoke",
            reason=reason,
            detail={"decision_id": decision.pk},
            at=now,
            end_reason=reason,
        )
        companion = (
            RestrictionOrder.objects.select_for_update()
            .filter(listing=decision, status=RestrictionOrder.Status.IN_FORCE)
            .first()
        )
        case_transition(
            case=case,
            transition="revoke",
            actor=actor,
            reason=reason,
            detail={"decision_id": decision.pk, "lifted_order_id": companion.pk if companion else None},
            keep_restriction=companion is None,
        )
        if companion is not None:
            transition_apply(
                obj=companion,
                transition="lift",
                actor=actor,
                case=case,
                action="restriction_order_lift",
                reason=reason,
                detail={"order_id": companion.pk, "lift_reason": LiftReason.LISTED_IN_ERROR},
                at=now,
                lift_reason=LiftReason.LISTED_IN_ERROR,
                lift_note=reason,
            )
        if was_published:  # carriers never heard of a listing still in its grace period
            feed_listings(kind=FeedEvent.Kind.LISTING_REVOKED, decision_ids=[decision.pk], now=now)
        if companion is not None:
            feed_orders(kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=[companion.pk], now=now)
    return decision
