"""What the debtor sees of their own case and requests, and what a certificate's verification shows."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from appeals.models import OPEN_REQUEST_STATES, RECONSIDERATION_STATES, RemovalRequest
from appeals.services.certificates import is_clearable
from enforcement import permissions
from enforcement.models import EnforcementCase
from enforcement.permissions import Role
from enforcement.rules import ClosingReason, RestrictionCategory
from listings.models import RestrictionOrder, TemporaryLift
from listings.selectors import public_listings


@dataclass(frozen=True)
class DebtorStatus:
    case: EnforcementCase
    on_public_list: bool
    restrictions: list[str]
    temporary_lifts: list[TemporaryLift]
    requests: list[RemovalRequest]
    certificate_available: bool

    @property
    def closed_reason_label(self) -> str:
        return str(ClosingReason(self.case.closed_reason).label) if self.case.closed_reason else ""


def debtor_status(case: EnforcementCase) -> DebtorStatus:
    """The debtor's view of their case: state, balance, restrictions in force, open requests, certificate."""
    orders = RestrictionOrder.objects.filter(case=case, status=RestrictionOrder.Status.IN_FORCE)
    categories: set[str] = set()
    for order in orders:
        categories |= set(order.categories)
    lifts = list(
        TemporaryLift.objects.filter(order__in=orders, ends_on__gte=timezone.localdate()).order_by("starts_on")
    )
    return DebtorStatus(
        case=case,
        on_public_list=public_listings().filter(case=case).exists(),
        restrictions=[str(c.label) for c in RestrictionCategory if c in categories],
        temporary_lifts=lifts,
        requests=list(RemovalRequest.objects.filter(case=case, state__in=OPEN_REQUEST_STATES).order_by("-filed_at")),
        certificate_available=is_clearable(case),
    )


def request_by_code(code: str) -> RemovalRequest | None:
    return (
        RemovalRequest.objects.select_related("case", "court", "higher_court")
        .prefetch_related("evidence")
        .filter(tracking_code=code)
        .first()
    )


def requests_visible_to(user) -> QuerySet[RemovalRequest]:
    """The requests a staff user may see: those of the courts where they hold a role, and, for a reviewer of a
    higher court, the reconsiderations sent up to it (all, for a superuser)."""
    requests = RemovalRequest.objects.all()
    courts = permissions.court_ids(user)
    if courts is None:
        return requests
    reviewing = permissions.court_ids(user, Role.REVIEWER)
    return requests.filter(Q(court__in=courts) | Q(higher_court__in=reviewing, state__in=RECONSIDERATION_STATES))
