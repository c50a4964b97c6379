"""What the request's pages say: the court's header (what happens next, who acts, why a decision is missing), the
queue's decision buttons, and the debtor's page after a rejection."""

import datetime

import pytest
from django.urls import reverse

from appeals.models import RequestKind
from enforcement.tasks import outbox_relay
from tests.appeals.conftest import act, at, file_request, filed, identify, staff_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_request_page_says_who_decides_and_why_another_member_cannot(client, walk, clerk, approver):
    with at(2026, 6, 1):
        req = filed(file_request(client, walk.listed(), RequestKind.WRONGLY_LISTED))
        act(clerk, req, "review")
        page = staff_client(clerk).get(reverse("admin:appeals_removalrequest_change", args=[req.pk])).text
    assert "Decide the request (grant or reject, with reasons) by 2026-06-" in page
    assert "Who acts: an approver of the court." in page
    # The clerk may not decide this kind: the refusal the service raises says why.
    assert 'id="missing-actions"' in page
    assert "This kind of request is decided by a member of" in page
    assert 'id="action-grant"' not in page


def test_the_queue_carries_the_decisions_open_to_this_user(client, walk, clerk, approver):
    with at(2026, 6, 1):
        req = filed(file_request(client, walk.listed(), RequestKind.WRONGLY_LISTED))
        act(clerk, req, "review")
        queue = reverse("admin:appeals_removalrequest_changelist")
        for_approver = staff_client(approver).get(queue).text
        for_clerk = staff_client(clerk).get(queue).text
    grant = reverse("admin:appeals_removalrequest_action", args=[req.pk, "grant"])
    assert f'href="{grant}"' in for_approver
    assert f'href="{grant}"' not in for_clerk


def test_after_a_rejection_the_debtors_page_shows_the_reasons_and_the_last_day(client, walk, clerk):
    with at(2026, 6, 1):
        case = walk.listed()
        req = filed(file_request(client, case, RequestKind.WRONGLY_LISTED))
        act(clerk, req, "review")
        approver = UserFactory(username="approver-r", roles=[(req.court, "approver")])
        act(approver, req, "reject", reasons="The ID number on the judgment is yours.")
        outbox_relay()  # the e-mail that carries the rejection serves it: the window runs from then
    req.refresh_from_db()
    assert req.window_closes_on == datetime.date(2026, 6, 11)
    with at(2026, 6, 5):
        identify(client, case)
        page = client.get(reverse("appeals:my_case")).content.decode()
    assert 'id="rejection-1"' in page
    assert "The ID number on the judgment is yours." in page
    assert "2026-06-11" in page
    assert req.tracking_code not in page  # anyone who can identify the case sees this page
    with at(2026, 6, 12):  # the window has closed
        page = client.get(reverse("appeals:my_case")).content.decode()
    assert 'id="rejection-1"' not in page


def test_the_request_form_shows_every_error_at_once_and_names_the_chosen_file(client, walk):
    from tests.appeals.conftest import upload

    case = walk.listed()
    identify(client, case)
    response = client.post(
        reverse("appeals:file"),
        {"kind": "", "statement": "", "evidence": [upload("receipt.pdf", b"not a pdf at all")]},
    )
    page = response.content.decode()
    assert response.status_code == 400
    summary = page.split('id="error-summary"')[1].split("</ul>")[0]
    assert summary.count("<li>") >= 3  # the kind, the statement and the file, together
    assert "receipt.pdf" in page.split('id="choose-again"')[1]
