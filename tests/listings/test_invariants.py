"""The list's invariants (`listings.invariants`): each violation is made here by the lowest write that can make it
(a queryset `.update()` or `.delete()`, since the services refuse), and the checker reports exactly it.

These tests break an invariant on purpose, so they opt out of the suite's check after each test
(`breaks_list_invariants`); the tests that break nothing keep it."""

import datetime
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone

from enforcement.models import EnforcementCase
from enforcement.services import responsible_person_add
from listings.invariants import INVARIANTS, list_violations
from listings.models import (
    ListingDecision,
    RestrictionIndexEntry,
    RestrictionOrder,
    RestrictionSubject,
    TemporaryLift,
)
from listings.selectors import public_rows
from listings.services import temporary_lift_grant
from listings.services.restriction_index import restriction_index_rebuild, restriction_index_refresh
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db
breaks = pytest.mark.breaks_list_invariants(reason="makes a violation for the checker to find")

DAY = datetime.timedelta(days=1)


def found(**kwargs) -> set[tuple[str, str, int]]:
    """(invariant, model, record id) of every violation the checker reports."""
    return {(v.invariant.name, v.model._meta.model_name, v.record_id) for v in list_violations(**kwargs)}


def order_of(case) -> RestrictionOrder:
    return RestrictionOrder.objects.get(case=case, status="in_force")


def decision_of(case) -> ListingDecision:
    return ListingDecision.objects.get(case=case)


def index_follows(case) -> None:
    """Bring the case's orders' entries in the carriers' index in step with the rows the test wrote, as the
    services keep it: only the rule under test is then broken (else `restriction_index_drift` is too)."""
    restriction_index_refresh(order_ids=list(RestrictionOrder.objects.filter(case=case).values_list("pk", flat=True)))


def test_cases_walked_through_every_state_by_the_services_break_no_invariant(walk):
    walk.case()
    walk.defaulted()
    walk.restricted()
    walk.listed(grounds=(1,))
    walk.listed(grounds=(2,), from_state="restricted")
    walk.listed(grace_months=2)
    walk.pay(walk.listed())
    company = OrganisationFactory()
    ResponsiblePersonFactory(organisation=company)
    walk.listed(debtor=company)
    assert found() == set()


def test_every_invariant_has_a_description_and_a_test_here():
    names = set(INVARIANTS)
    source = Path(__file__).read_text(encoding="utf-8")
    tested = {name for name in names if f"def test_{name}" in source}
    assert tested == names
    assert all(str(rule.description) for rule in INVARIANTS.values())


# --- the balance --------------------------------------------------------------------------------------------------


@breaks
@pytest.mark.parametrize("state", ["listed", "restricted"])
def test_sanctioned_with_zero_balance(walk, state):
    case = walk.listed() if state == "listed" else walk.restricted()
    walk.pay(case, amount="100.00")
    EnforcementCase.objects.filter(pk=case.pk).update(amount_due=F("amount_paid"))
    assert found() == {("sanctioned_with_zero_balance", "enforcementcase", case.pk)}


# --- who is bound -------------------------------------------------------------------------------------------------


@breaks
def test_published_without_order(walk):
    case = walk.listed()
    RestrictionOrder.objects.filter(case=case).update(status="lifted")
    index_follows(case)
    assert found() == {("published_without_order", "listingdecision", decision_of(case).pk)}


@breaks
def test_order_misses_responsible_person(walk):
    company = OrganisationFactory()
    officers = [
        ResponsiblePersonFactory(organisation=company, role=role) for role in ("principal", "actual_controller")
    ]
    ResponsiblePersonFactory(organisation=company)
    case = walk.restricted(debtor=company)
    order = order_of(case)
    RestrictionSubject.objects.filter(order=order, party__in=[officer.person for officer in officers]).delete()
    index_follows(case)
    (violation,) = list_violations()  # one per order, however many persons it misses
    assert (violation.invariant.name, violation.record_id) == ("order_misses_responsible_person", order.pk)


@breaks
def test_order_misses_debtor(walk):
    case = walk.restricted()
    order = order_of(case)
    RestrictionSubject.objects.filter(order=order, party=case.debtor).delete()
    index_follows(case)
    assert found() == {("order_misses_debtor", "restrictionorder", order.pk)}


@breaks
def test_a_listed_debtor_left_unbound_breaks_both_rules_of_binding(walk):
    case = walk.listed()
    RestrictionSubject.objects.filter(order=order_of(case), party=case.debtor).delete()
    index_follows(case)
    assert found() == {
        ("order_misses_debtor", "restrictionorder", order_of(case).pk),
        ("published_without_order", "listingdecision", decision_of(case).pk),
    }


def test_an_order_binding_a_responsible_person_named_later_breaks_nothing(walk):
    company = OrganisationFactory()
    walk.restricted(debtor=company)
    responsible_person_add(
        actor=walk.clerk, organisation_id=company.pk, person_id=PersonFactory().pk, role="legal_representative"
    )
    assert found() == set()


