import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enforcement.models import AccessLogEntry, AuditEntry, CaseState, EnforcementCase, Party, ResponsiblePerson
from tests.enforcement.api.conftest import token_client
from tests.factories import CaseFactory, OrganisationFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

VALID_ID = "11010519491231002X"  # the GB 11643 example: a woman born 1949-12-31
VALID_USCC = "91350100M000100Y43"


def case_payload(court, creditor, debtor, /, **overrides):
    today = timezone.localdate()
    return {
        "court": court.code,
        "case_number": f"(2026){court.code}执77号",
        "creditor": creditor.pk,
        "debtor": debtor.pk,
        "basis_issuer": "北京市东城区人民法院",
        "basis_number": "（2025）京0101民初5号",
        "basis_date": (today - datetime.timedelta(days=90)).isoformat(),
        "obligation": "支付货款",
        "amount_due": "12345.67",
        "filed_on": (today - datetime.timedelta(days=10)).isoformat(),
        **overrides,
    }


# --- authentication and roles


def test_no_credentials_answers_401(anonymous):
    assert anonymous.get("/api/v1/cases/").status_code == 401


def test_a_bad_token_answers_401(anonymous):
    anonymous.credentials(HTTP_AUTHORIZATION="Token nope")
    assert anonymous.get("/api/v1/cases/").status_code == 401


def test_a_user_without_a_court_role_answers_403(db):
    nobody = UserFactory(username="norole")
    assert token_client(nobody).get("/api/v1/cases/").status_code == 403


def test_session_login_works_too(client, clerk, court):
    from rest_framework.test import APIClient

    session = APIClient()
    session.force_login(clerk)
    CaseFactory(court=court)
    assert session.get("/api/v1/cases/").status_code == 200


# --- parties


def test_clerk_registers_a_person_and_the_id_number_fills_in_birth_date_and_sex(api):
    response = api.post(
        "/api/v1/parties/", {"kind": "person", "name": "张三", "id_type": "resident_id", "id_number": VALID_ID}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["birth_date"] == "1949-12-31"
    assert body["sex"] == "F"
    assert Party.objects.get(pk=body["id"]).id_number == VALID_ID


def test_a_wrong_check_character_is_a_field_error_naming_the_rule(api):
    response = api.post(
        "/api/v1/parties/",
        {"kind": "person", "name": "张三", "id_type": "resident_id", "id_number": VALID_ID[:-1] + "1"},
    )
    assert response.status_code == 400
    assert "check character" in response.json()["id_number"][0]
    assert not Party.objects.exists()


def test_an_organisation_is_registered_by_its_uscc(api):
    response = api.post(
        "/api/v1/parties/", {"kind": "organisation", "name": "某某公司", "id_type": "uscc", "id_number": VALID_USCC}
    )
    assert response.status_code == 201, response.json()
    bad = api.post(
        "/api/v1/parties/",
        {"kind": "organisation", "name": "另一公司", "id_type": "uscc", "id_number": "91350100M000100Y4I"},
    )
    assert bad.status_code == 400
    assert "unified social credit code" in bad.json()["id_number"][0]


def test_a_missing_field_is_a_field_error(api):
    response = api.post("/api/v1/parties/", {"kind": "person", "id_type": "resident_id", "id_number": VALID_ID})
    assert response.status_code == 400
    assert "name" in response.json()


def test_a_party_registered_twice_is_refused(api):
    data = {"kind": "person", "name": "张三", "id_type": "resident_id", "id_number": VALID_ID}
    assert api.post("/api/v1/parties/", data).status_code == 201
    response = api.post("/api/v1/parties/", data)
    assert response.status_code == 400
    assert "already exists" in str(response.json())
    assert Party.objects.count() == 1


def test_an_approver_cannot_register_parties(approver_api):
    response = approver_api.post(
        "/api/v1/parties/", {"kind": "person", "name": "张三", "id_type": "resident_id", "id_number": VALID_ID}
    )
    assert response.status_code == 403


def test_a_party_is_found_by_its_exact_id_number_in_any_court_briefly_and_logged(api, other_court, clerk):
    debtor = CaseFactory(court=other_court).debtor
    response = api.get("/api/v1/parties/", {"id_number": debtor.id_number})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": debtor.pk,
            "kind": debtor.kind,
            "name": debtor.name,
            "id_type": debtor.id_type,
            "id_number": debtor.id_number,
        }
    ]  # another court's party: no address, phone or birth date
    assert AccessLogEntry.objects.filter(user=clerk, what="party", object_id=str(debtor.pk)).exists()
    assert api.get("/api/v1/parties/").status_code == 400


