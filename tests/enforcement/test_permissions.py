"""Who may do what, per court: every actor x every action, through the services and through the admin."""

import pytest
from django.utils import timezone

from enforcement import services
from enforcement.errors import Forbidden
from listings import services as listing_services
from listings.models import ListingDecision, RestrictionOrder
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

ACTORS = ["clerk", "approver", "other_clerk", "other_approver", "superuser", "no_role"]


def _open(actor, walk, court):
    return services.case_open(
        actor=actor,
        court_id=court.pk,
        case_number=f"（2026）{court.code}执99号",
        creditor_id=PersonFactory().pk,
        debtor_id=PersonFactory().pk,
        basis_issuer="某法院",
        basis_number="（2025）京0101民初1号",
        basis_date=timezone.localdate(),
        obligation="支付",
        amount_due="100.00",
        filed_on=timezone.localdate(),
    )


def _notice(actor, walk, court):
    case = walk.case()
    services.notice_record(actor=actor, case_id=case.pk, served_on=case.filed_on, payment_days=5, warns_listing=True)


def _payment(actor, walk, court):
    case = walk.defaulted()
    services.payment_record(
        actor=actor,
        case_id=case.pk,
        amount="1.00",
        currency="CNY",
        paid_on=timezone.localdate(),
        method="cash",
        idempotency_key="perm",
    )


def _default(actor, walk, court):
    case = walk.case()
    walk.notice(case)
    services.case_declare_default(actor=actor, case_id=case.pk)


def _propose_order(actor, walk, court):
    listing_services.restriction_order_propose(actor=actor, case_id=walk.defaulted().pk, categories=["air_travel"])


def _sign_order(actor, walk, court):
    case = walk.defaulted()
    order = listing_services.restriction_order_propose(actor=walk.clerk, case_id=case.pk, categories=["tourism"])
    listing_services.restriction_order_approve(
        actor=actor, order_id=order.pk, order_number=f"（2026）京0101执限{order.pk}号", served_on=timezone.localdate()
    )


def _propose_listing(actor, walk, court):
    listing_services.listing_propose(actor=actor, case_id=walk.defaulted().pk, grounds=[2])


def _sign_listing(actor, walk, court):
    decision = listing_services.listing_propose(actor=walk.clerk, case_id=walk.defaulted().pk, grounds=[2])
    listing_services.listing_approve(
        actor=actor,
        decision_id=decision.pk,
        decision_number=f"（2026）京0101执失{decision.pk}号",
        order_number=f"（2026）京0101执限{decision.pk}号",
        served_on=timezone.localdate(),
    )


def _lift(actor, walk, court):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    listing_services.restriction_order_lift(actor=actor, order_id=order.pk, reason="creditor_consent")


def _revoke(actor, walk, court):
    decision = ListingDecision.objects.get(case=walk.listed())
    listing_services.listing_revoke(actor=actor, decision_id=decision.pk, reason="错误")


def _close(actor, walk, court):
    services.case_close(actor=actor, case_id=walk.defaulted().pk, reason="no_assets")


def _settle(actor, walk, court):
    services.case_settle(actor=actor, case_id=walk.defaulted().pk, reason="和解")


# action -> the actors who may perform it on a case of `court`
MATRIX = {
    _open: {"clerk", "superuser"},
    _notice: {"clerk", "superuser"},
    _payment: {"clerk", "superuser"},
    _default: {"clerk", "superuser"},
    _propose_order: {"clerk", "superuser"},
    _sign_order: {"approver", "superuser"},
    _propose_listing: {"clerk", "superuser"},
    _sign_listing: {"approver", "superuser"},
    _lift: {"approver", "superuser"},
    _revoke: {"approver", "superuser"},
    _close: {"clerk", "superuser"},
    _settle: {"clerk", "superuser"},
}


@pytest.fixture
def actors(clerk, approver, other_clerk, other_approver, superuser):
    return {
        "clerk": clerk,
        "approver": approver,
        "other_clerk": other_clerk,
        "other_approver": other_approver,
        "superuser": superuser,
        "no_role": UserFactory(username="norole"),
    }


@pytest.mark.parametrize("actor_name", ACTORS)
@pytest.mark.parametrize("action", list(MATRIX), ids=lambda f: f.__name__.strip("_"))
def test_permission_matrix(walk, court, actors, action, actor_name):
    actor = actors[actor_name]
    if actor_name in MATRIX[action]:
        action(actor, walk, court)
    else:
        with pytest.raises(Forbidden):
            action(actor, walk, court)


# --- the same matrix seen through the admin ---


def login(client, user):
    client.force_login(user)
    return client


def case_url(case, action=None):
    if action:
        return f"/admin/enforcement/enforcementcase/{case.pk}/act/{action}/"
    return f"/admin/enforcement/enforcementcase/{case.pk}/change/"


def test_clerks_list_shows_only_their_courts_cases(client, walk, other_clerk, other_court):
    own = walk.case()
    foreign = walk.case(court=other_court)
    page = login(client, walk.clerk).get("/admin/enforcement/enforcementcase/")
    assert own.case_number in page.text
    assert foreign.case_number not in page.text


@pytest.mark.parametrize("path", [None, "payment", "default", "close"])
def test_another_courts_case_is_not_found(client, walk, other_clerk, path):
    case = walk.defaulted()
    response = login(client, other_clerk).get(case_url(case, path))
    assert response.status_code == 404
    response = login(client, other_clerk).post(case_url(case, path), {"reason": "no_assets"})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.state == "defaulted"


def test_case_page_offers_exactly_what_this_user_may_do_now(client, walk):
    case = walk.defaulted()
    listing_services.listing_propose(actor=walk.clerk, case_id=case.pk, grounds=[2])
    clerk_page = login(client, walk.clerk).get(case_url(case))
    assert _actions(clerk_page) == ["payment", "settle", "close", "correct"]
    approver_page = login(client, walk.approver).get(case_url(case))
    assert _actions(approver_page) == ["listing_sign", "listing_refuse", "correct"]


def test_the_proposer_is_not_offered_to_sign(client, walk, court, superuser):
    case = walk.defaulted()
    listing_services.listing_propose(actor=superuser, case_id=case.pk, grounds=[2])
    page = login(client, superuser).get(case_url(case))
    assert "listing_sign" not in _actions(page)
    assert "listing_refuse" in _actions(page)


def test_an_action_posted_by_someone_without_the_role_is_refused_with_a_message(client, walk):
    case = walk.defaulted()
    response = login(client, walk.approver).post(
        case_url(case, "close"), {"reason": "no_assets", "expected_state": "defaulted"}
    )
    assert response.status_code == 200
    assert "Only a clerk" in response.text or "do not have a role" in response.text
    case.refresh_from_db()
    assert case.state == "defaulted"


def test_staff_without_a_court_role_see_no_enforcement_admin(client, db):
    user = UserFactory(username="lonely")
    response = login(client, user).get("/admin/enforcement/enforcementcase/")
    assert response.status_code == 403


def _actions(page) -> list[str]:
    import re

    return re.findall(r'data-action="([a-z_]+)"', page.text)