# --- ended cases and expiry ---------------------------------------------------------------------------------------


@breaks
def test_removal_overdue_when_the_case_ended(walk):
    case = walk.listed()
    EnforcementCase.objects.filter(pk=case.pk).update(state="closed")
    RestrictionOrder.objects.filter(case=case).update(status="lifted")
    index_follows(case)
    assert found() == {("removal_overdue", "listingdecision", decision_of(case).pk)}


@breaks
def test_removal_overdue_when_the_period_ended_weeks_ago(walk):
    case = walk.listed(grounds=(2,))
    ListingDecision.objects.filter(case=case).update(expires_on=timezone.localdate() - 20 * DAY)
    assert found() == {("removal_overdue", "listingdecision", decision_of(case).pk)}


@breaks
def test_order_in_force_on_ended_case(walk):
    case = walk.restricted()
    EnforcementCase.objects.filter(pk=case.pk).update(state="paid")
    assert found() == {("order_in_force_on_ended_case", "restrictionorder", order_of(case).pk)}


@breaks
def test_public_past_expiry(walk):
    """Public is what the selector says: an entry past its last day breaks the rule while the selector still
    shows it (as it did before issue 12's fix), and cannot once the selector leaves it out."""
    case = walk.listed(grounds=(2,))
    decision = decision_of(case)
    assert found() == set()
    ListingDecision.objects.filter(pk=decision.pk).update(expires_on=timezone.localdate() - DAY)
    still_public = public_rows().filter(pk=decision.pk).exists()
    assert found() == ({("public_past_expiry", "listingdecision", decision.pk)} if still_public else set())


def test_an_entry_on_its_last_day_breaks_nothing(walk):
    case = walk.listed(grounds=(2,))
    ListingDecision.objects.filter(case=case).update(expires_on=timezone.localdate())
    assert found() == set()


@breaks
@pytest.mark.parametrize(
    "barred",
    [{"security_given": True}, {"subsidiary_liability": True}, {"seized_assets_value": F("amount_due")}],
    ids=["security", "subsidiary", "seized-assets"],
)
def test_ground_one_barred(walk, barred):
    case = walk.listed(grounds=(1,))
    EnforcementCase.objects.filter(pk=case.pk).update(**barred)
    assert found() == {("ground_one_barred", "listingdecision", decision_of(case).pk)}


def test_security_given_on_a_listing_resting_on_other_grounds_too_breaks_nothing(walk):
    case = walk.listed(grounds=(1, 2))
    EnforcementCase.objects.filter(pk=case.pk).update(security_given=True)
    assert found() == set()


# --- decisions: signed by four eyes, served -----------------------------------------------------------------------


def _bad_signatures(record):
    """Each way a decision can lack a valid service or signature, as a queryset update."""
    filed_on = record.case.filed_on
    return {
        "not served": {"served_on": None},
        "served before the decision": {"served_on": record.decided_on - DAY},
        "served before the case was filed": {"served_on": filed_on - DAY, "decided_on": filed_on - DAY},
        "no decision date": {"decided_on": None},
        "signed by its proposer": {"approved_by": record.proposed_by},
        "not signed": {"approved_by": None},
    }


BAD_SIGNATURES = [
    "not served",
    "served before the decision",
    "served before the case was filed",
    "no decision date",
    "signed by its proposer",
    "not signed",
]


@breaks
@pytest.mark.parametrize("flaw", BAD_SIGNATURES)
def test_public_without_served_signed_decision(walk, flaw):
    case = walk.listed()
    decision = decision_of(case)
    ListingDecision.objects.filter(pk=decision.pk).update(**_bad_signatures(decision)[flaw])
    assert found() == {("public_without_served_signed_decision", "listingdecision", decision.pk)}


@breaks
@pytest.mark.parametrize("flaw", BAD_SIGNATURES)
def test_order_without_served_signed_decision(walk, flaw):
    case = walk.restricted()
    order = order_of(case)
    RestrictionOrder.objects.filter(pk=order.pk).update(**_bad_signatures(order)[flaw])
    assert found() == {("order_without_served_signed_decision", "restrictionorder", order.pk)}


def test_a_decision_served_on_the_day_the_case_was_filed_breaks_nothing(walk):
    case = walk.listed()
    filed_on = case.filed_on
    ListingDecision.objects.filter(case=case).update(decided_on=filed_on, served_on=filed_on)
    assert found() == set()


# --- temporary lifts ----------------------------------------------------------------------------------------------


def lift(walk, order, start: int, end: int, categories=("air_travel",)) -> TemporaryLift:
    """A lift granted by the service for days start..end from today: within the limit, apart from the order's
    other lifts and soon enough, so the service grants it; `move` then puts it where no service would."""
    today = timezone.localdate()
    return temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=list(categories),
        starts_on=today + start * DAY,
        ends_on=today + end * DAY,
        reason="illness",
    )


