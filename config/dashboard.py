"""The staff's start page: what waits for me, in my courts, each with a count and a link to exactly that list.

Each count is the size of the queryset its link lists (the same selector answers both), so what the page says
and what the clerk finds behind the link cannot drift apart.
"""

import datetime
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals import selectors as appeal_selectors
from appeals.models import RemovalRequest
from appeals.services.deadlines import NEAR_WORKING_DAYS
from enforcement import permissions, selectors, workdays
from enforcement.models import EnforcementCase, OutboxMessage
from enforcement.permissions import Role
from listings import selectors as listing_selectors
from listings.models import ListingDecision, RestrictionOrder

SHOWN_PER_ITEM = 5


@dataclass
class Row:
    label: str
    url: str
    note: str = ""
    urgent: bool = False


@dataclass
class WorkItem:
    key: str
    title: str
    count: int
    url: str
    explanation: str
    rows: list[Row] = field(default_factory=list)
    urgent: bool = False


def _changelist(model, **filters) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _decisions_to_sign(user, model, title, explanation) -> WorkItem:
    waiting: QuerySet = listing_selectors.decisions_to_sign(user, model).select_related("case", "case__debtor")
    rows = [
        Row(
            label=f"{d.case.case_number} · {d.case.debtor.name}",
            # The case page, where the signing button is.
            url=reverse("admin:enforcement_enforcementcase_change", args=[d.case_id]),
            note=_("proposed %(day)s") % {"day": timezone.localtime(d.proposed_at).date().isoformat()},
        )
        for d in waiting.order_by("proposed_at")[:SHOWN_PER_ITEM]
    ]
    return WorkItem(
        key=f"sign-{model._meta.model_name}",
        title=title,
        count=waiting.count(),
        url=_changelist(model, awaiting="mine"),
        explanation=explanation,
        rows=rows,
    )


def _days_left(due_on: datetime.date, today: datetime.date) -> str:
    days = (due_on - today).days
    if days < 0:
        return _("%(n)s days overdue (deadline %(day)s)") % {"n": -days, "day": due_on.isoformat()}
    if days == 0:
        return _("due today")
    return _("%(n)s days left (deadline %(day)s)") % {"n": days, "day": due_on.isoformat()}


def work_for(user) -> list[WorkItem]:
    """The dashboard's items for this user, in the order they should be done."""
    today = timezone.localdate()
    items: list[WorkItem] = []
    if permissions.court_ids(user, Role.APPROVER) != set():
        items.append(
            _decisions_to_sign(
                user,
                ListingDecision,
                _("Listing decisions awaiting your signature"),
                _("Proposed by a clerk of your court; you sign or reject them (you cannot sign your own)."),
            )
        )
        items.append(
            _decisions_to_sign(
                user,
                RestrictionOrder,
                _("Restriction orders awaiting your signature"),
                _("Proposed by a clerk of your court; you sign or reject them (you cannot sign your own)."),
            )
        )

    horizon = workdays.add_working_days(today, NEAR_WORKING_DAYS)
    due = appeal_selectors.requests_waiting(user).select_related("case")
    rows = []
    for req in due[:SHOWN_PER_ITEM]:
        note = _days_left(req.due_on, today)
        urgent = req.due_on <= horizon  # the daily job's "near or overdue" line (appeals.services.deadlines)
        rows.append(
            Row(
                label=f"{req.tracking_code} · {req.case.case_number} · {req.get_kind_display()}",
                url=reverse("admin:appeals_removalrequest_change", args=[req.pk]),
                note=note,
                urgent=urgent,
            )
        )
    items.append(
        WorkItem(
            key="requests-due",
            title=_("Requests waiting for the court"),
            count=due.count(),
            url=_changelist(RemovalRequest, deadline="pending"),
            explanation=_(
                "Removal, correction and temporary-lift requests to decide or carry out, soonest deadline first; "
                "red: %(n)s working days or less left, or overdue."
            )
            % {"n": NEAR_WORKING_DAYS},
            rows=rows,
            urgent=any(r.urgent for r in rows),
        )
    )

    if permissions.court_ids(user, Role.CLERK) != set():
        over = selectors.cases_visible_to(user).due_for_default(today).select_related("debtor")
        items.append(
            WorkItem(
                key="payment-period-over",
                title=_("Cases whose payment period is over"),
                count=over.count(),
                url=_changelist(EnforcementCase, overdue="yes"),
                explanation=_(
                    "A balance remains after the period of the enforcement notice: the nightly run declares "
                    "them in default; you may do it now from the case page."
                ),
                rows=[
                    Row(
                        label=f"{case.case_number} · {case.debtor.name}",
                        url=reverse("admin:enforcement_enforcementcase_change", args=[case.pk]),
                        note=_("period ended %(day)s") % {"day": case.payment_due_on.isoformat()},
                    )
                    for case in over.order_by("payment_due_on", "pk")[:SHOWN_PER_ITEM]
                ],
            )
        )

    if permissions.is_superuser(user):
        # Messages belong to no court: only a superuser sees the outbox.
        failed = selectors.failed_messages()
        items.append(
            WorkItem(
                key="failed-messages",
                title=_("Messages that failed to send"),
                count=failed.count(),
                url=_changelist(OutboxMessage, status="failed"),
                explanation=_("Given up after the last attempt: read the error, fix the cause, queue them again."),
                urgent=failed.exists(),
            )
        )
    return items
