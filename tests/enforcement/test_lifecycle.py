"""A case's whole life through the services, and what each step leaves behind."""

from decimal import Decimal

import pytest

from enforcement.models import AuditEntry, CaseState
from listings.models import ListingDecision, RestrictionOrder

pytestmark = pytest.mark.django_db


def test_payment_in_full_of_a_listed_case_removes_the_listing_lifts_the_order_and_closes_it(
    walk, django_capture_on_commit_callbacks
):
    case = walk.listed()
    decision = ListingDecision.objects.get(case=case)
    order = RestrictionOrder.objects.get(case=case)
    assert (case.state, decision.status, order.status) == (CaseState.LISTED, "in_force", "in_force")
    assert decision.published_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        _payment, created = walk.pay(case)

    case.refresh_from_db()
    decision.refresh_from_db()
    order.refresh_from_db()
    assert created
    assert case.state == CaseState.CLOSED
    assert case.closed_reason == "paid_in_full"
    assert case.balance == Decimal("0.00")
    assert decision.status == "removed"
    assert order.status == "lifted"
    assert order.lift_reason == "paid_in_full"
    trail = list(AuditEntry.objects.filter(case=case).values_list("action", "from_state", "to_state", "actor_name"))
    assert trail[-5:] == [
        ("payment_record", "", "", "书记员 (clerk)"),
        ("pay_in_full", "listed", "paid", "书记员 (clerk)"),
        ("listing_remove", "in_force", "removed", "书记员 (clerk)"),
        ("restriction_order_lift", "in_force", "lifted", "书记员 (clerk)"),
        ("remove", "paid", "closed", "system"),
    ]
