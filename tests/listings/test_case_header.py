"""The case page's header says what happens next and who acts: a proposed listing waits for an approver's
signature; a signed one with a grace period is published when it ends; a judgment waits for the notice."""

import html

import pytest
from django.test import Client

from listings import services as listing_services
from listings.models import ListingDecision

pytestmark = pytest.mark.django_db


def header(user, case) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/").content.decode()
    return html.unescape(page.split('id="next-step"')[1].split("</div>")[0])


def test_a_proposed_listing_waits_for_an_approvers_signature(walk, clerk):
    case = walk.defaulted()
    listing_services.listing_propose(actor=clerk, case_id=case.pk, grounds=[2], facts="拒不履行")
    text = header(clerk, case)
    assert "awaiting an approver's signature" in text
    assert "Who acts: an approver of the court." in text
    assert "propose a restriction order or a listing" not in text  # proposed already: the suggestion goes


def test_a_listing_in_its_grace_period_says_when_it_is_published(walk, clerk):
    case = walk.listed(grace_months=2)
    publish_on = ListingDecision.objects.get(case=case).publish_on
    text = header(clerk, case)
    assert f"Grace period ends {publish_on.isoformat()}" in text
    assert "Who acts: the system (nightly run)." in text


def test_a_judgment_without_a_notice_waits_for_the_clerk(walk, clerk, approver):
    case = walk.case()
    assert "Serve the enforcement notice" in header(clerk, case)
    # The approver is told why declaring default is not theirs to do, in the service's own words.
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(approver)
    page = client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/").content.decode()
    missing = page.split('id="missing-actions"')[1].split("</ul>")[0]
    assert "Declare default" in missing
    assert "You do not have a role in" in missing


def test_the_proposer_is_told_why_they_cannot_sign_their_own_listing(walk, clerk, court):
    from tests.factories import UserFactory

    both = UserFactory(username="clerk-approver", roles=[(court, "clerk"), (court, "approver")])
    case = walk.defaulted()
    listing_services.listing_propose(actor=both, case_id=case.pk, grounds=[2], facts="拒不履行")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(both)
    page = html.unescape(client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/").content.decode())
    missing = page.split('id="missing-actions"')[1].split("</ul>")[0]
    assert "Sign the listing decision" in missing
