"""Reads that cross models, for staff. (What the public may see is decided in `listings.selectors`.)"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from enforcement import permissions
from enforcement.models import AuditEntry, EnforcementCase, Party


def cases_visible_to(user) -> QuerySet[EnforcementCase]:
    """The cases a staff user may see: those of the courts where they hold a role (all, for a superuser)."""
    cases = EnforcementCase.objects.all()
    courts = permissions.court_ids(user)
    return cases if courts is None else cases.filter(court_id__in=courts)


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


def case_audit_trail(case: EnforcementCase) -> QuerySet[AuditEntry]:
    return case.audit_entries.select_related("actor").order_by("at", "id")
