"""The rules the review found broken, one test per rule, through the real services (issue: one rulebook).

Each test failed on main before the rule moved into one place, and passes now.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from enforcement import services, workdays
from enforcement.errors import Forbidden, InvalidInput, RuleViolation
from enforcement.models import AuditEntry, CaseState
from listings import opendata
from listings import services as listing_services
from listings.checks import restricting_orders
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.selectors import public_entry, removal_overdue
from tests.factories import OrganisationFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def _decision(case) -> ListingDecision:
    return ListingDecision.objects.get(case=case)


# --- 1. nobody stays listed at a zero balance ---


def test_a_listed_debtor_whose_amount_due_is_corrected_down_to_what_was_paid_is_paid_in_full(walk):
    case = walk.listed()
    walk.pay(case, amount="100.00")
    services.case_update(actor=walk.clerk, case_id=case.pk, reason="判决金额更正", amount_due="100.00")
    case.refresh_from_db()
    decision = _decision(case)
    assert (case.state, case.balance) == (CaseState.PAID, 0)
    assert decision.status == ListingDecision.Status.REMOVED
    assert RestrictionOrder.objects.get(case=case).status == RestrictionOrder.Status.LIFTED
    assert public_entry(decision.pk) is None


# --- 2. four eyes on every ending other than payment or expiry ---


@pytest.mark.parametrize("reason", ["listed_in_error", "creditor_request", "no_assets"])
@pytest.mark.parametrize("state", ["listed", "restricted"])
def test_a_clerk_alone_cannot_take_a_debtor_off_the_list_or_lift_an_order_by_closing_the_case(walk, reason, state):
    case = walk.listed() if state == "listed" else walk.restricted()
    with pytest.raises(Forbidden, match="approver"):
        services.case_close(actor=walk.clerk, case_id=case.pk, reason=reason)
    case.refresh_from_db()
    assert case.state == state
    services.case_close(actor=walk.approver, case_id=case.pk, reason=reason)
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, reason)


def test_a_clerk_still_closes_a_case_with_nothing_in_force(walk):
    case = walk.defaulted()
    services.case_close(actor=walk.clerk, case_id=case.pk, reason="no_assets")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED


# --- 3. temporary lifts: a month at most, never chained ---


def _lift(walk, order, starts_on, days):
    return listing_services.temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=["air_travel"],
        starts_on=starts_on,
        ends_on=starts_on + datetime.timedelta(days=days - 1),
        reason="illness",
    )


def test_temporary_lifts_of_one_order_are_not_chained_into_more_than_a_month_of_travel(walk):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    start = timezone.localdate() + datetime.timedelta(days=1)
    _lift(walk, order, start, 31)
    with pytest.raises(RuleViolation, match="not chained beyond 31 days"):
        _lift(walk, order, start + datetime.timedelta(days=31), 31)  # back to back
    with pytest.raises(RuleViolation, match="not chained"):
        _lift(walk, order, start + datetime.timedelta(days=25), 10)  # overlapping the first, running past it
    # A break of a day ends the run: a later lift is a new one.
    assert _lift(walk, order, start + datetime.timedelta(days=32), 10).pk


def test_a_temporary_lift_cannot_start_years_ahead(walk):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    with pytest.raises(InvalidInput, match="starts at most 90 days from today") as refused:
        _lift(walk, order, datetime.date(9999, 12, 1), 10)
    assert refused.value.field == "starts_on"


# --- 4. an organisation's order binds every responsible person, and the carrier check says so ---


def test_the_carrier_check_restricts_every_responsible_person_of_a_restricted_organisation(walk):
    company = OrganisationFactory()
    links = [ResponsiblePersonFactory(organisation=company), ResponsiblePersonFactory(organisation=company)]
    walk.restricted(debtor=company)
    numbers = [link.person.id_number for link in links]
    found = restricting_orders(numbers, "air_travel", timezone.localdate())
    assert set(found) == set(numbers)


# --- 5. removed and expired entries leave every public surface at once ---


def test_an_entry_past_its_last_day_leaves_the_public_list_before_the_sweep_runs(walk):
    case = walk.listed(grounds=(2,))
    decision = _decision(case)
    assert public_entry(decision.pk) is not None
    day_after = decision.expires_on + datetime.timedelta(days=1)
    with time_machine.travel(datetime.datetime.combine(day_after, datetime.time(9), tzinfo=datetime.UTC)):
        decision.refresh_from_db()
        assert decision.status == ListingDecision.Status.IN_FORCE  # the sweep has not run
        assert public_entry(decision.pk) is None


def test_the_open_data_file_never_serves_an_entry_removed_since_it_was_made(client, walk, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    kept, paid = walk.listed(), walk.listed()
    opendata.export()
    walk.pay(paid)  # paid after the daily file was made
    for fmt in ("csv", "jsonl"):
        body = b"".join(client.get(f"/open-data/dishonest-debtors.{fmt}").streaming_content).decode("utf-8-sig")
        if fmt == "csv":
            numbers = [row["case_number"] for row in csv.DictReader(io.StringIO(body))]
        else:
            numbers = [line for line in body.splitlines() if line]
            numbers = [n for n in (kept.case_number, paid.case_number) if any(n in line for line in numbers)]
        assert numbers == [kept.case_number], fmt


# --- 6. a decision is served after it is made, and after the case was filed ---


@pytest.mark.parametrize(
    ("decided", "served", "field", "message"),
    [
        (None, datetime.date(2000, 1, 1), "served_on", "served on or after the day it was decided"),
        (datetime.date(2000, 1, 1), datetime.date(2000, 1, 2), "decided_on", "before the case was filed"),
        (None, "tomorrow", "served_on", "in the future"),
    ],
)
def test_a_decision_is_served_on_or_after_it_is_made_and_never_before_the_case_was_filed(
    walk, decided, served, field, message
):
    case = walk.defaulted()
    order = listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["tourism"])
    if served == "tomorrow":
        served = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(InvalidInput, match=message) as refused:
        listing_services.restriction_order_approve(
            actor=walk.approver,
            order_id=order.pk,
            order_number=f"（2026）{case.court.code}执限{order.pk}号",
            decided_on=decided,
            served_on=served,
        )
    assert refused.value.field == field
    order.refresh_from_db()
    assert order.status == RestrictionOrder.Status.PROPOSED


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("随便写的", "is written like"),
        ("（2026）沪0115执限1号", "is written like"),
        ("（2026）京0101执失1号", "written like"),
    ],
)
def test_a_document_number_is_in_the_courts_format_for_its_kind(walk, number, message):
    case = walk.defaulted()
    order = listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["tourism"])
    with pytest.raises(InvalidInput, match=message):
        listing_services.restriction_order_approve(
            actor=walk.approver, order_id=order.pk, order_number=number, served_on=timezone.localdate()
        )


def test_a_document_number_is_unique_in_its_court(walk):
    first = RestrictionOrder.objects.get(case=walk.restricted())
    case = walk.defaulted()
    order = listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["tourism"])
    with pytest.raises(InvalidInput, match="already used the number"):
        listing_services.restriction_order_approve(
            actor=walk.approver, order_id=order.pk, order_number=first.order_number, served_on=timezone.localdate()
        )
    # Typed with half-width brackets it is the same number.
    with pytest.raises(InvalidInput, match="already used the number"):
        listing_services.restriction_order_approve(
            actor=walk.approver,
            order_id=order.pk,
            order_number=first.order_number.replace("（", "(").replace("）", ")"),
            served_on=timezone.localdate(),
        )


# --- 9. ground (1) ends when its exclusions come to hold, by an approver, never written as an expiry ---


def test_security_recorded_on_a_ground_one_listing_needs_an_approver_and_ends_the_listing(walk):
    case = walk.listed(grounds=(1,), from_state=CaseState.RESTRICTED)
    decision = _decision(case)
    with pytest.raises(Forbidden, match="an approver of the court must make it"):
        services.case_update(actor=walk.clerk, case_id=case.pk, reason="提供担保", security_given=True)
    case.refresh_from_db()
    assert (case.state, case.security_given) == (CaseState.LISTED, False)
    services.case_update(actor=walk.approver, case_id=case.pk, reason="提供担保", security_given=True)
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.state, decision.status) == (CaseState.RESTRICTED, ListingDecision.Status.REMOVED)
    assert public_entry(decision.pk) is None
    actions = list(AuditEntry.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    assert actions[-3:] == ["update", "listing_remove", "delist"]
    assert "expire" not in actions


def test_seized_assets_covering_the_balance_end_a_ground_one_listing_but_not_a_ground_two_one(walk):
    one, two = walk.listed(grounds=(1,)), walk.listed(grounds=(1, 2))
    for case in (one, two):
        services.case_update(
            actor=walk.approver, case_id=case.pk, reason="查封财产", seized_assets_value=str(case.amount_due)
        )
        case.refresh_from_db()
    assert (one.state, two.state) == (CaseState.RESTRICTED, CaseState.LISTED)


# --- a payment in the grace period: never published, so carriers are told nothing ---


def test_a_payment_in_the_grace_period_tells_carriers_nothing_about_a_listing_they_never_saw(walk):
    case = walk.listed(grace_months=1)
    with transaction.atomic():
        walk.pay(case)
    kinds = set(FeedEvent.objects.filter(case_number=case.case_number).values_list("kind", flat=True))
    assert FeedEvent.Kind.LISTING_PUBLISHED not in kinds
    assert FeedEvent.Kind.LISTING_REMOVED not in kinds
    assert _decision(case).status == ListingDecision.Status.REMOVED


def test_the_removal_deadline_of_three_working_days_is_checked(walk):
    decision = _decision(walk.listed(grounds=(2,)))
    cause = decision.expires_on + datetime.timedelta(days=1)
    assert not removal_overdue(cause).exists()
    due_by = workdays.add_working_days(cause, 3)
    assert not removal_overdue(due_by).exists()  # on the last day it is not late yet
    assert list(removal_overdue(due_by + datetime.timedelta(days=1))) == [decision]
