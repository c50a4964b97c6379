"""Restriction orders: propose, sign (four eyes), refuse, lift."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.errors import Conflict, DomainError, InvalidInput
from enforcement.models import CaseState, EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import LiftReason
from enforcement.services import audit_write, case_lock, case_transition, refusal, transition_apply
from listings.models import PUBLIC, FeedEvent, ListingDecision, RestrictionOrder, RestrictionSubject
from listings.services.common import (
    _active,
    _categories,
    _get_locked,
    _role_refusal,
    bind_subjects,
    document_number,
    service_dates,
)
from listings.services.feed import feed_listings, feed_orders

# --- restriction orders ------------------------------------------------------------------------------------------


def restriction_propose_refusal(case: EnforcementCase, actor) -> DomainError | None:
    """Why `actor` may not propose a restriction order on this case now, or None (the service and the button)."""
    if case.state != CaseState.DEFAULTED:
        return Conflict(
            _("A restriction order is proposed for a defaulted debtor; this case is %(state)s.")
            % {"state": case.get_state_display()}
        )
    if _active(RestrictionOrder, case).exists() or _active(ListingDecision, case).exists():
        return Conflict(_("A restriction order or listing decision is already pending or in force for this case."))
    return _role_refusal(actor, case, Role.CLERK)


def restriction_order_propose(
    *, actor, case_id: int, categories, facts: str = "", expected_state=None
) -> RestrictionOrder:
    """A clerk proposes a restriction order for a defaulted debtor: it binds the debtor and, for an
    organisation, every one of its responsible persons."""
    chosen = _categories(categories)
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        error = restriction_propose_refusal(case, actor)
        if error is not None:
            raise error
        order = RestrictionOrder.objects.create(case=case, categories=chosen, facts=facts, proposed_by=actor)
        bound = bind_subjects(order, case)
        audit_write(
            case=case,
            actor=actor,
            action="restriction_order_propose",
            reason=facts,
            detail={"order_id": order.pk, "categories": sorted(chosen), "bound_party_ids": bound},
        )
    return order


def _standalone(order: RestrictionOrder, what: str) -> None:
    if order.listing_id:
        raise Conflict(
            _("This order was proposed with a listing decision; it is signed with that decision.")
            if what == "sign"
            else _("This order was proposed with a listing decision; refuse that decision instead.")
        )


def restriction_order_approve(
    *,
    actor,
    order_id: int,
    order_number: str,
    served_on: datetime.date,
    decided_on: datetime.date | None = None,
    expected_state=None,
) -> RestrictionOrder:
    """An approver who did not propose it signs the order: it is in force and the case is `restricted`."""
    today = timezone.localdate()
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        error = refusal(order, "approve", actor)
        if error is not None:
            raise error
        _standalone(order, "sign")
        decided_on, served_on = service_dates(case=case, decided_on=decided_on, served_on=served_on, today=today)
        transition_apply(
            obj=order,
            transition="approve",
            actor=actor,
            case=case,
            action="restriction_order_approve",
            detail={"order_id": order.pk},
            approved_by=actor,
            decided_on=decided_on,
            order_number=document_number(order_number, case=case, field="order_number"),
            served_on=served_on,
        )
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
        error = refusal(order, "reject", actor)
        if error is not None:
            raise error
        _standalone(order, "refuse")
        transition_apply(
            obj=order,
            transition="reject",
            actor=actor,
            case=case,
            action="restriction_order_reject",
            reason=reason,
            detail={"order_id": order.pk},
            approved_by=actor,
            rejection_reason=reason,
        )
    return order


LIFTABLE_REASONS = (LiftReason.SECURITY_GIVEN, LiftReason.CREDITOR_CONSENT)


def restriction_order_lift(
    *, actor, order_id: int, reason: str, note: str = "", expected_state=None
) -> RestrictionOrder:
    """Lift a restriction order on security or the creditor's consent (payment lifts it by itself)."""
    if reason not in LIFTABLE_REASONS:
        raise InvalidInput(_("An order is lifted here on security given or the creditor's consent."), field="reason")
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id, expected_case_state=expected_state)
        error = refusal(order, "lift", actor)
        if error is not None:
            raise error
        label = f"{LiftReason(reason).label}. {note}".strip()
        transition_apply(
            obj=order,
            transition="lift",
            actor=actor,
            case=case,
            action="restriction_order_lift",
            reason=label,
            detail={"order_id": order.pk, "lift_reason": reason},
            at=timezone.now(),
            lift_reason=reason,
            lift_note=note,
        )
        case_transition(
            case=case,
            transition="lift",
            actor=actor,
            reason=label,
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
