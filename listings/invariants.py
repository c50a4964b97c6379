"""The list's invariants: what must hold of the list at every moment (../shared/DESIGN.md), each written once.

Each invariant is one query for the rows that break it, with a short description for the court's staff. Nothing
here writes: the services keep the invariants, this module only finds where they did not. `list_violations()`
runs them all, each one set-wise statement, never a Python loop over rows: the narrow rules read their indexes
(`listing_expiry_idx`, `case_state_due_idx`, the lifts' order index), the rules about every order or public
entry are hash (anti-)joins over the rows in force. On a generated data set of 1,000,000 cases (546,649
listings, 706,614 orders) the whole check took 15-20 s for every court and 0.35 s for one court (the admin page
of a court's staff), on a shared 2-core machine. Three places ask it:

- the daily job `listings.tasks.report_list_violations`, which mails each court's staff the violations of their
  courts (`listings.services.violations`);
- the admin page *Breaches of the list's rules*, court-scoped (`listings.admin`);
- the test suite, which asserts after every test that used the database that there is none (tests/conftest.py).

What "public" means is the selector's (`listings.selectors.public_rows`), never restated here: an invariant
about public entries asks it, so an entry the selector would show wrongly counts as a violation.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from enforcement import rules
from enforcement.models import CaseState, EnforcementCase
from enforcement.rules import Ground, RestrictionCategory
from listings import selectors
from listings.models import ListingDecision, RestrictionOrder, RestrictionSubject, TemporaryLift
from listings.services.restriction_index import drifted_orders_sql

ENDED_STATES = (CaseState.PAID, CaseState.CLOSED)
IN_FORCE = "in_force"


@dataclass(frozen=True)
class Invariant:
    """One rule of the list, and the query for the rows that break it (as of a day)."""

    name: str
    description: Promise
    offending: Callable[[datetime.date], QuerySet]
    case_path: str  # from a row of `offending` to its case ("" when the rows are cases)

    def violations(self, *, today: datetime.date, court_ids: list[int] | None = None) -> list["Violation"]:
        """The rows that break it (of these courts only, if given), oldest record first: one statement."""
        prefix = f"{self.case_path}__" if self.case_path else ""
        rows = self.offending(today)
        if court_ids is not None:
            rows = rows.filter(**{f"{prefix}court_id__in": court_ids})
        columns = ("pk", f"{prefix}pk", f"{prefix}case_number", f"{prefix}court_id", f"{prefix}court__name")
        # No ORDER BY in the statement: it would walk the primary key of the whole table instead of the
        # indexes of the rows concerned; the (few) violations are sorted here.
        found = [Violation(self, rows.model, *row) for row in rows.order_by().values_list(*columns)]
        return sorted(found, key=lambda violation: violation.record_id)


INVARIANTS: dict[str, Invariant] = {}


def invariant(description: Promise, *, case_path: str = "case"):
    """Declare an invariant: the decorated function returns the rows that break it on a given day."""

    def register(func: Callable[[datetime.date], QuerySet]) -> Callable[[datetime.date], QuerySet]:
        INVARIANTS[func.__name__] = Invariant(func.__name__, description, func, case_path)
        return func

    return register


# --- the balance --------------------------------------------------------------------------------------------------


@invariant(_("A listed or restricted debtor owes nothing: the case still sanctions a zero balance."), case_path="")
def sanctioned_with_zero_balance(today: datetime.date) -> QuerySet[EnforcementCase]:
    return EnforcementCase.objects.filter(
        state__in=[CaseState.LISTED, CaseState.RESTRICTED], amount_paid__gte=F("amount_due")
    )


# --- who is bound -------------------------------------------------------------------------------------------------


def _bound(party: str) -> Exists:
    """An order in force on the outer row's case binds `party` (a path from the outer row)."""
    return Exists(
        RestrictionSubject.objects.filter(
            order__case_id=OuterRef("case_id"), order__status=IN_FORCE, party_id=OuterRef(party)
        )
    )


@invariant(_("A published listing has no restriction order in force binding the debtor."))
def published_without_order(today: datetime.date) -> QuerySet[ListingDecision]:
    return selectors.public_rows().filter(~_bound("case__debtor_id"))


