"""The listings side of the daily sweeps, set-wise: publish listings whose grace is over, end listings whose period
is over, and end every sanction of a case that was paid or closed (at once on payment; the sweep is the net).

Rows are locked with SKIP LOCKED and re-checked under the lock, so a sweep never acts on a row a clerk is
changing, and two copies of a sweep split the work. Audit rows are written in bulk, with the system as actor.
"""

import datetime
import itertools
import logging

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from enforcement import rules
from enforcement.jobs import last_successful_run_detail
from enforcement.models import AuditEntry, CaseState, EnforcementCase
from enforcement.rules import LiftReason
from enforcement.services import SYSTEM_ACTOR_NAME, cases_transition_many
from enforcement.services.transitions import insert_audit_rows
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services.endings import sanctions_end_many
from listings.services.feed import feed_listings

logger = logging.getLogger(__name__)

ENDED_CASE_STATES = (CaseState.PAID, CaseState.CLOSED)
# The safety net's task name (as JobRun records it): where its last successful run stopped.
SAFETY_NET_JOB = "listings.tasks.end_sanctions_of_ended_cases"


def publish_due(*, today: datetime.date | None = None, chunk_size: int = 5000) -> int:
    """Publish every listing whose grace period is over. Returns how many were published.

    The candidates come from the publication index (`listing_publish_due_idx`: only listings not yet published)
    in one pass; each chunk is locked with SKIP LOCKED and re-checked under the lock, updated (one UPDATE per
    listing period, a handful), and its audit rows (one COPY) and feed events (one INSERT ... SELECT) written."""
    today = today or timezone.localdate()
    due = ListingDecision.objects.due_for_publication(today)
    candidates = due.order_by().values_list("pk", flat=True).iterator(chunk_size=chunk_size)
    legal_basis = str(rules.LEGAL_BASIS.get("listing_publish", ""))
    published = 0
    while ids := list(itertools.islice(candidates, chunk_size)):
        with transaction.atomic():
            rows = list(
                due.filter(pk__any=ids)
                .order_by()
                .select_for_update(skip_locked=True, of=("self",))
                .values_list("pk", "case_id", "period_years")
            )
            if not rows:
                continue
            now = timezone.now()
            published_on = timezone.localdate(now)
            for period in {period for _pk, _case, period in rows}:
                ListingDecision.objects.filter(pk__any=[pk for pk, _c, p in rows if p == period]).update(
                    published_at=now,
                    expires_on=published_on + relativedelta(years=period, days=-1) if period else None,
                )
            insert_audit_rows(
                [
                    (
                        case,
                        now,
                        SYSTEM_ACTOR_NAME,
                        "listing_publish",
                        "",
                        "",
                        "",
                        legal_basis,
                        f'{{"decision_id": {pk}}}',
                    )
                    for pk, case, _p in rows
                ]
            )
            feed_listings(kind=FeedEvent.Kind.LISTING_PUBLISHED, decision_ids=[pk for pk, _c, _p in rows], now=now)
            published += len(rows)
    return published


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


def end_sanctions_of_ended_cases(*, chunk_size: int = 5000) -> dict:
    """The safety net: a case paid or closed must have no listing or restriction order left in force.

    It looks at every case still `paid` (an index probe: a case stays paid one night at most) and at the cases
    that closed since its last run: those with an audit row to `closed` after the last row its previous run
    saw (a range of the trail's primary key), so a day with nothing to mend costs two index probes whatever the
    size of the register. Its first run (none before it recorded where it stopped) looks at every closed case.
    A case that escaped both has broken the list's invariants, and the daily report of them names it to its
    court (`listings.invariants`: `removal_overdue`, `order_in_force_on_ended_case`).

    Returns the counts and, under "examined", the last audit row it saw (where its next run starts)."""
    previous = last_successful_run_detail(SAFETY_NET_JOB).get("examined", {}).get("audit_id_to")
    audit_id_to = AuditEntry.objects.aggregate(last=Max("pk"))["last"] or 0
    active = (ListingDecision.Status.PROPOSED, ListingDecision.Status.IN_FORCE)
    with_sanctions = Exists(ListingDecision.objects.filter(case=OuterRef("pk"), status__in=active)) | Exists(
        RestrictionOrder.objects.filter(case=OuterRef("pk"), status__in=active)
    )
    closed = EnforcementCase.objects.filter(state=CaseState.CLOSED)
    if previous is not None:
        closed = closed.filter(
            pk__in=AuditEntry.objects.filter(pk__gt=previous, pk__lte=audit_id_to, to_state=CaseState.CLOSED).values(
                "case_id"
            )
        )
    candidates = itertools.chain.from_iterable(
        rows.filter(with_sanctions).order_by().values_list("pk", flat=True).iterator(chunk_size=chunk_size)
        for rows in (EnforcementCase.objects.filter(state=CaseState.PAID), closed)
    )
    totals = {"listings_removed": 0, "orders_lifted": 0, "proposals_lapsed": 0}
    while ids := list(itertools.islice(candidates, chunk_size)):
        with transaction.atomic():
            locked = list(
                EnforcementCase.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk__any=ids, state__in=ENDED_CASE_STATES)
                .values_list("pk", flat=True)
            )
            counts = sanctions_end_many(case_ids=locked, cause="remove", reason=str(LiftReason.CASE_CLOSED.label))
        for key, value in counts.items():
            totals[key] += value
    return {**totals, "examined": {"audit_id_after": previous, "audit_id_to": audit_id_to}}