def test_another_courts_party_answers_404_and_own_party_is_logged(api, court, other_court, clerk):
    own = CaseFactory(court=court).debtor
    foreign = CaseFactory(court=other_court).debtor
    assert api.get(f"/api/v1/parties/{foreign.pk}/").status_code == 404
    assert api.get("/api/v1/parties/999999999/").status_code == 404
    response = api.get(f"/api/v1/parties/{own.pk}/")
    assert response.status_code == 200
    assert response.json()["id_number"] == own.id_number
    assert AccessLogEntry.objects.filter(user=clerk, what="party", object_id=str(own.pk)).count() == 1


def test_clerk_adds_a_responsible_person_to_an_organisation(api):
    organisation, person = OrganisationFactory(), PersonFactory()
    url = f"/api/v1/parties/{organisation.pk}/responsible-persons/"
    response = api.post(url, {"person": person.pk, "role": "legal_representative"})
    assert response.status_code == 201, response.json()
    assert ResponsiblePerson.objects.filter(organisation=organisation, person=person).exists()
    assert [link["person"] for link in api.get(url).json()] == [person.pk]
    assert api.post(url, {"person": person.pk, "role": "legal_representative"}).status_code == 400
    assert api.post(url, {"person": organisation.pk, "role": "principal"}).status_code == 400
    on_person = api.post(
        f"/api/v1/parties/{person.pk}/responsible-persons/", {"person": person.pk, "role": "principal"}
    )
    assert on_person.status_code == 400


# --- cases


def test_clerk_opens_a_case_and_the_audit_trail_records_it(api, court, clerk):
    creditor, debtor = OrganisationFactory(), PersonFactory()
    response = api.post("/api/v1/cases/", case_payload(court, creditor, debtor), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "judgment"
    assert body["case_number"] == "（2026）京0101执77号"
    assert body["debtor"]["id"] == debtor.pk
    assert body["balance"] == "12345.67"
    audit = api.get(f"/api/v1/cases/{body['id']}/audit/").json()
    assert [(e["action"], e["to_state"], e["actor"]) for e in audit] == [("open", "judgment", clerk.username)]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_due": "-5"}, "amount_due"),
        ({"amount_due": "1.234"}, "amount_due"),
        ({"filed_on": "2999-01-01"}, "filed_on"),
        ({"basis_date": "not a date"}, "basis_date"),
        ({"case_number": "2026-77"}, "case_number"),
        ({"case_number": "（2026）沪0115执1号"}, "case_number"),
        ({"court": "无此法院"}, "court"),
        ({"creditor": 999999999}, "creditor"),
    ],
)
def test_invalid_case_input_is_a_field_error(api, court, overrides, field):
    payload = case_payload(court, OrganisationFactory(), PersonFactory(), **overrides)
    response = api.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not EnforcementCase.objects.exists()


def test_the_same_party_on_both_sides_is_refused(api, court):
    party = PersonFactory()
    response = api.post("/api/v1/cases/", case_payload(court, party, party), format="json")
    assert response.status_code == 400
    assert "debtor" in response.json()


def test_opening_a_case_in_another_court_answers_403(api, other_court):
    payload = case_payload(other_court, OrganisationFactory(), PersonFactory())
    assert api.post("/api/v1/cases/", payload, format="json").status_code == 403


def test_an_approver_cannot_open_cases(approver_api, court):
    payload = case_payload(court, OrganisationFactory(), PersonFactory())
    assert approver_api.post("/api/v1/cases/", payload, format="json").status_code == 403


def test_the_case_list_shows_only_the_users_courts_in_cursor_pages(api, court, other_court):
    own = [CaseFactory(court=court) for _ in range(5)]
    CaseFactory(court=other_court)
    first = api.get("/api/v1/cases/", {"page_size": 3}).json()
    assert [c["id"] for c in first["results"]] == sorted((c.pk for c in own), reverse=True)[:3]
    second = api.get(first["next"]).json()
    assert [c["id"] for c in second["results"]] == sorted((c.pk for c in own), reverse=True)[3:]
    assert second["next"] is None


def test_the_case_list_filters_by_state_and_refuses_an_unknown_state(api, court, walk):
    walk.defaulted(court=court)
    CaseFactory(court=court)
    states = {c["state"] for c in api.get("/api/v1/cases/", {"state": "defaulted"}).json()["results"]}
    assert states == {"defaulted"}
    assert api.get("/api/v1/cases/", {"state": "bogus"}).status_code == 400


def test_the_case_list_costs_the_same_queries_for_3_or_30_cases(api, court):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/cases/").status_code == 200
        return len(captured)

    for _ in range(3):
        CaseFactory(court=court)
    few = queries()
    for _ in range(27):
        CaseFactory(court=court)
    assert queries() == few
    assert few <= 4  # token + user, roles, the page (cursor pages never count)


