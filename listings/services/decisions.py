"""Listing decisions: propose, sign (four eyes), refuse, publish, expire, revoke."""

import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import CaseState, EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import Ground, LiftReason, RestrictionCategory
from enforcement.services import audit_write, case_lock, case_transition
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.common import (
    _active,
    _add_subjects,
    _categories,
    _document_number,
    _get_locked,
    _raise_refusals,
    _require_four_eyes,
    _require_role,
    _served_on,
    listing_period_years,
    listing_refusals,
    search_keys,
)
from listings.services.feed import feed_listings, feed_orders

# --- listing decisions -------------------------------------------------------------------------------------------


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
    responsible_ids=None,
    expected_state=None,
) -> ListingDecision:
    """A clerk proposes listing the debtor. A debtor not yet restricted gets a restriction order proposed with it."""
    today = timezone.localdate()
    grounds = frozenset(Ground(g) for g in (grounds or ()))
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.CLERK)
        if _active(ListingDecision, case).exists():
            raise Conflict(_("A listing decision is already pending or in force for this case."))
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=grounds,
                extension_years=extension_years,
                extension_reason=extension_reason,
                grace_months=grace_months,
                on=today,
            )
        )
        companion_categories = None
        if case.state == CaseState.DEFAULTED:
            if _active(RestrictionOrder, case).exists():
                raise Conflict(_("Decide the pending restriction order before proposing a listing."))
            companion_categories = _categories(categories or RestrictionCategory.values)
        decision = ListingDecision.objects.create(
            case=case,
            grounds=grounds,
            facts=facts,
            extension_years=extension_years,
            extension_reason=extension_reason,
            grace_months=grace_months,
            period_years=listing_period_years(grounds, extension_years),
            proposed_by=actor,
            **search_keys(case),
        )
        detail = {
            "decision_id": decision.pk,
            "grounds": sorted(int(g) for g in grounds),
            "period_years": decision.period_years,
            "grace_months": grace_months,
        }
        if companion_categories is not None:
            order = RestrictionOrder.objects.create(
                case=case, categories=companion_categories, facts=facts, proposed_by=actor, listing=decision
            )
            detail["order_id"] = order.pk
            detail["bound_party_ids"] = _add_subjects(order, case, responsible_ids)
        audit_write(case=case, actor=actor, action="listing_propose", reason=facts, detail=detail)
    return decision


def listing_approve(
    *,
    actor,
    decision_id: int,
    decision_number: str,
    served_on: datetime.date,
    order_number: str = "",
    expected_state=None,
) -> ListingDecision:
    """An approver signs the listing (and the restriction order proposed with it); published at once without grace."""
    today = timezone.localdate()
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        _require_four_eyes(actor, decision)
        if decision.status != ListingDecision.Status.PROPOSED:
            raise Conflict(_("This decision is %(s)s, not awaiting signature.") % {"s": decision.get_status_display()})
        _raise_refusals(
            listing_refusals(
                case=case,
                grounds=decision.grounds,
                extension_years=decision.extension_years,
                extension_reason=decision.extension_reason,
                grace_months=decision.grace_months,
                on=today,
            )
        )
        served_on = _served_on(served_on, today)
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if case.state == CaseState.DEFAULTED and companion is None:
            raise RuleViolation(_("Every listed debtor must be bound by a restriction order; none goes with this one."))
        decision.approve(
            approved_by=actor,
            decided_on=today,
            decision_number=_document_number(decision_number, "decision_number"),
            served_on=served_on,
        )
        decision.publish_on = today + relativedelta(months=decision.grace_months)
        decision.save()
        detail = {"decision_id": decision.pk, "decision_number": decision.decision_number}
        if companion is not None:
            companion.approve(
                approved_by=actor,
                decided_on=today,
                order_number=_document_number(order_number, "order_number"),
                served_on=served_on,
            )
            companion.save()
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
        _require_role(actor, case, Role.APPROVER)
        if decision.status != ListingDecision.Status.PROPOSED:
            raise Conflict(_("This decision is %(s)s, not awaiting signature.") % {"s": decision.get_status_display()})
        decision.reject(approved_by=actor, reason=reason)
        decision.save()
        companion = RestrictionOrder.objects.select_for_update().filter(listing=decision).first()
        if companion is not None:
            companion.reject(approved_by=actor, reason=reason)
            companion.save()
        audit_write(
            case=case,
            actor=actor,
            action="listing_reject",
            reason=reason,
            detail={"decision_id": decision.pk},
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
        due = (
            decision.status == ListingDecision.Status.IN_FORCE
            and decision.published_at is None
            and decision.publish_on is not None
            and decision.publish_on <= timezone.localdate()
            and case.state == CaseState.LISTED
        )
        if due:
            _publish(case, decision, None)
        return due


def listing_expire(*, actor, decision_id: int) -> ListingDecision:
    """The listing period is over: off the list, back to `restricted` (the restriction order stays)."""
    today = timezone.localdate()
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id)
        if decision.status != ListingDecision.Status.IN_FORCE:
            raise Conflict(_("This listing is %(s)s, not in force.") % {"s": decision.get_status_display()})
        if decision.expires_on is None or decision.expires_on >= today:
            raise RuleViolation(
                _("This listing runs until performance.")
                if decision.period_years is None
                else _("This listing runs until %(d)s.") % {"d": decision.expires_on or _("its period has run")}
            )
        _require_role(actor, case, Role.CLERK)
        decision.expire(at=timezone.now())
        decision.save()
        case_transition(case=case, transition="expire", actor=actor, detail={"decision_id": decision.pk})
        feed_listings(kind=FeedEvent.Kind.LISTING_EXPIRED, decision_ids=[decision.pk])
    return decision


def listing_revoke(*, actor, decision_id: int, reason: str, expected_state=None) -> ListingDecision:
    """The debtor was listed in error: off the list at once; a restriction order issued with it is lifted too."""
    if not reason.strip():
        raise InvalidInput(_("Say what the error was."), field="reason")
    with transaction.atomic():
        case, decision = _get_locked(ListingDecision, decision_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        if decision.status != ListingDecision.Status.IN_FORCE:
            raise Conflict(_("This listing is %(s)s, not in force.") % {"s": decision.get_status_display()})
        now = timezone.now()
        decision.revoke(at=now, reason=reason)
        decision.save()
        companion = (
            RestrictionOrder.objects.select_for_update()
            .filter(listing=decision, status=RestrictionOrder.Status.IN_FORCE)
            .first()
        )
        if companion is not None:
            companion.lift(at=now, reason=LiftReason.LISTED_IN_ERROR, note=reason)
            companion.save()
        case_transition(
            case=case,
            transition="revoke",
            actor=actor,
            reason=reason,
            detail={"decision_id": decision.pk, "lifted_order_id": companion.pk if companion else None},
            keep_restriction=companion is None,
        )
        feed_listings(kind=FeedEvent.Kind.LISTING_REVOKED, decision_ids=[decision.pk], now=now)
        if companion is not None:
            feed_orders(kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=[companion.pk], now=now)
    return decision
