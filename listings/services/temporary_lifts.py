"""Temporary lifts of travel restrictions (illness, funeral, official duty, exam): at most a month, by an approver."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.permissions import Role
from enforcement.rules import RestrictionCategory
from enforcement.services import audit_write
from listings.models import FeedEvent, RestrictionOrder, TemporaryLift
from listings.services.common import _get_locked, _require_role
from listings.services.feed import feed_orders


def continuous_travel(order, starts_on: datetime.date, ends_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first and last day of the unbroken run of lifted days of `order` that a lift from `starts_on` to
    `ends_on` would join: lifts that overlap it or touch it (the day before, the day after), and those touching
    them, chained. The rule: that run is at most `temporary_lift_max_days` long."""
    first, last = starts_on, ends_on
    lifts = sorted(TemporaryLift.objects.filter(order=order).values_list("starts_on", "ends_on"))
    changed = True
    while changed:
        changed = False
        for start, end in lifts:
            touches = start <= last + datetime.timedelta(days=1) and end >= first - datetime.timedelta(days=1)
            if touches and (start < first or end > last):
                first, last, changed = min(first, start), max(last, end), True
    return first, last


def temporary_lift_grant(
    *,
    actor,
    order_id: int,
    categories,
    starts_on: datetime.date,
    ends_on: datetime.date,
    reason: str,
    note: str = "",
) -> TemporaryLift:
    """An approver lets a restricted debtor travel for a serious reason, for at most a month."""
    chosen = frozenset(RestrictionCategory(c) for c in (categories or ()))
    if not chosen:
        raise InvalidInput(_("Choose the travel categories to lift."), field="categories")
    if not chosen <= rules.TRAVEL_CATEGORIES:
        raise InvalidInput(_("Only travel categories can be lifted temporarily."), field="categories")
    if reason not in TemporaryLift.Reason.values:
        raise InvalidInput(_("Choose the reason: illness, funeral, official duty or an exam."), field="reason")
    if ends_on < starts_on:
        raise InvalidInput(_("The lift cannot end before it starts."), field="ends_on")
    today = timezone.localdate()
    if starts_on < today:
        raise InvalidInput(_("A temporary lift cannot start in the past."), field="starts_on")
    lead = rules.get("temporary_lift_max_lead_days")
    if starts_on > today + datetime.timedelta(days=lead):
        raise InvalidInput(
            _("A temporary lift starts at most %(n)d days from today (by %(d)s).")
            % {"n": lead, "d": (today + datetime.timedelta(days=lead)).isoformat()},
            field="starts_on",
        )
    max_days = rules.get("temporary_lift_max_days")
    if (ends_on - starts_on).days + 1 > max_days:
        raise InvalidInput(
            _("A temporary lift lasts at most %(n)d days (one month).") % {"n": max_days}, field="ends_on"
        )
    with transaction.atomic():
        case, order = _get_locked(RestrictionOrder, order_id)
        _require_role(actor, case, Role.APPROVER)
        if order.status != RestrictionOrder.Status.IN_FORCE:
            raise Conflict(_("This order is %(s)s, not in force.") % {"s": order.get_status_display()})
        first, last = continuous_travel(order, starts_on, ends_on)
        if (last - first).days + 1 > max_days:
            raise RuleViolation(
                _(
                    "With the lifts already granted on this order, the debtor would travel from %(first)s to "
                    "%(last)s without a break (%(days)d days); lifts of one order are not chained beyond %(n)d days."
                )
                % {
                    "first": first.isoformat(),
                    "last": last.isoformat(),
                    "days": (last - first).days + 1,
                    "n": max_days,
                },
                field="starts_on",
            )
        restricted = chosen & order.categories
        if not restricted:
            raise InvalidInput(_("The order does not restrict these categories."), field="categories")
        lift = TemporaryLift.objects.create(
            order=order,
            categories=restricted,
            starts_on=starts_on,
            ends_on=ends_on,
            reason=reason,
            note=note,
            approved_by=actor,
        )
        audit_write(
            case=case,
            actor=actor,
            action="temporary_lift_grant",
            reason=f"{TemporaryLift.Reason(reason).label}. {note}".strip(),
            detail={
                "order_id": order.pk,
                "lift_id": lift.pk,
                "categories": sorted(restricted),
                "starts_on": starts_on.isoformat(),
                "ends_on": ends_on.isoformat(),
            },
        )
        feed_orders(
            kind=FeedEvent.Kind.TEMPORARY_LIFT,
            order_ids=[order.pk],
            effective_on=starts_on,
            ends_on=ends_on,
            categories=restricted,
        )
    return lift