@invariant(_("A restriction order in force does not bind the debtor."))
def order_misses_debtor(today: datetime.date) -> QuerySet[RestrictionOrder]:
    bound = RestrictionSubject.objects.filter(order_id=OuterRef("pk"), party_id=OuterRef("case__debtor_id"))
    return RestrictionOrder.objects.filter(~Exists(bound), status=IN_FORCE)


@invariant(_("An organisation's restriction order in force does not bind each of its responsible persons."))
def order_misses_responsible_person(today: datetime.date) -> QuerySet[RestrictionOrder]:
    # One join from the orders in force to their debtor's responsible persons (in one filter, so the subquery's
    # reference reuses that join), then an anti-join to the persons the order binds: no subquery per order.
    unbound = ~Exists(
        RestrictionSubject.objects.filter(
            order_id=OuterRef("pk"), party_id=OuterRef("case__debtor__responsible_persons__person_id")
        )
    )
    return RestrictionOrder.objects.filter(
        Q(status=IN_FORCE, case__debtor__responsible_persons__isnull=False) & unbound
    ).distinct()


# --- ended cases and expiry ---------------------------------------------------------------------------------------


@invariant(
    _(
        "A listing is still in force past its removal deadline: working days after its last day, or at once when "
        "the case was paid or closed."
    )
)
def removal_overdue(today: datetime.date) -> QuerySet[ListingDecision]:
    return selectors.removal_overdue(today)


@invariant(_("A restriction order is still in force on a paid or closed case."))
def order_in_force_on_ended_case(today: datetime.date) -> QuerySet[RestrictionOrder]:
    return RestrictionOrder.objects.filter(status=IN_FORCE, case__state__in=ENDED_STATES)


@invariant(_("An entry is public after its last day on the list."))
def public_past_expiry(today: datetime.date) -> QuerySet[ListingDecision]:
    return selectors.public_rows().filter(expires_on__lt=today)


@invariant(
    _(
        "A listing on ground (1) alone is in force although ground (1) is barred: full security given, seized "
        "assets covering the balance, or liability only after another debtor."
    )
)
def ground_one_barred(today: datetime.date) -> QuerySet[ListingDecision]:
    barred = (
        Q(case__security_given=True)
        | Q(case__subsidiary_liability=True)
        | Q(
            case__seized_assets_value__gt=0,
            case__seized_assets_value__gte=F("case__amount_due") - F("case__amount_paid"),
        )
    )
    return ListingDecision.objects.filter(barred, status=IN_FORCE, grounds=frozenset({Ground.ABLE_BUT_REFUSES}))


# --- decisions: signed by four eyes, served -----------------------------------------------------------------------


def _unsigned_or_unserved() -> Q:
    """A decision without a service date on or after its decision and not before the case was filed, or not
    signed by an approver other than its proposer."""
    return (
        Q(decided_on__isnull=True)
        | Q(served_on__isnull=True)
        | Q(served_on__lt=F("decided_on"))
        | Q(served_on__lt=F("case__filed_on"))
        | Q(approved_by__isnull=True)
        | Q(approved_by=F("proposed_by"))
    )


@invariant(
    _(
        "A public entry rests on a decision not served (on or after the decision, not before the case was filed) "
        "or not signed by an approver other than its proposer."
    )
)
def public_without_served_signed_decision(today: datetime.date) -> QuerySet[ListingDecision]:
    return selectors.public_rows().filter(_unsigned_or_unserved())


@invariant(
    _(
        "A restriction order in force was not served (on or after the decision, not before the case was filed) or "
        "not signed by an approver other than its proposer."
    )
)
def order_without_served_signed_decision(today: datetime.date) -> QuerySet[RestrictionOrder]:
    return RestrictionOrder.objects.filter(_unsigned_or_unserved(), status=IN_FORCE)


# --- temporary lifts (of the orders in force) ---------------------------------------------------------------------


@invariant(_("A temporary lift lasts longer than the rules allow."), case_path="order__case")
def lift_too_long(today: datetime.date) -> QuerySet[TemporaryLift]:
    longest = datetime.timedelta(days=rules.get("temporary_lift_max_days") - 1)
    return TemporaryLift.objects.filter(order__status=IN_FORCE, ends_on__gt=F("starts_on") + longest)


