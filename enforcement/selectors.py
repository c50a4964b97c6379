"""Reads that cross models, for staff. (What the public may see is decided in `listings.selectors`.)"""

import datetime
from collections import defaultdict
from collections.abc import Iterable

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from enforcement import permissions, rules
from enforcement.models import AuditEntry, CaseState, EnforcementCase, StaffRole


def cases_visible_to(user) -> QuerySet[EnforcementCase]:
    """The cases a staff user may see: those of the courts where they hold a role (all, for a superuser)."""
    cases = EnforcementCase.objects.all()
    courts = permissions.court_ids(user)
    return cases if courts is None else cases.filter(court_id__in=courts)


def staff_emails_by_court(court_ids: Iterable[int]) -> dict[int, list[str]]:
    """The e-mail addresses of the active staff holding any role in each of these courts (courts without one
    are left out): whom the daily jobs tell about their court."""
    found: dict[int, set[str]] = defaultdict(set)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    for court_id, email in StaffRole.objects.filter(court_id__in=list(court_ids), user__in=users).values_list(
        "court_id", "user__email"
    ):
        found[court_id].add(email)
    return {court: sorted(emails) for court, emails in found.items()}


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


def case_audit_trail(case: EnforcementCase) -> QuerySet[AuditEntry]:
    return case.audit_entries.select_related("actor").order_by("at", "id")
