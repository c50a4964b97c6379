"""The budget of unsuccessful full-number lookups per target, across every client: no oracle for a hidden number.

A person's number is public only masked (`1101051998****4841`): the age narrows the hidden month and day to one
year, and the check character keeps about one date in eleven, so some 30 candidates remain. A lookup that answers
differently for the true number than for a wrong one (the search by full ID number, the status check by case
number + ID number) would confirm the true one among them in a few dozen tries, from as many addresses as the
attacker likes. So each target has a budget per day of *distinct* numbers tried that matched nothing
(`PROBE_MISS_BUDGET`, default 3), counted across all clients:

- target of the search: the masked number (what the attacker starts from); of the status check: the case number;
- a number that matched (the true one) costs nothing, nor does the same wrong number tried again: a person who
  searches their number once or a few times always gets the true answer, while the budget lasts;
- once a target's budget is spent, every lookup of it, the true number too, is refused until the next day
  (Asia/Shanghai), with "too many searches for this number today": otherwise the true number would still answer;
- the staff of the courts concerned, and the superusers, are e-mailed once when a target's budget is spent (the
  outbox), and a warning is logged; the admin lists the targets probed (*Probed numbers*).

The rows hold HMACs (salted with SECRET_KEY) of the target and of each number tried, never a number. A target's
row is locked while its lookup runs, so lookups from many workers at once cannot each pass a budget that is
almost spent. Threat and figures: docs/security.md.
"""

import datetime
import logging
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from enforcement import identity
from enforcement.models import EnforcementCase, StaffRole
from enforcement.services.outbox import outbox_email
from listings.models import ProbeBudget

log = logging.getLogger(__name__)

T = TypeVar("T")
Surface = ProbeBudget.Surface
DEFAULT_BUDGET = 3


def budget() -> int:
    return int(getattr(settings, "PROBE_MISS_BUDGET", DEFAULT_BUDGET))


def _digest(kind: str, value: str) -> str:
    return salted_hmac(f"listings.probes.{kind}", value, algorithm="sha256").hexdigest()


def seconds_until_tomorrow(now: datetime.datetime | None = None) -> int:
    """How long a spent budget lasts: until the next local midnight."""
    now = timezone.localtime(now)
    tomorrow = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(), now.tzinfo)
    return max(1, int((tomorrow - now).total_seconds()))


def is_guarded(number: str) -> bool:
    """Is this (normalised) number one the public sees only masked? An organisation's USCC is public in full,
    so searching it is no oracle; anything that may be a person's number is."""
    try:
        identity.parse_uscc(number)
    except ValidationError:
        return True
    try:
        identity.parse_resident_id(number)
    except ValidationError:
        return False
    return True


class BudgetSpent(Exception):
    """This target's budget of unsuccessful lookups is spent for today."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def guarded_lookup(
    *, surface: str, target: str, label: str, candidate: str, lookup: Callable[[], T], found: Callable[[T], bool]
) -> T:
    """Run `lookup` within `target`'s budget: its result, or BudgetSpent. `found(result)` says whether the
    candidate matched; a distinct candidate that did not is counted (and, at the limit, staff are alerted)."""
    day = timezone.localdate()
    target_key, candidate_key = _digest("target", f"{surface}:{target}"), _digest("candidate", candidate)
    with transaction.atomic():
        row, _created = ProbeBudget.objects.get_or_create(
            surface=surface, target=target_key, day=day, defaults={"label": label[:64]}
        )
        row = ProbeBudget.objects.select_for_update().get(pk=row.pk)
        if len(row.misses) >= budget():
            row.refused += 1
            row.save(update_fields=["refused"])
            retry_after = seconds_until_tomorrow()
        else:
            retry_after = 0
            result = lookup()
            if not found(result) and candidate_key not in row.misses:
                row.misses = [*row.misses, candidate_key]
                row.save(update_fields=["misses"])
                if len(row.misses) >= budget():
                    _alert(row, surface=surface, target=target)
    if retry_after:
        raise BudgetSpent(retry_after)
    return result


def _alert(row: ProbeBudget, *, surface: str, target: str) -> None:
    """Once per target and day: a warning in the log and an e-mail to the staff of the courts concerned."""
    row.alerted_at = timezone.now()
    row.save(update_fields=["alerted_at"])
    log.warning(
        "probe: the %s budget of %s is spent for %s (%d distinct unsuccessful numbers); it is refused until tomorrow",
        surface,
        row.label,
        row.day,
        len(row.misses),
    )
    courts = _courts_concerned(surface, target)
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    staff = users.filter(is_superuser=True) | users.filter(
        court_roles__court__in=courts, court_roles__role__in=[StaffRole.Role.CLERK, StaffRole.Role.APPROVER]
    )
    recipients = sorted(set(staff.values_list("email", flat=True)))
    if not recipients:
        return
    what = _("the search by full ID number") if surface == Surface.SEARCH else _("the status check")
    outbox_email(
        to=recipients,
        subject=_("Enforcement Registry: %(label)s is being probed") % {"label": row.label},
        body=_(
            "Someone tried %(n)d different full ID numbers for %(label)s through %(what)s today, none of them "
            "right: the pattern of someone rebuilding a hidden ID number. Lookups of %(label)s are refused until "
            "tomorrow. The admin lists the numbers probed (Probed numbers)."
        )
        % {"n": len(row.misses), "label": row.label, "what": what},
        key=f"probe-alert:{row.pk}",
    )


def _courts_concerned(surface: str, target: str):
    cases = EnforcementCase.objects.all()
    if surface == Surface.STATUS:
        cases = cases.filter(case_number=target)
    else:
        head, _stars, tail = target.partition("****")
        if not (head and tail):
            return cases.none()
        cases = cases.filter(debtor__id_number__startswith=head, debtor__id_number__endswith=tail)
    return cases.values("court_id")


def search_target(number: str) -> str:
    """A full-number search's target: the number as the public sees it, masked."""
    return identity.mask_id_number(number)
