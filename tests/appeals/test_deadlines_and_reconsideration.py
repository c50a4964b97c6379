"""Deadlines in the PRC calendar (frozen time), the 10-day reconsideration window, who decides a reconsideration,
the e-mails at each step, and every illegal transition refused."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from appeals import services
from appeals.models import RequestKind, RequestState
from enforcement.errors import Conflict, Forbidden, RuleViolation
from enforcement.models import AuditEntry, CaseState, OutboxMessage
from enforcement.rules import ClosingReason
from enforcement.tasks import outbox_relay
from tests.appeals.conftest import act, at, file_request, filed, receipt_withdrawal_code

pytestmark = pytest.mark.django_db


def test_review_deadline_of_15_days_ending_on_national_day_moves_to_the_next_working_day(client, walk):
    with at(2026, 9, 16):  # a Wednesday; 15 days later is 1 October, National Day
        req = filed(file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT))
    assert req.due_on == datetime.date(2026, 10, 8)  # 1-7 October are holidays
    with at(2026, 9, 17):
        page = client.get(reverse("appeals:track", args=[req.tracking_code])).content.decode()
    assert "2026-10-08" in page


def test_an_overturned_request_is_carried_out_within_3_working_days_counted_across_the_holiday(
    client, walk, clerk, reviewer, approver
):
    with at(2026, 9, 14):
        case = walk.listed()
        req = filed(file_request(client, case, RequestKind.CREDITOR_CONSENT))
        act(approver, req, "reject", reasons="No written consent was attached.")
    with at(2026, 9, 18):
        client.get(reverse("appeals:track", args=[req.tracking_code]))  # the filer reads the rejection: served
        response = client.post(reverse("appeals:reconsider", args=[req.tracking_code]), {"statement": "同意书已附上。"})
        assert response.status_code == 302
    with at(2026, 9, 30):  # the Wednesday before National Day
        assert act(reviewer, req, "overturn", reasons="The creditor's consent was on file.").status_code == 302
    req.refresh_from_db()
    # 8 and 9 October are working days, and Saturday 10 October is a make-up working day.
    assert req.state == RequestState.OVERTURNED
    assert req.due_on == datetime.date(2026, 10, 10)
    with at(2026, 10, 9):
        assert act(approver, req, "carry_out", reasons="Carried out as the higher court ordered.").status_code == 302
    req.refresh_from_db()
    case.refresh_from_db()
    assert req.effect_done_at is not None
    assert req.due_on is None
    assert case.state == CaseState.CLOSED
    assert case.closed_reason == ClosingReason.CREDITOR_REQUEST


@pytest.fixture
def rejected(client, walk, clerk):
    with at(2026, 6, 1):  # a Monday: the rejection is e-mailed today, the window closes on Thursday 11 June
        req = filed(file_request(client, walk.listed(), RequestKind.WRONGLY_LISTED))
        assert act(clerk, req, "review").status_code == 302
    with at(2026, 6, 1, 15):
        from tests.factories import UserFactory

        approver = UserFactory(username="approver-r", roles=[(req.court, "approver")])
        assert act(approver, req, "reject", reasons="The ID number on the judgment is yours.").status_code == 302
        req.refresh_from_db()
        assert (req.rejection_served_on, req.window_closes_on) == (None, None)  # decided, not yet served
        outbox_relay()  # the e-mails leave; the one that carries the rejection serves it
    req.refresh_from_db()
    assert req.rejection_served_on == datetime.date(2026, 6, 1)
    return req


def test_the_reconsideration_window_runs_from_the_rejections_service_not_from_the_decision(
    client, walk, clerk, approver
):
    with at(2026, 6, 1):
        req = filed(
            file_request(
                client, walk.listed(), RequestKind.CREDITOR_CONSENT, contact_email="", contact_phone="13800138000"
            )
        )
        act(approver, req, "reject", reasons="No written consent attached.")
    req.refresh_from_db()
    assert (req.state, req.rejection_served_on, req.window_closes_on) == (RequestState.REJECTED, None, None)
    with at(2026, 6, 20):  # no e-mail to serve it by: the filer reads it on the tracking page 19 days later
        page = client.get(reverse("appeals:track", args=[req.tracking_code])).content.decode()
        assert 'id="ask-reconsideration"' in page
    req.refresh_from_db()
    assert req.rejection_served_on == datetime.date(2026, 6, 20)
    assert req.window_closes_on == datetime.date(2026, 6, 30)
    assert AuditEntry.objects.filter(case=req.case, action="request_served", reason="tracking_page").count() == 1


def test_the_reconsideration_window_is_open_on_day_10(client, rejected):
    assert rejected.window_closes_on == datetime.date(2026, 6, 11)
    with at(2026, 6, 11, 23):
        page = client.get(reverse("appeals:track", args=[rejected.tracking_code])).content.decode()
        assert 'id="ask-reconsideration"' in page
        response = client.post(
            reverse("appeals:reconsider", args=[rejected.tracking_code]), {"statement": "判决书上的身份证号不是我的。"}
        )
    assert response.status_code == 302
    rejected.refresh_from_db()
    assert rejected.state == RequestState.RECONSIDERATION_REQUESTED
    assert rejected.due_on == datetime.date(2026, 6, 26)  # 15 days


def test_the_reconsideration_window_is_closed_on_day_11(client, rejected):
    with at(2026, 6, 12, 9):
        page = client.get(reverse("appeals:track", args=[rejected.tracking_code])).content.decode()
        assert 'id="ask-reconsideration"' not in page
        assert 'id="window-closed"' in page
        response = client.post(
            reverse("appeals:reconsider", args=[rejected.tracking_code]), {"statement": "太晚了吗？"}
        )
    assert response.status_code == 409
    assert "window to ask for reconsideration has closed" in response.content.decode()
    rejected.refresh_from_db()
    assert rejected.state == RequestState.REJECTED


def test_only_a_reviewer_of_the_higher_court_decides_a_reconsideration(
    client, rejected, clerk, approver, lower_reviewer, reviewer, other_clerk
):
    with at(2026, 6, 5):
        services.removal_request_ask_reconsideration(tracking_code=rejected.tracking_code, statement="请复议。")
        for user in (clerk, approver, lower_reviewer):
            response = act(user, rejected, "uphold", reasons="No.")
            assert response.status_code in (302, 400)
            rejected.refresh_from_db()
            assert rejected.state == RequestState.RECONSIDERATION_REQUESTED, user
        assert act(other_clerk, rejected, "uphold", reasons="No.").status_code == 404
        with pytest.raises(Forbidden):
            services.removal_request_reconsider(actor=clerk, request_id=rejected.pk, overturn=True, reasons="x")
        assert act(reviewer, rejected, "uphold", reasons="The listing was right.").status_code == 302
    rejected.refresh_from_db()
    assert rejected.state == RequestState.UPHELD
    assert rejected.reconsidered_by == reviewer


def test_the_higher_courts_reviewer_sees_the_reconsideration_in_the_queue(client, rejected, reviewer):
    from tests.appeals.conftest import staff_client

    listing = reverse("admin:appeals_removalrequest_changelist")
    assert rejected.tracking_code not in staff_client(reviewer).get(listing).content.decode()
    with at(2026, 6, 5):
        services.removal_request_ask_reconsideration(tracking_code=rejected.tracking_code, statement="请复议。")
    assert rejected.tracking_code in staff_client(reviewer).get(listing).content.decode()


def test_illegal_transitions_are_refused(client, walk, clerk, approver, reviewer):
    case = walk.listed()
    response = file_request(client, case, RequestKind.CREDITOR_CONSENT)
    req, withdrawal_code = filed(response), receipt_withdrawal_code(client, response)
    with pytest.raises(Conflict):
        services.removal_request_reconsider(actor=reviewer, request_id=req.pk, overturn=True, reasons="x")
    with pytest.raises(Conflict):
        services.removal_request_ask_reconsideration(tracking_code=req.tracking_code, statement="x")
    with pytest.raises(Conflict):
        services.removal_request_carry_out(actor=clerk, request_id=req.pk)
    services.removal_request_grant(actor=approver, request_id=req.pk, reasons="Consent on file.")
    for attempt in (
        lambda: services.removal_request_reject(actor=approver, request_id=req.pk, reasons="x"),
        lambda: services.removal_request_start_review(actor=clerk, request_id=req.pk),
        lambda: services.removal_request_withdraw(tracking_code=req.tracking_code, withdrawal_code=withdrawal_code),
        lambda: services.removal_request_grant(actor=approver, request_id=req.pk, reasons="again"),
    ):
        with pytest.raises(Conflict):
            attempt()


def test_a_refused_effect_rolls_the_grant_back(client, walk, clerk):
    case = walk.defaulted()  # not paid: closing as paid is refused, so the grant is too
    req = filed(file_request(client, case, RequestKind.PAID))
    with pytest.raises(RuleViolation):
        services.removal_request_grant(actor=clerk, request_id=req.pk, reasons="Paid.")
    req.refresh_from_db()
    assert req.state == RequestState.SUBMITTED
    assert not OutboxMessage.objects.filter(key=f"appeals:{req.pk}:granted").exists()


def test_the_debtor_is_written_to_at_each_step_in_the_language_of_the_request(walk, clerk, reviewer, approver):
    from django.test import Client

    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    with at(2026, 6, 1):
        req = filed(file_request(chinese, walk.listed(), RequestKind.CREDITOR_CONSENT))
        assert req.language == "zh-hans"
        act(clerk, req, "review")
        act(approver, req, "reject", reasons="未附债权人同意书。")
        outbox_relay()
    with at(2026, 6, 3):
        chinese.post(reverse("appeals:reconsider", args=[req.tracking_code]), {"statement": "已补交。"})
    with at(2026, 6, 8):
        act(reviewer, req, "overturn", reasons="债权人同意书真实有效。")
        act(approver, req, "carry_out")
    mails = {
        m.key.rsplit(":", 1)[1]: m.payload for m in OutboxMessage.objects.filter(key__startswith=f"appeals:{req.pk}:")
    }
    assert set(mails) == {
        "filed",
        "review_started",
        "rejected",
        "reconsideration_requested",
        "overturned",
        "carried_out",
    }
    assert all(m["to"] == ["debtor@example.com"] for m in mails.values())
    assert "已收到" in mails["filed"]["subject"]
    assert req.tracking_code in mails["rejected"]["body"]
    assert "未附债权人同意书。" in mails["rejected"]["body"]
    assert "10" in mails["rejected"]["body"]  # the window, counted from this e-mail, which serves the decision
    req.refresh_from_db()
    assert req.rejection_served_on == datetime.date(2026, 6, 1)


def test_the_debtors_emails_leave_when_the_outbox_relay_runs(client, walk, clerk, approver):
    with at(2026, 6, 1):
        response = file_request(client, walk.listed(), RequestKind.CREDITOR_CONSENT)
        req, withdrawal_code = filed(response), receipt_withdrawal_code(client, response)
        act(clerk, req, "review")
        act(approver, req, "reject", reasons="No written consent attached.")
        assert mail.outbox == []  # written with each change; nothing is sent inside its transaction
        first, second = outbox_relay(), outbox_relay()
    assert (first["sent"], first["failed"]) == (4, 0)  # 3 e-mails, then the task that records the service
    assert (second["sent"], second["failed"]) == (0, 0)  # each sent once
    assert [m.to for m in mail.outbox] == [["debtor@example.com"]] * 3
    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        f"Your request {req.tracking_code} has been received",
        f"Your request {req.tracking_code} is under review",
        f"Your request {req.tracking_code} has been rejected",
    ]
    assert withdrawal_code in mail.outbox[0].body
    assert "No written consent attached." in mail.outbox[2].body
    assert all(message.sent_at for message in OutboxMessage.objects.filter(key__startswith=f"appeals:{req.pk}:"))
    req.refresh_from_db()
    assert req.rejection_served_on == datetime.date(2026, 6, 1)
