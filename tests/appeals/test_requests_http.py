"""Every kind of request end to end through HTTP: the debtor files it on the public pages, the court reviews and
decides it in the admin, and the effect shows on the case and on the public list."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appeals.models import RemovalRequest, RequestKind, RequestState
from enforcement.models import AccessLogEntry, AuditEntry, CaseState, OutboxMessage
from enforcement.rules import ClosingReason, LiftReason
from listings.models import ListingDecision, RestrictionOrder, TemporaryLift
from tests.appeals.conftest import (
    act,
    at,
    file_request,
    filed,
    identify,
    pdf_bytes,
    png_bytes,
    receipt_withdrawal_code,
    staff_client,
    upload,
)

pytestmark = pytest.mark.django_db


def on_public_list(client, case) -> bool:
    response = client.get(reverse("listings:home"), {"case_number": case.case_number})
    assert response.status_code == 200
    return case.case_number in response.content.decode() and 'id="no-results"' not in response.content.decode()


def emails_for(req) -> list[str]:
    return sorted(m.key.rsplit(":", 1)[1] for m in OutboxMessage.objects.filter(key__startswith=f"appeals:{req.pk}:"))


def test_wrongly_listed_granted_by_an_approver_revokes_the_listing_and_it_leaves_the_public_list(
    client, walk, clerk, approver
):
    case = walk.listed()
    assert on_public_list(client, case)
    req = filed(file_request(client, case, RequestKind.WRONGLY_LISTED, files=[upload("judgment.pdf", pdf_bytes())]))
    assert req.state == RequestState.SUBMITTED
    assert req.evidence.count() == 1

    assert act(clerk, req, "review").status_code == 302
    response = act(approver, req, "grant", reasons="The debtor was listed under someone else's ID number.")
    assert response.status_code == 302

    req.refresh_from_db()
    case.refresh_from_db()
    assert req.state == RequestState.GRANTED
    assert req.effect_done_at is not None
    assert req.due_on is None
    assert case.state == CaseState.DEFAULTED  # the order issued with the listing was lifted with it
    assert ListingDecision.objects.get(case=case).status == ListingDecision.Status.REVOKED
    assert not on_public_list(client, case)
    assert emails_for(req) == ["filed", "granted", "review_started"]
    actions = list(AuditEntry.objects.filter(case=case).values_list("action", flat=True))
    assert {"request_file", "request_start_review", "request_grant", "revoke"} <= set(actions)


def test_a_clerk_cannot_grant_a_kind_an_approver_decides(client, walk, clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.WRONGLY_LISTED))
    response = act(clerk, req, "grant", reasons="Wrong person.")
    assert response.status_code == 400
    assert "is decided by a member of" in response.content.decode()
    req.refresh_from_db()
    assert req.state == RequestState.SUBMITTED
    assert ListingDecision.objects.get(case=case).status == ListingDecision.Status.IN_FORCE


def test_inaccurate_data_granted_corrects_the_name_on_the_public_entry(client, walk, clerk):
    case = walk.listed()
    wrong_name = case.debtor.name
    req = filed(file_request(client, case, RequestKind.INACCURATE, statement="我的名字写错了，应为王小明。"))
    response = act(
        clerk,
        req,
        "grant",
        reasons="The name was misspelt.",
        debtor_name="王小明",
        basis_issuer=case.basis_issuer,
        basis_number=case.basis_number,
        obligation=case.obligation,
        amount_due=str(case.amount_due),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case.debtor.refresh_from_db()
    assert case.debtor.name == "王小明"
    page = client.get(reverse("listings:home"), {"case_number": case.case_number}).content.decode()
    assert "王小明" in page
    assert wrong_name not in page
    assert AuditEntry.objects.filter(case=case, action="party_update").exists()


def test_inaccurate_grant_without_any_correction_is_refused(client, walk, clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.INACCURATE))
    response = act(clerk, req, "grant", reasons="ok", debtor_name=case.debtor.name)
    assert response.status_code == 400
    assert "Enter the corrected data" in response.content.decode()
    req.refresh_from_db()
    assert req.state == RequestState.SUBMITTED


def test_paid_is_refused_while_a_balance_remains_then_granted_once_paid(client, walk, clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.PAID, files=[upload("receipt.png", png_bytes(), "image/png")]))
    response = act(clerk, req, "grant", reasons="Paid.")
    assert response.status_code == 400
    assert "record the payment" in response.content.decode()

    walk.pay(case)  # the closing task waits for the commit; the grant closes the paid case itself
    case.refresh_from_db()
    assert case.state == CaseState.PAID
    assert act(clerk, req, "grant", reasons="Payment in full received on the court's account.").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_reason == ClosingReason.PAID_IN_FULL
    assert not on_public_list(client, case)


def test_settled_granted_closes_the_case_as_settled_and_a_certificate_is_available(client, walk, clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.SETTLED, files=[upload("settlement.pdf", pdf_bytes())]))
    assert act(clerk, req, "grant", reasons="The settlement agreement was performed.").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_reason == ClosingReason.SETTLEMENT_PERFORMED
    assert not on_public_list(client, case)
    page = client.get(reverse("appeals:my_case")).content.decode()
    assert 'id="get-certificate"' in page


def test_creditor_consent_granted_closes_the_case_at_the_creditors_request(client, walk, clerk, approver):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.CREDITOR_CONSENT))
    assert act(approver, req, "grant", reasons="The creditor's written consent is on file.").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    assert case.closed_reason == ClosingReason.CREDITOR_REQUEST
    assert not on_public_list(client, case)


def test_security_given_granted_lifts_the_restriction_order(client, walk, approver):
    case = walk.restricted()
    req = filed(file_request(client, case, RequestKind.SECURITY_GIVEN))
    assert act(approver, req, "grant", reasons="A bank guarantee covers the whole debt.").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    order = RestrictionOrder.objects.get(case=case)
    assert order.status == RestrictionOrder.Status.LIFTED
    assert order.lift_reason == LiftReason.SECURITY_GIVEN


@pytest.mark.parametrize("from_state", [CaseState.DEFAULTED, CaseState.RESTRICTED])
def test_security_given_on_a_ground_1_listing_ends_it_as_removed_not_revoked_and_lifts_the_restriction(
    client, walk, approver, from_state
):
    case = walk.listed(grounds=(1,), from_state=from_state)
    assert on_public_list(client, case)
    req = filed(file_request(client, case, RequestKind.SECURITY_GIVEN))
    response = act(approver, req, "grant", reasons="A bank guarantee covers the whole debt.")
    assert response.status_code == 302, response.content.decode()[:3000]

    case.refresh_from_db()
    req.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    decision = ListingDecision.objects.get(case=case)
    assert decision.status == ListingDecision.Status.REMOVED  # not "revoked (listed in error)"
    assert "full security" in decision.end_reason
    order = RestrictionOrder.objects.get(case=case)
    assert (order.status, order.lift_reason) == (RestrictionOrder.Status.LIFTED, LiftReason.SECURITY_GIVEN)
    assert not on_public_list(client, case)
    assert "the listing on this case was ended and the restriction lifted" in req.effect_summary
    actions = list(AuditEntry.objects.filter(case=case).order_by("id").values_list("action", flat=True))
    # Security is recorded on the case, which ends the ground-(1) listing (delisted, never written as an expiry),
    # then the order is lifted for security given.
    assert actions[actions.index("request_grant") :] == [
        "request_grant",
        "update",
        "listing_remove",
        "delist",
        "restriction_order_lift",
        "lift",
    ]
    assert "expire" not in actions
    assert AuditEntry.objects.get(case=case, action="listing_remove").actor == approver
    assert not AuditEntry.objects.filter(case=case, detail__lift_reason=LiftReason.LISTED_IN_ERROR).exists()


def test_security_given_is_refused_while_the_listing_rests_on_other_grounds_too(client, walk, approver):
    case = walk.listed(grounds=(1, 3))
    req = filed(file_request(client, case, RequestKind.SECURITY_GIVEN))
    response = act(approver, req, "grant", reasons="A bank guarantee covers the whole debt.")
    assert response.status_code == 400
    assert "Full security bars listing only on ground (1); this listing rests on ground(s) (3)" in (
        response.content.decode()
    )
    req.refresh_from_db()
    case.refresh_from_db()
    assert req.state == RequestState.SUBMITTED
    assert case.state == CaseState.LISTED
    assert ListingDecision.objects.get(case=case).status == ListingDecision.Status.IN_FORCE
    assert on_public_list(client, case)


def test_temporary_lift_granted_by_an_approver_lets_the_debtor_travel_on_those_days(client, walk, approver):
    case = walk.restricted()
    start = timezone.localdate() + datetime.timedelta(days=3)
    req = filed(
        file_request(
            client,
            case,
            RequestKind.TEMPORARY_LIFT,
            statement="母亲病重，需赴上海就医。",
            files=[upload("hospital.pdf", pdf_bytes())],
            lift_reason="illness",
            lift_categories=["air_travel"],
            lift_starts_on=start.isoformat(),
            lift_ends_on=(start + datetime.timedelta(days=6)).isoformat(),
        )
    )
    response = act(
        approver,
        req,
        "grant",
        reasons="Hospital certificate checked.",
        lift_categories=["air_travel"],
        lift_starts_on=start.isoformat(),
        lift_ends_on=(start + datetime.timedelta(days=6)).isoformat(),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    lift = TemporaryLift.objects.get(order__case=case)
    assert lift.starts_on == start
    assert lift.ends_on == start + datetime.timedelta(days=6)
    assert lift.covers(start, "air_travel")
    assert not lift.covers(start, "rail_high_speed")
    assert lift.approved_by == approver


def test_temporary_lift_longer_than_a_month_is_refused_when_filed(client, walk):
    case = walk.restricted()
    start = timezone.localdate() + datetime.timedelta(days=1)
    response = file_request(
        client,
        case,
        RequestKind.TEMPORARY_LIFT,
        lift_reason="exam",
        lift_categories=["rail_high_speed"],
        lift_starts_on=start.isoformat(),
        lift_ends_on=(start + datetime.timedelta(days=40)).isoformat(),
    )
    assert response.status_code == 400
    assert "at most 31 days" in response.content.decode()
    assert not RemovalRequest.objects.exists()


def test_a_decision_needs_reasons(client, walk, clerk, approver):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.CREDITOR_CONSENT))
    response = act(approver, req, "reject", reasons="   ")
    assert response.status_code == 400
    req.refresh_from_db()
    assert req.state == RequestState.SUBMITTED


def test_the_queue_is_ordered_by_deadline_and_scoped_to_the_users_court(client, walk, clerk, other_clerk):
    from tests.appeals.conftest import at

    with at(2026, 9, 1):
        first = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
    with at(2026, 9, 10):
        second = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
    with at(2026, 9, 20):
        page = staff_client(clerk).get(reverse("admin:appeals_removalrequest_changelist")).content.decode()
        assert page.index(first.tracking_code) < page.index(second.tracking_code)
        assert "overdue" in page  # the first one's deadline (16 September) is past
        other = staff_client(other_clerk).get(reverse("admin:appeals_removalrequest_changelist")).content.decode()
        assert first.tracking_code not in other
        response = staff_client(other_clerk).get(reverse("admin:appeals_removalrequest_change", args=[first.pk]))
        assert response.status_code == 404


def test_the_queue_puts_the_earliest_deadline_first_even_when_it_was_filed_last(
    client, walk, clerk, reviewer, approver
):
    with at(2026, 6, 1):  # Monday: the review is due in 15 days, on 16 June
        waiting = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
    with at(2026, 6, 2):
        overturned = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
        assert act(approver, overturned, "reject", reasons="No written consent attached.").status_code == 302
    with at(2026, 6, 3):
        client.get(reverse("appeals:track", args=[overturned.tracking_code]))  # the filer reads it: served
        reconsider = reverse("appeals:reconsider", args=[overturned.tracking_code])
        assert client.post(reconsider, {"statement": "同意书已附上。"}).status_code == 302
    with at(2026, 6, 4):  # Thursday: the enforcing court must carry it out within 3 working days, by 9 June
        assert act(reviewer, overturned, "overturn", reasons="The consent was on file.").status_code == 302
    with at(2026, 6, 5):
        decided = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
        assert act(approver, decided, "grant", reasons="Consent on file.").status_code == 302
        page = staff_client(clerk).get(reverse("admin:appeals_removalrequest_changelist")).content.decode()
    waiting.refresh_from_db()
    overturned.refresh_from_db()
    assert overturned.filed_at > waiting.filed_at
    assert (overturned.due_on, waiting.due_on) == (datetime.date(2026, 6, 9), datetime.date(2026, 6, 16))
    codes = [overturned.tracking_code, waiting.tracking_code, decided.tracking_code]
    assert sorted(codes, key=page.index) == codes  # by deadline; a decided request (no deadline) last


def test_evidence_is_downloaded_as_an_attachment_by_the_courts_staff_and_logged(client, walk, clerk, other_clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.PAID, files=[upload("bank.pdf", pdf_bytes())]))
    item = req.evidence.get()
    url = reverse("admin:appeals_removalrequest_evidence", args=[req.pk, item.pk])
    response = staff_client(clerk).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert AccessLogEntry.objects.filter(user=clerk, what=AccessLogEntry.What.EVIDENCE, object_id=str(item.pk)).exists()
    assert staff_client(other_clerk).get(url).status_code == 404
    assert client.get(url).status_code == 302  # the public is sent to the login page


def test_the_debtor_withdraws_a_pending_request_with_the_code_shown_once_on_the_receipt(client, walk):
    case = walk.listed()
    response = file_request(client, case, RequestKind.CREDITOR_CONSENT)
    req = filed(response)
    code = receipt_withdrawal_code(client, response)
    assert 'id="withdrawal-code"' not in client.get(response["Location"]).content.decode()  # once only
    assert code != req.tracking_code
    assert code not in req.withdrawal_code_hash  # stored hashed

    response = client.post(reverse("appeals:withdraw", args=[req.tracking_code]), {"withdrawal_code": code.lower()})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN
    assert req.due_on is None
    assert "withdrawn" in emails_for(req)


def test_a_second_identified_client_cannot_withdraw_the_debtors_request(client, walk):
    case = walk.listed()
    response = file_request(client, case, RequestKind.CREDITOR_CONSENT)
    req = filed(response)
    code = receipt_withdrawal_code(client, response)

    # The creditor knows the case number and the debtor's ID number: they get as far as the status page...
    creditor = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert identify(creditor, case).status_code == 302
    status = creditor.get(reverse("appeals:my_case")).content.decode()
    assert 'id="open-requests"' in status
    assert "Submitted" in status
    assert req.tracking_code not in status  # ...which shows the request, not its tracking code
    # ...and even with the tracking code, neither no code, a wrong one nor the tracking code withdraws it.
    withdraw = reverse("appeals:withdraw", args=[req.tracking_code])
    for data in ({}, {"withdrawal_code": "AAAA-BBBB-CCCC"}, {"withdrawal_code": req.tracking_code}):
        response = creditor.post(withdraw, data)
        assert response.status_code in (400, 403)
        assert 'id="withdraw-form"' in response.content.decode()
        req.refresh_from_db()
        assert req.state == RequestState.SUBMITTED
    assert "Only the person who filed it can withdraw it" in response.content.decode()
    assert "withdrawn" not in emails_for(req)
    # The filer's code still works.
    assert client.post(withdraw, {"withdrawal_code": code}).status_code == 302
    req.refresh_from_db()
    assert req.state == RequestState.WITHDRAWN


def test_the_withdrawal_code_is_sent_in_the_receipt_email_only(client, walk, clerk):
    case = walk.listed()
    response = file_request(client, case, RequestKind.CREDITOR_CONSENT)
    req = filed(response)
    code = receipt_withdrawal_code(client, response)
    act(clerk, req, "review")
    mails = {m.key.rsplit(":", 1)[1]: m.payload["body"] for m in OutboxMessage.objects.filter(key__contains=req.pk)}
    assert code in mails["filed"]
    assert code not in mails["review_started"]


def test_a_request_on_a_closed_case_is_refused_with_a_form_error(client, walk, clerk, approver):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.CREDITOR_CONSENT))
    assert act(approver, req, "grant", reasons="The creditor's written consent is on file.").status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    page = client.get(reverse("appeals:my_case")).content.decode()
    assert 'id="file-request"' not in page
    for kind in RequestKind.values:
        response = client.post(
            reverse("appeals:file"),
            {"kind": kind, "statement": f"{kind}: 请删除。", "contact_email": "debtor@example.com"},
        )
        assert response.status_code == 400
        assert "This case is closed (Creditor&#x27;s request)" in response.content.decode()
    assert RemovalRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        (RequestKind.WRONGLY_LISTED, "You are not on the list of dishonest judgment debtors for this case"),
        (RequestKind.SECURITY_GIVEN, "No restriction is in force on this case (it is defaulted)"),
        (RequestKind.TEMPORARY_LIFT, "No restriction is in force on this case (it is defaulted)"),
    ],
)
def test_a_kind_that_does_not_fit_the_case_is_refused_with_a_form_error(client, walk, kind, message):
    case = walk.defaulted()
    start = timezone.localdate() + datetime.timedelta(days=1)
    response = file_request(
        client,
        case,
        kind,
        lift_reason="exam",
        lift_categories=["rail_high_speed"],
        lift_starts_on=start.isoformat(),
        lift_ends_on=start.isoformat(),
    )
    assert response.status_code == 400
    kind_error = re.search(r'class="field field-kind">.*?role="alert">([^<]*)<', response.content.decode(), re.S)
    assert message in kind_error.group(1)
    assert not RemovalRequest.objects.exists()


def test_the_request_page_in_the_admin_shows_the_evidence_and_only_the_actions_the_user_may_take(
    client, walk, clerk, approver, superuser
):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.WRONGLY_LISTED, files=[upload("judgment.pdf", pdf_bytes())]))
    url = reverse("admin:appeals_removalrequest_change", args=[req.pk])
    as_clerk = staff_client(clerk).get(url).content.decode()
    assert "judgment.pdf" in as_clerk
    assert 'id="action-review"' in as_clerk
    assert 'id="action-grant"' not in as_clerk  # an approver decides this kind
    as_approver = staff_client(approver).get(url).content.decode()
    assert 'id="action-grant"' in as_approver
    assert 'id="action-reject"' in as_approver
    assert staff_client(superuser).get(reverse("admin:appeals_removalrequest_changelist")).status_code == 200
    form = staff_client(approver).get(reverse("admin:appeals_removalrequest_action", args=[req.pk, "grant"]))
    assert form.status_code == 200
    assert req.statement in form.content.decode()
