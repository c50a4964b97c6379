"""A case from judgment to closed through the admin's own pages, as a clerk and an approver use them."""

import datetime
import re

import pytest
from django.utils import timezone

from enforcement.models import AuditEntry, CaseState, EnforcementCase, Party, Payment
from listings.models import ListingDecision, RestrictionOrder
from tests.staff import sign_in

pytestmark = pytest.mark.django_db


def log_in(client, user):
    client.logout()
    response = sign_in(client, user)
    assert response.status_code == 302, "login failed"


def form_value(page, name):
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    return match.group(1) if match else None


def act(client, case, action, data, *, expect_redirect=True):
    url = f"/admin/enforcement/enforcementcase/{case.pk}/act/{action}/"
    form = client.get(url)
    assert form.status_code == 200, f"{action} is not offered"
    data = {"expected_state": form_value(form, "expected_state"), **data}
    response = client.post(url, data)
    if expect_redirect:
        assert response.status_code == 302, _errors(response)
    return response


def _errors(response) -> str:
    return (
        " | ".join(re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S))
        or response.text[:500]
    )


def test_clerk_and_approver_take_a_case_from_judgment_to_closed(
    client, clerk, approver, court, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    log_in(client, clerk)

    # The clerk registers the debtor and the creditor.
    response = client.post(
        "/admin/enforcement/party/add/",
        {
            "kind": "person",
            "name": "王伟",
            "id_type": "resident_id",
            "id_number": "11010519491231002x",
            "address": "东城区某街1号",
            "phone": "13800000000",
            "responsible_persons-TOTAL_FORMS": "0",
            "responsible_persons-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, _errors(response)
    debtor = Party.objects.get(id_number="11010519491231002X")
    assert (debtor.sex, debtor.birth_date) == ("F", datetime.date(1949, 12, 31))
    client.post(
        "/admin/enforcement/party/add/",
        {
            "kind": "organisation",
            "name": "北京某某科技有限公司",
            "id_type": "uscc",
            "id_number": "91350100M000100Y43",
            "responsible_persons-TOTAL_FORMS": "0",
            "responsible_persons-INITIAL_FORMS": "0",
        },
    )
    creditor = Party.objects.get(id_number="91350100M000100Y43")

    # A bad ID number is refused on the form, saying which rule failed.
    response = client.post(
        "/admin/enforcement/party/add/",
        {
            "kind": "person",
            "name": "李四",
            "id_type": "resident_id",
            "id_number": "110105194912310021",
            "responsible_persons-TOTAL_FORMS": "0",
            "responsible_persons-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "check character" in response.text

    # She opens the case.
    response = client.post(
        "/admin/enforcement/enforcementcase/add/",
        {
            "court": court.pk,
            "case_number": "(2026)京0101执 77号",
            "creditor": creditor.pk,
            "debtor": debtor.pk,
            "basis_issuer": "北京市东城区人民法院",
            "basis_number": "（2025）京0101民初9号",
            "basis_date": (today - datetime.timedelta(days=90)).isoformat(),
            "obligation": "偿还借款本金及利息。",
            "amount_due": "50000.00",
            "currency": "CNY",
            "filed_on": (today - datetime.timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 302, _errors(response)
    case = EnforcementCase.objects.get()
    assert case.case_number == "（2026）京0101执77号"
    assert response["Location"].endswith(f"/{case.pk}/change/")

    act(
        client,
        case,
        "notice",
        {"served_on": (today - datetime.timedelta(days=35)).isoformat(), "payment_days": "10", "warns_listing": "on"},
    )
    act(client, case, "default", {"reason": "逾期未履行"})
    act(
        client,
        case,
        "listing_propose",
        {
            "grounds": ["1"],
            "facts": "有能力履行而拒不履行。",
            "extension_years": "0",
            "extension_reason": "",
            "grace_months": "0",
            "categories": ["air_travel", "rail_high_speed", "star_hotel"],
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED  # proposed, not signed

    # The approver signs the decision and the restriction order that goes with it.
    log_in(client, approver)
    page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/act/listing_sign/")
    assert "(1) Able to perform but refuses to" in page.text
    act(
        client,
        case,
        "listing_sign",
        {
            "decision_number": "（2026）京0101执失77号",
            "order_number": "（2026）京0101执限77号",
            "served_on": today.isoformat(),
        },
    )
    case.refresh_from_db()
    assert case.state == CaseState.LISTED
    assert ListingDecision.objects.get(case=case).published_at is not None

    # The clerk records payment in full; the browser submits the form twice.
    log_in(client, clerk)
    form = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/act/payment/")
    data = {
        "expected_state": "listed",
        "idempotency_key": form_value(form, "idempotency_key"),
        "amount": "50000.00",
        "paid_on": today.isoformat(),
        "method": "bank_transfer",
        "reference": "HX123",
    }
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/admin/enforcement/enforcementcase/{case.pk}/act/payment/", data)
    second = client.post(f"/admin/enforcement/enforcementcase/{case.pk}/act/payment/", data, follow=True)
    assert first.status_code == 302
    assert "already recorded" in second.text
    assert Payment.objects.filter(case=case).count() == 1

    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, "paid_in_full")
    assert ListingDecision.objects.get(case=case).status == "removed"
    assert RestrictionOrder.objects.get(case=case).status == "lifted"
    page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/")
    assert "Nothing: no action on this case is open to you" in page.text
    actions = list(AuditEntry.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "open",
        "notice_record",
        "declare_default",
        "listing_propose",
        "listing_approve",
        "restriction_order_approve",
        "list_debtor",
        "listing_publish",
        "payment_record",
        "pay_in_full",
        "listing_remove",
        "restriction_order_lift",
        "remove",
    ]
    for action in actions:
        assert f"<td>{action}</td>" in page.text


def test_a_refused_action_shows_the_reason_not_a_500(client, walk):
    case = walk.case()
    client.force_login(walk.clerk)
    walk.notice(case)
    response = client.post(
        f"/admin/enforcement/enforcementcase/{case.pk}/act/payment/",
        {
            "expected_state": "judgment",
            "idempotency_key": "k",
            "amount": "999999999.00",
            "paid_on": timezone.localdate().isoformat(),
            "method": "cash",
        },
    )
    assert response.status_code == 200
    assert "more than the balance" in response.text


def test_the_listing_form_says_in_advance_why_a_minor_cannot_be_listed(client, walk):
    from tests.factories import PersonFactory

    today = timezone.localdate()
    case = walk.defaulted(debtor=PersonFactory(birth=today.replace(year=today.year - 15)))
    client.force_login(walk.clerk)
    page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/act/listing_propose/")
    assert "minors are never listed" in page.text


def test_a_stale_form_is_refused_and_says_the_case_changed(client, walk, django_capture_on_commit_callbacks):
    """Two clerks: one loads the close form, the other records the settlement; the first submit is refused."""
    case = walk.defaulted()
    client.force_login(walk.clerk)
    form = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/act/close/")
    assert form_value(form, "expected_state") == "defaulted"
    from enforcement import services

    services.case_settle(actor=walk.clerk, case_id=case.pk, reason="和解已履行")  # the other clerk, meanwhile
    response = client.post(
        f"/admin/enforcement/enforcementcase/{case.pk}/act/close/",
        {"expected_state": "defaulted", "reason": "no_assets", "note": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0].endswith(f"/{case.pk}/change/")
    assert "changed while you were looking at it: it is now Paid, not Defaulted" in response.text
    case.refresh_from_db()
    assert case.state == CaseState.PAID


def test_case_list_queries_do_not_grow_with_the_cases(client, walk, django_assert_max_num_queries):
    for _ in range(3):
        walk.case()
    client.force_login(walk.clerk)
    # 14: the page, plus the second-factor device and the session saved on every request (idle expiry).
    with django_assert_max_num_queries(14) as few:
        client.get("/admin/enforcement/enforcementcase/")
    for _ in range(20):
        walk.case()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/admin/enforcement/enforcementcase/")
    assert page.status_code == 200


def test_case_page_queries_are_bounded(client, walk, django_assert_max_num_queries):
    case = walk.listed()
    client.force_login(walk.clerk)
    with django_assert_max_num_queries(30):
        page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/")
    assert page.status_code == 200
