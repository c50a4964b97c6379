"""The listings side of the daily sweeps, set-wise: publish listings whose grace is over, end listings whose period
is over, and end every sanction of a case that was paid or closed (at once on payment; the sweep is the net).

Rows are locked with SKIP LOCKED and re-checked under the lock, so a sweep never acts on a row a clerk is
changing, and two copies of a sweep split the work. Audit rows are written in bulk, with the system as actor.
"""

import datetime
import logging

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from enforcement import rules
from enforcement.models import AuditEntry, CaseState, EnforcementCase
from enforcement.rules import LiftReason
from enforcement.services import cases_transition_many
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.endings import audit_rows, sanctions_end_many
from listings.services.feed import feed_listings

logger = logging.getLogger(__name__)

ENDED_CASE_STATES = (CaseState.PAID, CaseState.CLOSED)


def publish_due(*, today: datetime.date | None = None, chunk_size: int = 1000) -> int:
    """Publish every listing whose grace period is over. Returns how many were published."""
    today = today or timezone.localdate()
    due = ListingDecision.objects.due_for_publication(today)
    published, last = 0, 0
    while True:
        ids = list(due.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return published
        last = ids[-1]
        with transaction.atomic():
            rows = list(
                due.filter(pk__in=ids)
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "case_id", "period_years")
            )
            now = timezone.now()
            published_on = timezone.localdate(now)
            for period in {period for _pk, _case, period in rows}:
                ListingDecision.objects.filter(pk__in=[pk for pk, _c, p in rows if p == period]).update(
                    published_at=now,
                    expires_on=published_on + relativedelta(years=period, days=-1) if period else None,
                )
            AuditEntry.objects.bulk_create(
                audit_rows([(case, {"decision_id": pk}) for pk, case, _p in rows], "listing_publish", "", now)
            )
            feed_listings(kind=FeedEvent.Kind.LISTING_PUBLISHED, decision_ids=[pk for pk, _c, _p in rows], now=now)
            published += len(rows)


def expire_due(*, today: datetime.date | None = None) -> int:
    """End every listing whose period is over: the case goes back to `restricted`, the order stays. The due
    rows come from the (status, expires_on) index, so the cost follows the listings due, not the list's size."""
    today = today or timezone.localdate()
    due = ListingDecision.objects.due_for_expiry(today)
    moved = cases_transition_many(
        case_ids=due.values_list("case_id", flat=True).iterator(chunk_size=5000),
        transition="expire",
        reason=str(rules.LEGAL_BASIS["expire"]),
    )
    return len(moved)


def end_sanctions_of_ended_cases(*, chunk_size: int = 1000) -> dict[str, int]:
    """The safety net: a case paid or closed must have no listing or restriction order left in force."""
    active = (ListingDecision.Status.PROPOSED, ListingDecision.Status.IN_FORCE)
    leftover = EnforcementCase.objects.filter(state__in=ENDED_CASE_STATES).filter(
        Exists(ListingDecision.objects.filter(case=OuterRef("pk"), status__in=active))
        | Exists(RestrictionOrder.objects.filter(case=OuterRef("pk"), status__in=active))
    )
    totals = {"listings_removed": 0, "orders_lifted": 0, "proposals_lapsed": 0}
    last = 0
    while True:
        ids = list(leftover.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk_size])
        if not ids:
            return totals
        last = ids[-1]
        with transaction.atomic():
            locked = list(
                EnforcementCase.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__in=ids, state__in=ENDED_CASE_STATES)
                .values_list("pk", flat=True)
            )
            counts = sanctions_end_many(case_ids=locked, cause="remove", reason=str(LiftReason.CASE_CLOSED.label))
        for key, value in counts.items():
            totals[key] += value
