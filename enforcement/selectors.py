"""Reads that cross models, for staff. (What the public may see is decided in `listings.selectors`.)"""

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import F, QuerySet
from django.utils import timezone

from enforcement import permissions, rules
from enforcement.models import AuditEntry, CaseState, EnforcementCase, OutboxMessage


def cases_visible_to(user) -> QuerySet[EnforcementCase]:
    """The cases a staff user may see: those of the courts where they hold a role (all, for a superuser)."""
    cases = EnforcementCase.objects.all()
    courts = permissions.court_ids(user)
    return cases if courts is None else cases.filter(court_id__in=courts)


def cases_due_for_default(cases: QuerySet[EnforcementCase] | None = None) -> QuerySet[EnforcementCase]:
    """Cases whose payment period is over with a balance left, not yet declared in default: the daily job
    declares them, the case list's "overdue" filter and the clerk's dashboard show them."""
    cases = EnforcementCase.objects.all() if cases is None else cases
    return cases.filter(
        state=CaseState.JUDGMENT,
        notice_served_on__isnull=False,
        payment_due_on__lt=timezone.localdate(),
        amount_paid__lt=F("amount_due"),
    )


def failed_messages() -> QuerySet[OutboxMessage]:
    """Messages given up after the last attempt (dead letters): someone must act on them."""
    return OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=False)


def creditor_removal_bar_until(*, creditor_id: int, debtor_id: int, on: datetime.date) -> datetime.date | None:
    """If this creditor had this debtor removed on request recently, the day their bar ends; else None."""
    months = rules.get("creditor_removal_bar_months")
    last = (
        EnforcementCase.objects.filter(
            creditor_id=creditor_id,
            debtor_id=debtor_id,
            state=CaseState.CLOSED,
            closed_reason=rules.ClosingReason.CREDITOR_REQUEST,
            closed_on__gt=on - relativedelta(months=months),
        )
        .order_by("-closed_on")
        .values_list("closed_on", flat=True)
        .first()
    )
    return last + relativedelta(months=months) if last else None


def case_audit_trail(case: EnforcementCase, *, newest_first: bool = False) -> QuerySet[AuditEntry]:
    """A case's audit trail: in the order it happened (the API, a log to replay), or newest first (the clerk's
    case page, where the latest change matters most)."""
    order = ("-at", "-id") if newest_first else ("at", "id")
    return case.audit_entries.select_related("actor").order_by(*order)
