"""Reads that cross models, for staff. (What the public may see is decided in `listings.selectors`.)"""

from collections import defaultdict
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet

from enforcement import permissions
from enforcement.models import AuditEntry, EnforcementCase, OutboxMessage, Party, StaffRole


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


def parties_visible_to(user) -> QuerySet[Party]:
    """Parties of the user's courts' cases, their organisations' responsible persons, and parties without a case
    yet (the same rule as the admin's party list)."""
    parties = Party.objects.all()
    courts = permissions.court_ids(user)
    if courts is None:
        return parties
    in_courts = EnforcementCase.objects.filter(court_id__in=courts)
    return parties.filter(
        Exists(in_courts.filter(debtor=OuterRef("pk")))
        | Exists(in_courts.filter(creditor=OuterRef("pk")))
        | Exists(in_courts.filter(debtor__responsible_persons__person=OuterRef("pk")))
        | ~Exists(EnforcementCase.objects.filter(Q(debtor=OuterRef("pk")) | Q(creditor=OuterRef("pk"))))
    )


def failed_messages() -> QuerySet[OutboxMessage]:
    """Messages given up after the last attempt (dead letters): someone must act on them."""
    return OutboxMessage.objects.filter(sent_at__isnull=True, failed_at__isnull=False)


def case_audit_trail(case: EnforcementCase, *, newest_first: bool = False) -> QuerySet[AuditEntry]:
    """A case's audit trail: in the order it happened (the API, a log to replay), or newest first (the clerk's
    case page, where the latest change matters most)."""
    order = ("-at", "-id") if newest_first else ("at", "id")
    return case.audit_entries.select_related("actor").order_by(*order)