def test_another_courts_case_answers_404_on_every_endpoint(api, other_court):
    case = CaseFactory(court=other_court)
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/audit/").status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/declare_default/", {}).status_code == 404
    response = api.post(
        f"/api/v1/cases/{case.pk}/payments/",
        {"amount": "1", "paid_on": timezone.localdate().isoformat(), "method": "cash"},
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 404
    assert api.get("/api/v1/cases/99999999999999999999/").status_code == 404


def test_reading_a_case_is_logged(api, court, clerk):
    case = CaseFactory(court=court)
    body = api.get(f"/api/v1/cases/{case.pk}/").json()
    assert body["case_number"] == case.case_number
    assert AccessLogEntry.objects.filter(user=clerk, what="case", object_id=str(case.pk)).exists()


def test_a_superuser_sees_every_court(superuser, other_court):
    case = CaseFactory(court=other_court)
    assert token_client(superuser).get(f"/api/v1/cases/{case.pk}/").status_code == 200


# --- transitions


def test_notice_then_default_then_close_through_the_api(api, court, time_machine):
    case = CaseFactory(court=court)
    response = api.post(
        f"/api/v1/cases/{case.pk}/notice/",
        {"served_on": timezone.localdate().isoformat(), "payment_days": 10, "warns_listing": True},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["payment_due_on"] is not None
    early = api.post(f"/api/v1/cases/{case.pk}/declare_default/", {}, format="json")
    assert early.status_code == 409  # the payment period is not over yet
    assert "payment period" in early.json()["detail"]
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60))
    response = api.post(
        f"/api/v1/cases/{case.pk}/declare_default/",
        {"expected_state": "judgment", "reason": "期满未履行"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "defaulted"
    response = api.post(
        f"/api/v1/cases/{case.pk}/close/", {"reason": "no_assets", "note": "两次查询无财产"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "closed"
    assert response.json()["closed_reason"] == "no_assets"
    actions = [e["action"] for e in api.get(f"/api/v1/cases/{case.pk}/audit/").json()]
    assert actions[-3:] == ["notice_record", "declare_default", "remove"]


def test_a_stale_expected_state_answers_409_and_changes_nothing(api, court, walk):
    case = walk.defaulted(court=court)
    response = api.post(f"/api/v1/cases/{case.pk}/close/", {"reason": "no_assets", "expected_state": "judgment"})
    assert response.status_code == 409
    assert "changed while you were looking" in response.json()["detail"]
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED


def test_an_illegal_transition_answers_409_with_the_reason(api, court):
    case = CaseFactory(court=court)
    response = api.post(f"/api/v1/cases/{case.pk}/close/", {"reason": "no_assets"})
    assert response.status_code == 409
    assert "cannot be closed" in response.json()["detail"]
    paid_reason = api.post(f"/api/v1/cases/{case.pk}/close/", {"reason": "paid_in_full"})
    assert paid_reason.status_code == 409


def test_transition_input_is_validated(api, court):
    case = CaseFactory(court=court)
    assert "reason" in api.post(f"/api/v1/cases/{case.pk}/close/", {"reason": "bored"}).json()
    assert "reason" in api.post(f"/api/v1/cases/{case.pk}/settle/", {}).json()
    bad_days = api.post(
        f"/api/v1/cases/{case.pk}/notice/",
        {"served_on": timezone.localdate().isoformat(), "payment_days": 0, "warns_listing": True},
    )
    assert bad_days.status_code == 400
    assert "payment_days" in bad_days.json()
    assert api.post(f"/api/v1/cases/{case.pk}/notice/", {"expected_state": "nowhere"}).status_code == 400


def test_settlement_moves_the_case_to_paid(api, court):
    case = CaseFactory(court=court)
    response = api.post(f"/api/v1/cases/{case.pk}/settle/", {"reason": "和解协议已履行完毕"})
    assert response.status_code == 200
    assert response.json()["state"] in {"paid", "closed"}
    assert AuditEntry.objects.filter(case=case, action="settle").exists()


def test_an_approver_may_not_declare_default_403(approver_api, court, walk, time_machine):
    case = walk.case(court=court)
    walk.notice(case)
    time_machine.move_to(timezone.now() + datetime.timedelta(days=60))
    response = approver_api.post(f"/api/v1/cases/{case.pk}/declare_default/", {})
    assert response.status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_closings_one_succeeds_the_other_answers_409(court, clerk, walk):
    import threading

    case = walk.defaulted(court=court)
    clients = [token_client(clerk) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses = []

    def close(client):
        try:
            barrier.wait()
            response = client.post(
                f"/api/v1/cases/{case.pk}/close/", {"reason": "no_assets", "expected_state": "defaulted"}
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=close, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]
    assert AuditEntry.objects.filter(case=case, action="remove").count() == 1
