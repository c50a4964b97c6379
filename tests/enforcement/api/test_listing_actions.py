import datetime

import pytest
from django.utils import timezone

from enforcement.models import AuditEntry, CaseState
from listings.models import ListingDecision, RestrictionOrder
from tests.enforcement.api.conftest import token_client
from tests.factories import CaseFactory, OrganisationFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def today() -> str:
    return timezone.localdate().isoformat()


def test_restriction_order_proposed_by_the_clerk_and_signed_by_the_approver(api, approver_api, court, walk):
    case = walk.defaulted(court=court)
    response = api.post(
        f"/api/v1/cases/{case.pk}/restriction-orders/",
        {"categories": ["rail_high_speed", "air_travel"], "facts": "拒不申报财产", "expected_state": "defaulted"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "proposed"
    assert order["categories"] == ["air_travel", "rail_high_speed"]
    assert order["bound_party_ids"] == [case.debtor_id]
    signed = approver_api.post(
        f"/api/v1/restriction-orders/{order['id']}/approve/",
        {"order_number": "（2026）京0101执限9号", "served_on": today()},
        format="json",
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "in_force"
    case.refresh_from_db()
    assert case.state == CaseState.RESTRICTED
    assert api.get(f"/api/v1/restriction-orders/{order['id']}/").json()["order_number"] == "（2026）京0101执限9号"


def test_an_organisations_responsible_persons_are_bound(api, court, walk):
    organisation = OrganisationFactory()
    link = ResponsiblePersonFactory(organisation=organisation)
    case = walk.defaulted(court=court, debtor=organisation)
    response = api.post(f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": ["air_travel"]}, format="json")
    assert sorted(response.json()["bound_party_ids"]) == sorted([organisation.pk, link.person_id])


def test_the_proposer_cannot_sign_and_a_clerk_cannot_sign(api, court, walk, approver):
    case = walk.defaulted(court=court)
    order = api.post(f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": ["air_travel"]}, format="json")
    url = f"/api/v1/restriction-orders/{order.json()['id']}/approve/"
    assert api.post(url, {"order_number": "X1", "served_on": today()}).status_code == 403
    approver_proposes = token_client(approver)
    case2 = walk.defaulted(court=court)
    approver.court_roles.create(court=court, role="clerk")
    mine = approver_proposes.post(
        f"/api/v1/cases/{case2.pk}/restriction-orders/", {"categories": ["air_travel"]}, format="json"
    )
    assert mine.status_code == 201
    refused = approver_proposes.post(
        f"/api/v1/restriction-orders/{mine.json()['id']}/approve/", {"order_number": "X2", "served_on": today()}
    )
    assert refused.status_code == 403
    assert "four eyes" in refused.json()["detail"]


def test_a_restriction_order_on_a_case_in_judgment_is_a_409(api, court):
    case = CaseFactory(court=court)
    response = api.post(f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": ["air_travel"]}, format="json")
    assert response.status_code == 409
    assert "defaulted" in response.json()["detail"]


def test_bad_categories_and_grounds_are_400(api, court, walk):
    case = walk.defaulted(court=court)
    assert (
        api.post(
            f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": ["spaceflight"]}, format="json"
        ).status_code
        == 400
    )
    assert (
        api.post(f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": []}, format="json").status_code == 400
    )
    assert api.post(f"/api/v1/cases/{case.pk}/listing-decisions/", {"grounds": [9]}, format="json").status_code == 400


def test_reject_and_lift(api, approver_api, court, walk):
    case = walk.defaulted(court=court)
    order = api.post(
        f"/api/v1/cases/{case.pk}/restriction-orders/", {"categories": ["air_travel"]}, format="json"
    ).json()
    assert approver_api.post(f"/api/v1/restriction-orders/{order['id']}/reject/", {}).status_code == 400
    rejected = approver_api.post(f"/api/v1/restriction-orders/{order['id']}/reject/", {"reason": "证据不足"})
    assert rejected.json()["status"] == "rejected"
    restricted = walk.restricted(court=court)
    order = RestrictionOrder.objects.get(case=restricted, status="in_force")
    url = f"/api/v1/restriction-orders/{order.pk}/lift/"
    assert approver_api.post(url, {"reason": "paid_in_full"}).status_code == 400
    stale = approver_api.post(url, {"reason": "creditor_consent", "expected_state": "listed"})
    assert stale.status_code == 409
    lifted = approver_api.post(url, {"reason": "creditor_consent", "note": "申请执行人同意"})
    assert lifted.status_code == 200, lifted.json()
    assert lifted.json()["status"] == "lifted"
    restricted.refresh_from_db()
    assert restricted.state == CaseState.DEFAULTED
    again = approver_api.post(url, {"reason": "creditor_consent"})
    assert again.status_code == 409


def test_temporary_lift_of_travel_only(approver_api, court, walk):
    order = RestrictionOrder.objects.get(case=walk.restricted(court=court), status="in_force")
    url = f"/api/v1/restriction-orders/{order.pk}/temporary-lifts/"
    start = timezone.localdate() + datetime.timedelta(days=1)
    body = {"categories": ["air_travel"], "starts_on": start.isoformat(), "reason": "funeral"}
    too_long = approver_api.post(
        url, {**body, "ends_on": (start + datetime.timedelta(days=40)).isoformat()}, format="json"
    )
    assert too_long.status_code == 400
    assert "ends_on" in too_long.json()
    not_travel = approver_api.post(
        url, {**body, "categories": ["star_hotel"], "ends_on": start.isoformat()}, format="json"
    )
    assert not_travel.status_code == 400
    granted = approver_api.post(
        url, {**body, "ends_on": (start + datetime.timedelta(days=5)).isoformat()}, format="json"
    )
    assert granted.status_code == 201, granted.json()
    assert granted.json()["categories"] == ["air_travel"]


def test_listing_proposed_signed_then_revoked(api, approver_api, court, walk):
    case = walk.defaulted(court=court)
    proposed = api.post(
        f"/api/v1/cases/{case.pk}/listing-decisions/", {"grounds": [2], "facts": "伪造证据"}, format="json"
    )
    assert proposed.status_code == 201, proposed.json()
    decision = proposed.json()
    assert decision["period_years"] == 2
    assert decision["restriction_order"] is not None  # a defaulted debtor gets an order proposed with it
    url = f"/api/v1/listing-decisions/{decision['id']}/"
    signed = approver_api.post(
        url + "approve/",
        {"decision_number": "（2026）京0101执失1号", "order_number": "（2026）京0101执限1号", "served_on": today()},
        format="json",
    )
    assert signed.status_code == 200, signed.json()
    assert signed.json()["published_at"] is not None
    case.refresh_from_db()
    assert case.state == CaseState.LISTED
    assert api.post(url + "expire/", {}).status_code == 409  # two years to run
    revoked = approver_api.post(url + "revoke/", {"reason": "身份混同", "expected_state": "listed"}, format="json")
    assert revoked.status_code == 200, revoked.json()
    assert revoked.json()["status"] == "revoked"
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    assert AuditEntry.objects.filter(case=case, action="revoke").exists()


def test_listing_refused_without_a_warning_notice_names_the_rule(api, court, walk, time_machine):
    case = walk.case(court=court)
    walk.notice(case, warns_listing=False)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60))
    from enforcement import services

    services.case_declare_default(actor=walk.clerk, case_id=case.pk)
    response = api.post(f"/api/v1/cases/{case.pk}/listing-decisions/", {"grounds": [1]}, format="json")
    assert response.status_code == 409
    assert "warning of listing" in str(response.json())
    assert not ListingDecision.objects.exists()


def test_listing_reject(api, approver_api, court, walk):
    case = walk.defaulted(court=court)
    decision = api.post(f"/api/v1/cases/{case.pk}/listing-decisions/", {"grounds": [4]}, format="json").json()
    response = approver_api.post(f"/api/v1/listing-decisions/{decision['id']}/reject/", {"reason": "不符合条件"})
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"


def test_another_courts_orders_and_decisions_answer_404(other_api, api, court, walk):
    case = walk.listed(court=court)
    decision = ListingDecision.objects.get(case=case)
    order = RestrictionOrder.objects.get(case=case)
    assert other_api.get(f"/api/v1/listing-decisions/{decision.pk}/").status_code == 404
    assert other_api.get(f"/api/v1/restriction-orders/{order.pk}/").status_code == 404
    assert other_api.post(f"/api/v1/listing-decisions/{decision.pk}/revoke/", {"reason": "x"}).status_code == 404
    assert (
        other_api.post(f"/api/v1/restriction-orders/{order.pk}/lift/", {"reason": "creditor_consent"}).status_code
        == 404
    )
    assert (
        other_api.post(f"/api/v1/cases/{case.pk}/listing-decisions/", {"grounds": [2]}, format="json").status_code
        == 404
    )
    assert api.get(f"/api/v1/listing-decisions/{decision.pk}/").status_code == 200


def test_unauthenticated_listing_actions_are_401(anonymous, court, walk):
    case = walk.defaulted(court=court)
    assert anonymous.post(f"/api/v1/cases/{case.pk}/restriction-orders/", {}).status_code == 401
