"""The staff start page: each count is the database's, for the user's courts only, and its link lists exactly it."""

import re

import pytest
from django.utils import timezone

from enforcement.models import OutboxMessage
from listings import services as listing_services
from listings.models import ListingDecision, RestrictionOrder
from tests.conftest import Walk
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


def counts(client) -> dict[str, int]:
    page = client.get("/admin/").content.decode()
    return {key: int(n) for key, n in re.findall(r'id="work-([a-z-]+)"[^>]*>.*?data-count="(\d+)"', page, re.S)}


def linked_rows(client, key: str) -> int:
    page = client.get("/admin/").content.decode()
    url = re.search(rf'id="work-{key}-title"><a href="([^"]+)"', page).group(1).replace("&amp;", "&")
    listing = client.get(url).content.decode()
    return listing.count('<th class="field-')  # the first cell of each row of the result list


def test_an_approver_counts_the_decisions_of_their_court_to_sign_not_their_own_nor_another_courts(
    client, walk, approver, other_clerk, other_approver
):
    listing = walk.defaulted()
    listing_services.listing_propose(actor=walk.clerk, case_id=listing.pk, grounds=[2], facts="拒不履行")
    order = walk.defaulted()
    listing_services.restriction_order_propose(actor=walk.clerk, case_id=order.pk, categories=["air_travel"])
    elsewhere = Walk(other_clerk, other_approver).defaulted()  # another court's proposal: not this approver's
    listing_services.listing_propose(actor=other_clerk, case_id=elsewhere.pk, grounds=[2], facts="拒不履行")
    client.force_login(approver)

    found = counts(client)

    assert ListingDecision.objects.filter(status="proposed").count() == 2
    assert (
        found["sign-listingdecision"] == ListingDecision.objects.filter(status="proposed", court=listing.court).count()
    )
    assert found["sign-listingdecision"] == 1
    # The order proposed with the listing is signed with it: only the order on its own waits for a signature.
    assert RestrictionOrder.objects.filter(status="proposed", case__court=listing.court).count() == 2
    assert found["sign-restrictionorder"] == 1
    assert linked_rows(client, "sign-listingdecision") == 1
    assert linked_rows(client, "sign-restrictionorder") == 1


def test_a_clerk_counts_the_cases_whose_payment_period_is_over_in_their_courts(client, walk, clerk, other_court):
    over = CaseFactory(court=walk.clerk.court_roles.first().court)
    walk.notice(over, served_on=timezone.localdate() - timezone.timedelta(days=30))
    CaseFactory(court=other_court)  # no notice, other court: not counted
    client.force_login(clerk)

    assert counts(client)["payment-period-over"] == 1
    assert linked_rows(client, "payment-period-over") == 1


def test_only_a_superuser_sees_the_messages_given_up(client, clerk, superuser):
    OutboxMessage.objects.create(
        kind="email", payload={"to": ["a@example.org"]}, due_at=timezone.now(), failed_at=timezone.now()
    )
    client.force_login(clerk)
    assert "failed-messages" not in counts(client)
    client.force_login(superuser)
    assert counts(client)["failed-messages"] == 1