@invariant(_("A temporary lift lifts a category that is not travel."), case_path="order__case")
def lift_beyond_travel(today: datetime.date) -> QuerySet[TemporaryLift]:
    others = [c for c in RestrictionCategory if c not in rules.TRAVEL_CATEGORIES]
    return TemporaryLift.objects.filter(order__status=IN_FORCE, categories__has=others)


# Runs of back-to-back or overlapping lifts of one order (gaps and islands): a lift starts a new run unless it
# starts by the day after the latest end before it. A run of two or more lifts longer than the limit is a chain.
# (A single lift too long is `lift_too_long`'s.) `{next_day}` and `{days}` are the dialect's date arithmetic.
_CHAINS_SQL = """
SELECT order_id FROM (
    SELECT order_id, run, MIN(starts_on) AS first_day, MAX(ends_on) AS last_day, COUNT(*) AS lifts FROM (
        SELECT order_id, starts_on, ends_on,
               SUM(CASE WHEN latest_end IS NULL OR starts_on > {next_day} THEN 1 ELSE 0 END)
                   OVER (PARTITION BY order_id ORDER BY starts_on, id ROWS UNBOUNDED PRECEDING) AS run
          FROM (
            SELECT l.order_id, l.id, l.starts_on, l.ends_on,
                   MAX(l.ends_on) OVER (PARTITION BY l.order_id ORDER BY l.starts_on, l.id
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
              FROM listings_temporarylift l
              JOIN listings_restrictionorder o ON o.id = l.order_id
             WHERE o.status = %s
          ) AS lifts
    ) AS numbered
    GROUP BY order_id, run
) AS runs
WHERE lifts > 1 AND {days} > %s
"""
_DATE_SQL = {
    "postgresql": {"next_day": "latest_end + 1", "days": "last_day - first_day + 1"},
    "sqlite": {
        "next_day": "date(latest_end, '+1 day')",
        "days": "CAST(julianday(last_day) - julianday(first_day) AS INTEGER) + 1",
    },
}


@invariant(_("Temporary lifts of one order are chained into more days of travel than one lift may give."))
def lifts_chained(today: datetime.date) -> QuerySet[RestrictionOrder]:
    sql = _CHAINS_SQL.format(**_DATE_SQL[connection.vendor])  # fixed text; the values are parameters
    chained = RawSQL(sql, (IN_FORCE, rules.get("temporary_lift_max_days")))  # noqa: S611
    return RestrictionOrder.objects.filter(pk__in=chained)


# --- the index carriers' checks read ------------------------------------------------------------------------------


@invariant(
    _(
        "The carriers' restriction index differs from the order in force, its bound persons or its lifts: a "
        "check about this order's persons answers wrongly."
    )
)
def restriction_index_drift(today: datetime.date) -> QuerySet[RestrictionOrder]:
    drifted = RawSQL(drifted_orders_sql(), ())  # noqa: S611 - fixed text, no values
    return RestrictionOrder.objects.filter(pk__in=drifted)


# --- all of them ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    invariant: Invariant
    model: type[models.Model]  # what the offending row is: a case, a listing decision, an order, a lift
    record_id: int
    case_id: int
    case_number: str
    court_id: int
    court_name: str

    @property
    def record_label(self) -> str:
        return f"{self.model._meta.verbose_name} #{self.record_id}"

    @property
    def key(self) -> str:
        """Names this violation the same way every day it lasts (the daily mail is sent once per set of keys)."""
        return f"{self.invariant.name}:{self.record_id}"

    def __str__(self) -> str:
        return (
            f"{self.invariant.name}: {self.invariant.description} "
            f"[{self.court_name}, case {self.case_number}, {self.record_label}]"
        )


def list_violations(
    *, today: datetime.date | None = None, court_ids: Iterable[int] | None = None, names: Iterable[str] | None = None
) -> list[Violation]:
    """Every violation of the list's invariants (of `court_ids` only, if given; None: every court), by rule."""
    today = today or timezone.localdate()
    courts = None if court_ids is None else list(court_ids)
    found = []
    for name in names or INVARIANTS:
        found += INVARIANTS[name].violations(today=today, court_ids=courts)
    return found
