"""Each rule of DESIGN.md that concerns a clerk's or approver's decision, through the real services."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from enforcement import services
from enforcement.errors import Conflict, Forbidden, InvalidInput, RuleViolation
from enforcement.models import AuditEntry, CaseState, StaffRole
from listings import services as listing_services
from listings.models import ListingDecision, RestrictionOrder, RestrictionSubject
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def propose(walk, case, **kwargs):
    kwargs.setdefault("grounds", [2])
    return listing_services.listing_propose(actor=walk.clerk, case_id=case.pk, facts="事实", **kwargs)


def approve(walk, decision, **kwargs):
    kwargs.setdefault("decision_number", "（2026）京0101执失1号")
    kwargs.setdefault("order_number", "（2026）京0101执限1号")
    kwargs.setdefault("served_on", timezone.localdate())
    return listing_services.listing_approve(actor=walk.approver, decision_id=decision.pk, **kwargs)


# --- the served warning, grounds, minors ---


def test_listing_without_a_served_warning_is_refused(walk):
    case = walk.case()
    walk.notice(case, warns_listing=False)
    services.case_declare_default(actor=walk.clerk, case_id=case.pk)
    with pytest.raises(RuleViolation, match="No enforcement notice warning of listing"):
        propose(walk, case)
    assert not ListingDecision.objects.filter(case=case).exists()


def test_listing_needs_at_least_one_ground(walk):
    case = walk.defaulted()
    with pytest.raises(RuleViolation, match="at least one ground") as refused:
        propose(walk, case, grounds=[])
    assert refused.value.field == "grounds"


def test_a_minor_is_never_listed(walk):
    today = timezone.localdate()
    minor = PersonFactory(birth=today.replace(year=today.year - 17))
    case = walk.defaulted(debtor=minor)
    with pytest.raises(RuleViolation, match="minor"):
        propose(walk, case)


def test_a_debtor_who_came_of_age_may_be_listed(walk):
    today = timezone.localdate()
    adult = PersonFactory(birth=today.replace(year=today.year - 18))
    case = walk.defaulted(debtor=adult)
    assert propose(walk, case).status == "proposed"


def test_an_organisations_officers_are_restricted_never_listed(walk):
    company = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=company, role="legal_representative")
    controller = ResponsiblePersonFactory(organisation=company, role="actual_controller")
    case = walk.listed(debtor=company)
    order = RestrictionOrder.objects.get(case=case)
    bound = dict(RestrictionSubject.objects.filter(order=order).values_list("party_id", "role"))
    assert bound == {
        company.pk: "debtor",
        representative.person_id: "legal_representative",
        controller.person_id: "actual_controller",
    }
    listed_parties = set(ListingDecision.objects.filter(status="in_force").values_list("case__debtor", flat=True))
    assert listed_parties == {company.pk}


def test_an_organisations_order_binds_it_and_every_responsible_person(walk):
    company = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=company)
    controller = ResponsiblePersonFactory(organisation=company, role="actual_controller")
    case = walk.defaulted(debtor=company)
    order = listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["air_travel"])
    assert set(order.bound.values_list("party_id", flat=True)) == {
        company.pk,
        representative.person_id,
        controller.person_id,
    }


# --- ground (1) exclusions ---


@pytest.mark.parametrize(
    ("facts", "says"),
    [
        ({"security_given": True}, "full security"),
        ({"seized_assets_value": Decimal("100000.00")}, "seized assets"),
        ({"subsidiary_liability": True}, "liable only after another debtor"),
    ],
)
def test_ground_one_is_barred_by_its_exclusions(walk, facts, says):
    case = walk.defaulted(**facts)
    with pytest.raises(RuleViolation, match=says):
        propose(walk, case, grounds=[1])
    assert propose(walk, case, grounds=[2]).status == "proposed"  # another ground still may be used


def test_seized_assets_that_cover_only_part_of_the_debt_do_not_bar_ground_one(walk):
    case = walk.defaulted(seized_assets_value=Decimal("99999.99"))
    assert propose(walk, case, grounds=[1]).status == "proposed"


# --- periods, extensions, grace ---


@pytest.mark.parametrize(
    ("grounds", "extension", "years"),
    [([1], 0, None), ([2], 0, 2), ([1, 3], 0, 2), ([2], 1, 3), ([5, 6], 3, 5)],
)
def test_listing_period_follows_the_grounds_and_extension(walk, grounds, extension, years):
    case = walk.defaulted()
    decision = propose(
        walk, case, grounds=grounds, extension_years=extension, extension_reason="多次违反" * bool(extension)
    )
    approve(walk, decision)
    decision.refresh_from_db()
    today = timezone.localdate()
    assert decision.period_years == years
    if years is None:
        assert decision.expires_on is None
    else:
        assert decision.expires_on == today.replace(year=today.year + years) - datetime.timedelta(days=1)


@pytest.mark.parametrize(
    ("grounds", "extension", "reason", "says"),
    [
        ([1], 1, "x", "ground (1) alone lasts until performance"),
        ([2], 4, "x", "1 to 3 years"),
        ([2], 2, "", "Say why the period is extended"),
    ],
)
def test_bad_extensions_are_refused(walk, grounds, extension, reason, says):
    case = walk.defaulted()
    with pytest.raises(RuleViolation, match=re.escape(says)):
        propose(walk, case, grounds=grounds, extension_years=extension, extension_reason=reason)


def test_grace_period_longer_than_three_months_is_refused(walk):
    with pytest.raises(RuleViolation, match="0 to 3 months"):
        propose(walk, walk.defaulted(), grace_months=4)


def test_a_listing_with_grace_is_published_only_when_the_grace_is_over(walk):
    case = walk.defaulted()
    decision = approve(walk, propose(walk, case, grace_months=1))
    assert decision.published_at is None
    assert listing_services.listing_publish_due(decision_id=decision.pk) is False
    with time_machine.travel(decision.publish_on + datetime.timedelta(hours=12)):
        assert listing_services.listing_publish_due(decision_id=decision.pk) is True
        assert listing_services.listing_publish_due(decision_id=decision.pk) is False  # idempotent
    decision.refresh_from_db()
    assert decision.published_at is not None


def test_payment_in_the_grace_period_means_never_published(walk, django_capture_on_commit_callbacks):
    case = walk.defaulted()
    decision = approve(walk, propose(walk, case, grace_months=2))
    with django_capture_on_commit_callbacks(execute=True):
        walk.pay(case)
    decision.refresh_from_db()
    assert (decision.status, decision.published_at) == ("removed", None)
    with time_machine.travel(decision.publish_on + datetime.timedelta(days=1)):
        assert listing_services.listing_publish_due(decision_id=decision.pk) is False


def test_an_expired_listing_leaves_the_debtor_restricted(walk):
    case = walk.defaulted()
    decision = approve(walk, propose(walk, case, grounds=[3]))
    with pytest.raises(RuleViolation, match="runs until"):
        listing_services.listing_expire(actor=None, decision_id=decision.pk)
    decision.refresh_from_db()
    with time_machine.travel(decision.expires_on + datetime.timedelta(days=1, hours=12)):
        listing_services.listing_expire(actor=None, decision_id=decision.pk)
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.state, decision.status) == (CaseState.RESTRICTED, "expired")
    assert RestrictionOrder.objects.get(case=case).status == "in_force"


# --- the creditor's removal bar ---


def test_a_creditor_who_had_the_debtor_removed_from_the_list_is_barred_for_six_months(walk):
    first = walk.listed()
    services.case_close(actor=walk.approver, case_id=first.pk, reason="creditor_request")
    second = walk.defaulted(creditor=first.creditor, debtor=first.debtor)
    with pytest.raises(RuleViolation, match="barred until"):
        propose(walk, second)
    other_creditor = walk.defaulted(debtor=first.debtor)
    assert propose(walk, other_creditor).status == "proposed"
    today = timezone.localdate()
    with time_machine.travel(datetime.datetime(today.year + 1, today.month, 1, 12, tzinfo=datetime.UTC)):
        assert propose(walk, second).status == "proposed"


def test_the_creditor_bar_does_not_stop_the_courts_own_motion(walk):
    first = walk.listed()
    services.case_close(actor=walk.approver, case_id=first.pk, reason="creditor_request")
    second = walk.defaulted(creditor=first.creditor, debtor=first.debtor)
    decision = propose(walk, second, on_creditor_application=False)
    assert (decision.status, decision.on_creditor_application) == ("proposed", False)


def test_the_creditor_bar_follows_only_a_removal_from_the_list(walk):
    never_listed = walk.defaulted()
    services.case_close(actor=walk.clerk, case_id=never_listed.pk, reason="creditor_request")
    again = walk.defaulted(creditor=never_listed.creditor, debtor=never_listed.debtor)
    assert propose(walk, again).status == "proposed"


# --- four eyes and the restriction order of every listed debtor ---


def test_the_proposer_cannot_sign_their_own_listing(walk, court):
    StaffRole.objects.create(user=walk.clerk, court=court, role=StaffRole.Role.APPROVER)
    decision = propose(walk, walk.defaulted())
    with pytest.raises(Forbidden, match="another approver"):
        listing_services.listing_approve(
            actor=walk.clerk,
            decision_id=decision.pk,
            decision_number="x",
            order_number="y",
            served_on=timezone.localdate(),
        )
    assert approve(walk, decision).status == "in_force"


def test_the_proposer_cannot_sign_their_own_restriction_order(walk, court, superuser):
    case = walk.defaulted()
    order = listing_services.restriction_order_propose(actor=superuser, case_id=case.pk, categories=["air_travel"])
    with pytest.raises(Forbidden, match="four eyes"):
        listing_services.restriction_order_approve(
            actor=superuser, order_id=order.pk, order_number="x", served_on=timezone.localdate()
        )


def test_listing_a_defaulted_debtor_signs_a_restriction_order_with_it(walk):
    case = walk.defaulted()
    decision = propose(walk, case)
    order = RestrictionOrder.objects.get(case=case)
    assert (order.status, order.listing_id) == ("proposed", decision.pk)
    with pytest.raises(InvalidInput, match="number of the signed document") as refused:
        approve(walk, decision, order_number="")
    assert refused.value.field == "order_number"
    approve(walk, decision)
    order.refresh_from_db()
    case.refresh_from_db()
    assert (case.state, order.status, order.order_number) == (CaseState.LISTED, "in_force", "（2026）京0101执限1号")


def test_listing_a_restricted_debtor_keeps_the_order_in_force(walk):
    case = walk.restricted()
    approve(walk, propose(walk, case))
    assert list(RestrictionOrder.objects.filter(case=case).values_list("status", "listing")) == [("in_force", None)]


def test_a_listed_debtors_restriction_cannot_be_lifted(walk):
    case = walk.listed(from_state=CaseState.RESTRICTED)
    order = RestrictionOrder.objects.get(case=case)
    with pytest.raises(RuleViolation, match="must stay restricted"):
        listing_services.restriction_order_lift(actor=walk.approver, order_id=order.pk, reason="security_given")


def test_lifting_a_restriction_on_security_returns_the_case_to_defaulted(walk):
    case = walk.restricted()
    order = RestrictionOrder.objects.get(case=case)
    listing_services.restriction_order_lift(actor=walk.approver, order_id=order.pk, reason="security_given")
    case.refresh_from_db()
    order.refresh_from_db()
    assert (case.state, order.status, order.lift_reason) == (CaseState.DEFAULTED, "lifted", "security_given")


@pytest.mark.parametrize(("from_state", "back_to"), [("defaulted", "defaulted"), ("restricted", "restricted")])
def test_revoking_a_listing_made_in_error(walk, from_state, back_to):
    case = walk.listed(from_state=from_state)
    decision = ListingDecision.objects.get(case=case)
    listing_services.listing_revoke(actor=walk.approver, decision_id=decision.pk, reason="同名误认")
    case.refresh_from_db()
    decision.refresh_from_db()
    assert (case.state, decision.status) == (back_to, "revoked")
    order = RestrictionOrder.objects.get(case=case)
    assert order.status == ("lifted" if from_state == "defaulted" else "in_force")


def test_a_refused_listing_refuses_its_restriction_order_too(walk):
    case = walk.defaulted()
    decision = propose(walk, case)
    listing_services.listing_reject(actor=walk.approver, decision_id=decision.pk, reason="证据不足")
    assert RestrictionOrder.objects.get(case=case).status == "rejected"
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    assert AuditEntry.objects.filter(case=case, action="listing_reject", reason="证据不足").exists()


def test_one_pending_or_active_listing_per_case(walk):
    case = walk.defaulted()
    propose(walk, case)
    with pytest.raises(Conflict, match="already pending or in force"):
        propose(walk, case)


def test_closing_a_case_lapses_pending_proposals(walk):
    case = walk.defaulted()
    decision = propose(walk, case)
    services.case_close(actor=walk.clerk, case_id=case.pk, reason="enforcement_terminated")
    decision.refresh_from_db()
    assert decision.status == "lapsed"
    assert RestrictionOrder.objects.get(case=case).status == "lapsed"


def test_default_needs_the_payment_period_to_be_over(walk):
    case = walk.case()
    services.notice_record(
        actor=walk.clerk, case_id=case.pk, served_on=timezone.localdate(), payment_days=10, warns_listing=True
    )
    with pytest.raises(RuleViolation, match="payment period of the enforcement notice has not ended"):
        services.case_declare_default(actor=walk.clerk, case_id=case.pk)


def test_payment_period_ending_on_a_holiday_runs_to_the_next_working_day(walk):
    case = walk.case(filed_on=datetime.date(2026, 9, 1))
    with time_machine.travel(datetime.datetime(2026, 9, 22, 10, tzinfo=datetime.UTC)):
        services.notice_record(
            actor=walk.clerk,
            case_id=case.pk,
            served_on=datetime.date(2026, 9, 21),
            payment_days=10,
            warns_listing=True,
        )
    case.refresh_from_db()
    # 21 Sep + 10 days = 1 Oct, National Day; the holiday runs to 7 Oct, so the period ends on 8 Oct 2026.
    assert case.payment_due_on == datetime.date(2026, 10, 8)
