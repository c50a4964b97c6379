import datetime

import pytest
from django.utils import timezone

from enforcement.errors import Forbidden, InvalidInput
from listings.models import RestrictionOrder
from listings.services import temporary_lift_grant

pytestmark = pytest.mark.django_db


def grant(walk, order, actor=None, **kwargs):
    today = timezone.localdate()
    data = {"categories": ["air_travel"], "starts_on": today, "ends_on": today + datetime.timedelta(days=6),
            "reason": "funeral"} | kwargs  # fmt: skip
    return temporary_lift_grant(actor=actor or walk.approver, order_id=order.pk, **data)


def test_an_approver_grants_a_temporary_travel_lift(walk):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    lift = grant(walk, order, note="母亲病逝")
    assert lift.covers(timezone.localdate(), "air_travel")
    assert not lift.covers(timezone.localdate(), "rail_high_speed")
    assert order.case.audit_entries.filter(action="temporary_lift_grant").exists()


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"ends_on": timezone.localdate() + datetime.timedelta(days=31)}, "at most 31 days"),
        ({"categories": ["star_hotel"]}, "Only travel categories"),
        ({"reason": "holiday"}, "Choose the reason"),
        ({"starts_on": timezone.localdate() - datetime.timedelta(days=1)}, "cannot start in the past"),
    ],
)
def test_bad_temporary_lifts_are_refused(walk, change, says):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    with pytest.raises(InvalidInput, match=says):
        grant(walk, order, **change)


def test_a_clerk_cannot_grant_a_temporary_lift(walk):
    order = RestrictionOrder.objects.get(case=walk.restricted())
    with pytest.raises(Forbidden):
        grant(walk, order, actor=walk.clerk)
