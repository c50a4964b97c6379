"""Restriction orders: propose, sign (four eyes), refuse, lift."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import CaseState
from enforcement.permissions import Role
from enforcement.rules import LiftReason
from enforcement.services import audit_write, case_lock, case_transition
from listings.models import PUBLIC, FeedEvent, ListingDecision, RestrictionOrder, RestrictionSubject
from listings.services.common import (
    _active,
    _add_subjects,
    _categories,
    _document_number,
    _get_locked,
    _require_four_eyes,
    _require_role,
    _served_on,
)
from listings.services.feed import feed_listings, feed_orders

# --- restriction orders ------------------------------------------------------------------------------------------


def restriction_order_propose(
    *, actor, case_id: int, categories, facts: str = "", responsible_ids=None, expected_state=None
) -> RestrictionOrder:
    """A clerk proposes a restriction order for a defaulted debtor (and an organisation's responsible persons)."""
    chosen = _categories(categories)
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case, Role.CLERK)
        if case.state != CaseState.DEFAULTED:
            raise Conflict(
                _("A restriction order is proposed for a defaulted debtor; this case is %(state)s.")
                % {"state": case.get_state_display()}
            )
        if _active(RestrictionOrder, case).exists() or _active(ListingDecision, case).exists():
            raise Conflict(_("A restriction order or listing decision is already pending or in force for this case."))
        order = RestrictionOrder.objects.create(case=case, categories=chosen, facts=facts, proposed_by=actor)
        bound = _add_subjects(order, case, responsible_ids)
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_propose",
            reason=facts,
            detail={"order_id": order.pk, "categories": sorted(chosen), "bound_party_ids": bound},
        )
    return order


def restriction_order_approve(
    *, actor, order_id: int, order_number: str, served_on: datetime.date, expected_state=None
) -> RestrictionOrder:
    """An approver signs the order: it is in force and the case is `restricted`."""
    today = timezone.localdate()
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        _require_four_eyes(actor, order)
        if order.listing_id:
            raise Conflict(_("This order was proposed with a listing decision; it is signed with that decision."))
        if order.status != RestrictionOrder.Status.PROPOSED:
            raise Conflict(_("This order is %(s)s, not awaiting signature.") % {"s": order.get_status_display()})
        order.approve(
            approved_by=actor,
            decided_on=today,
            order_number=_document_number(order_number, "order_number"),
            served_on=_served_on(served_on, today),
        )
        order.save()
        case_transition(
            case=case,
            transition="restrict",
            actor=actor,
            detail={
                "order_id": order.pk,
                "order_number": order.order_number,
                "categories": sorted(order.categories),
            },
        )
        feed_orders(kind=FeedEvent.Kind.RESTRICTION_ORDERED, order_ids=[order.pk])
    return order


def restriction_order_reject(*, actor, order_id: int, reason: str) -> RestrictionOrder:
    if not reason.strip():
        raise InvalidInput(_("Say why the order is refused."), field="reason")
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id)
        _require_role(actor, case, Role.APPROVER)
        if order.listing_id:
            raise Conflict(_("This order was proposed with a listing decision; refuse that decision instead."))
        if order.status != RestrictionOrder.Status.PROPOSED:
            raise Conflict(_("This order is %(s)s, not awaiting signature.") % {"s": order.get_status_display()})
        order.reject(approved_by=actor, reason=reason)
        order.save()
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_reject",
            reason=reason,
            detail={"order_id": order.pk},
        )
    return order


def restriction_order_lift(
    *, actor, order_id: int, reason: str, note: str = "", expected_state=None
) -> RestrictionOrder:
    """Lift a restriction order on security or the creditor's consent (payment lifts it by itself)."""
    if reason not in (LiftReason.SECURITY_GIVEN, LiftReason.CREDITOR_CONSENT):
        raise InvalidInput(_("An order is lifted here on security given or the creditor's consent."), field="reason")
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        _require_role(actor, case, Role.APPROVER)
        if order.status != RestrictionOrder.Status.IN_FORCE:
            raise Conflict(_("This order is %(s)s, not in force.") % {"s": order.get_status_display()})
        if case.state == CaseState.LISTED:
            raise RuleViolation(_("A listed debtor must stay restricted: end or revoke the listing first."))
        order.lift(at=timezone.now(), reason=reason, note=note)
        order.save()
        case_transition(
            case=case,
            transition="lift",
            actor=actor,
            reason=f"{LiftReason(reason).label}. {note}".strip(),
            detail={"order_id": order.pk, "lift_reason": reason},
        )
        feed_orders(kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=[order.pk], now=order.lifted_at)
    return order


def restriction_orders_bind_person(*, organisation_id: int, link, actor=None) -> list[int]:
    """Bind a newly named responsible person to the organisation's orders that are proposed or in force: an
    order binds the organisation and its responsible persons, whoever they are when it is enforced. Carriers
    are told at once (one feed event per order in force). Returns the orders now binding the person."""
    with transaction.atomic():
        orders = list(
            RestrictionOrder.objects.select_for_update()
            .filter(
                case__debtor_id=organisation_id,
                status__in=[RestrictionOrder.Status.PROPOSED, RestrictionOrder.Status.IN_FORCE],
            )
            .exclude(bound__party_id=link.person_id)
            .select_related("case")
            .order_by("pk")
        )
        RestrictionSubject.objects.bulk_create(
            [RestrictionSubject(order=order, party_id=link.person_id, role=link.role) for order in orders]
        )
        for order in orders:
            audit_write(
                case=order.case,
                actor=actor,
                action="bind_responsible_person",
                reason=_("%(person)s named as %(role)s of the debtor; bound by order %(order)s.")
                % {"person": link.person.name, "role": link.get_role_display(), "order": order},
                detail={"order_id": order.pk, "party_id": link.person_id},
            )
        in_force = [order.pk for order in orders if order.status == RestrictionOrder.Status.IN_FORCE]
        feed_orders(kind=FeedEvent.Kind.RESTRICTION_ORDERED, order_ids=in_force, party_id=link.person_id)
    return [order.pk for order in orders]


def feed_id_number_corrected(*, party, previous_id_number: str) -> None:
    """A bound person's ID number was corrected: carriers drop the old number and restrict the new one, and a
    published listing moves to the new number in their mirrors."""
    orders = list(
        RestrictionOrder.objects.filter(bound__party=party, status=RestrictionOrder.Status.IN_FORCE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    feed_orders(
        kind=FeedEvent.Kind.RESTRICTION_LIFTED, order_ids=orders, party_id=party.pk, id_number=previous_id_number
    )
    feed_orders(kind=FeedEvent.Kind.RESTRICTION_ORDERED, order_ids=orders, party_id=party.pk)
    listings = list(
        ListingDecision.objects.filter(PUBLIC, case__debtor=party).order_by("pk").values_list("pk", flat=True)
    )
    feed_listings(kind=FeedEvent.Kind.LISTING_REMOVED, decision_ids=listings, id_number=previous_id_number)
    feed_listings(kind=FeedEvent.Kind.LISTING_PUBLISHED, decision_ids=listings)