def move(granted: TemporaryLift, start: int, end: int) -> None:
    today = timezone.localdate()
    TemporaryLift.objects.filter(pk=granted.pk).update(starts_on=today + start * DAY, ends_on=today + end * DAY)


@breaks
def test_lift_too_long(walk):
    order = order_of(walk.restricted())
    granted = lift(walk, order, 0, 9)
    move(granted, 0, 31)  # 32 days
    assert found() == {("lift_too_long", "temporarylift", granted.pk)}


def test_a_lift_of_exactly_the_limit_breaks_nothing(walk):
    order = order_of(walk.restricted())
    lift(walk, order, 0, 30)  # 31 days
    assert found() == set()


@breaks
def test_lift_beyond_travel(walk):
    order = order_of(walk.restricted())
    granted = lift(walk, order, 0, 5)
    TemporaryLift.objects.filter(pk=granted.pk).update(categories=frozenset({"air_travel", "star_hotel"}))
    assert found() == {("lift_beyond_travel", "temporarylift", granted.pk)}


@breaks
@pytest.mark.parametrize(
    "second",
    [(20, 39), (10, 35), (21, 31)],
    ids=["back-to-back", "overlapping", "one-day-more"],
)
def test_lifts_chained(walk, second):
    order = order_of(walk.restricted())
    lift(walk, order, 0, 20)
    move(lift(walk, order, 50, 55), *second)
    assert found() == {("lifts_chained", "restrictionorder", order.pk)}


@breaks
def test_a_chain_of_three_lifts_is_one_violation_of_its_order(walk):
    order = order_of(walk.restricted())
    granted = [lift(walk, order, start, start + 5) for start in (40, 50, 60)]
    for each, start in zip(granted, (0, 31, 62), strict=True):
        move(each, start, start + 30)
    assert found() == {("lifts_chained", "restrictionorder", order.pk)}


@pytest.mark.parametrize(
    "second",
    [(20, 30), (22, 50), (5, 15)],
    ids=["adding-up-to-the-limit", "after-a-day-of-gap", "inside-the-first"],
)
def test_lifts_of_one_order_within_the_limit_together_break_nothing(walk, second):
    order = order_of(walk.restricted())
    lift(walk, order, 0, 20)
    move(lift(walk, order, 50, 55), *second)
    assert found() == set()


def test_lifts_of_two_orders_are_never_one_chain(walk):
    lift(walk, order_of(walk.restricted()), 0, 20)
    lift(walk, order_of(walk.restricted()), 21, 40)
    assert found() == set()


# --- the carriers' restriction index ------------------------------------------------------------------------------


def _missing_entry(walk, order):
    RestrictionIndexEntry.objects.filter(order=order).delete()


def _stale_entry(walk, order):
    order.case.debtor.__class__.objects.filter(pk=order.case.debtor_id).update(id_number="110101199003076533")


def _other_categories(walk, order):
    RestrictionIndexEntry.objects.filter(order=order).update(categories=1)


def _lift_not_flagged(walk, order):
    lift(walk, order, start=1, end=3)
    RestrictionIndexEntry.objects.filter(order=order).update(lifted=False)


def _entry_of_a_lifted_order(walk, order):
    RestrictionOrder.objects.filter(pk=order.pk).update(status="lifted")
    RestrictionIndexEntry.objects.create(id_number="110101199003076533", order=order, categories=1)


@breaks
@pytest.mark.parametrize(
    "corrupt", [_missing_entry, _stale_entry, _other_categories, _lift_not_flagged, _entry_of_a_lifted_order]
)
def test_restriction_index_drift(walk, corrupt):
    """Whatever way the index and the rows it summarises part, the order is reported (and only that)."""
    case = walk.restricted()
    order = order_of(case)
    assert found() == set()
    corrupt(walk, order)
    assert ("restriction_index_drift", "restrictionorder", order.pk) in found()
    restriction_index_rebuild()
    assert ("restriction_index_drift", "restrictionorder", order.pk) not in found()


# --- courts -------------------------------------------------------------------------------------------------------


@breaks
def test_each_violation_names_its_court_and_case_and_is_found_by_court(walk, other_court):
    case = walk.restricted()
    EnforcementCase.objects.filter(pk=case.pk).update(state="paid")
    (violation,) = list_violations()
    assert (violation.court_id, violation.case_id, violation.case_number) == (
        case.court_id,
        case.pk,
        case.case_number,
    )
    assert "order_in_force_on_ended_case" in str(violation)
    assert case.case_number in str(violation)
    assert list_violations(court_ids=[case.court_id]) == [violation]
    assert list_violations(court_ids=[other_court.pk]) == []


def test_the_checker_runs_one_statement_per_invariant_however_many_cases(walk, django_assert_num_queries):
    for _ in range(3):
        walk.listed()
    with django_assert_num_queries(len(INVARIANTS)):
        assert list_violations() == []
