"""The change feed through HTTP (`GET /api/v1/changes/`), and the events the services and sweeps write."""

import datetime
import threading

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enforcement.models import CaseState, EnforcementCase
from listings import feed
from listings.models import FeedEvent, ListingDecision, RestrictionOrder
from listings.services import sweeps, temporary_lift_grant
from listings.services.endings import sanctions_end_many
from tests.factories import OrganisationFactory, ResponsiblePersonFactory
from tests.listings.api.conftest import client_with, issue_key

# On PostgreSQL the feed serves an event only once its transaction and every older one have ended, so these tests
# commit for real (the usual test transaction would hide every event until the test ended).
pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = "/api/v1/changes/"


def read_all(api, after=""):
    response = api.get(CHANGES, {"after": after} if after else {})
    assert response.status_code == 200, response.content
    return response.json()


def kinds(events):
    return [(e["event"], e["id_number"]) for e in events]


def test_a_restriction_order_publishes_one_event_per_bound_person(carrier, walk):
    organisation = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=organisation).person
    case = walk.restricted(debtor=organisation)
    order = RestrictionOrder.objects.get(case=case)
    page = read_all(carrier)
    assert kinds(page["events"]) == [
        ("restriction_ordered", organisation.id_number),
        ("restriction_ordered", representative.id_number),
    ]
    event = page["events"][0]
    assert event == {
        "event": "restriction_ordered",
        "id_number": organisation.id_number,
        "categories": ["air_travel", "rail_high_speed"],
        "court": case.court.name,
        "court_code": case.court.code,
        "case_number": case.case_number,
        "document_number": order.order_number,
        "effective_on": timezone.localdate().isoformat(),
        "ends_on": None,
        "recorded_at": event["recorded_at"],
    }
    assert page["has_more"] is False


def test_listing_payment_and_the_feed_cursor(carrier, walk):
    case = walk.listed(grounds=(2,))
    debtor = case.debtor.id_number
    first = read_all(carrier)
    assert kinds(first["events"]) == [("restriction_ordered", debtor), ("listing_published", debtor)]
    published = first["events"][1]
    decision = ListingDecision.objects.get(case=case)
    assert published["document_number"] == decision.decision_number
    assert published["ends_on"] == decision.expires_on.isoformat()
    assert read_all(carrier, first["next"])["events"] == []  # nothing new: nothing repeated
    walk.pay(case)
    second = read_all(carrier, first["next"])
    assert kinds(second["events"]) == [("listing_removed", debtor), ("restriction_lifted", debtor)]
    # The order issued with the listing covers every category; the key is told of those it may ask about.
    assert second["events"][1]["categories"] == ["air_travel", "rail_high_speed", "star_hotel"]


def test_pages_follow_each_other_without_gap_or_repeat(carrier, walk):
    for _ in range(3):
        walk.listed()
    everything = kinds(read_all(carrier)["events"])
    assert len(everything) == 6
    seen, after = [], ""
    while True:
        response = carrier.get(CHANGES, {"after": after, "limit": 4} if after else {"limit": 4})
        page = response.json()
        seen += kinds(page["events"])
        after = page["next"]
        if not page["has_more"]:
            break
    assert seen == everything


def test_revocation_and_temporary_lift_are_in_the_feed(carrier, walk):
    case = walk.restricted()
    order = RestrictionOrder.objects.get(case=case)
    today = timezone.localdate()
    temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=["air_travel"],
        starts_on=today + datetime.timedelta(days=2),
        ends_on=today + datetime.timedelta(days=5),
        reason="official_duty",
    )
    listed = walk.listed(from_state=CaseState.DEFAULTED)
    decision = ListingDecision.objects.get(case=listed)
    from listings.services import listing_revoke

    listing_revoke(actor=walk.approver, decision_id=decision.pk, reason="wrong person")
    events = read_all(carrier)["events"]
    lift = events[1]
    assert (lift["event"], lift["categories"]) == ("temporary_lift", ["air_travel"])
    assert (lift["effective_on"], lift["ends_on"]) == (
        (today + datetime.timedelta(days=2)).isoformat(),
        (today + datetime.timedelta(days=5)).isoformat(),
    )
    assert [e["event"] for e in events[2:]] == [
        "restriction_ordered",
        "listing_published",
        "listing_revoked",
        "restriction_lifted",
    ]


def test_sweeps_write_their_events_set_wise(carrier, walk):
    cases = [walk.listed(grace_months=1) for _ in range(3)]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=40)):
        with CaptureQueriesContext(connection) as captured:
            assert sweeps.publish_due() == 3
        inserts = [q for q in captured.captured_queries if "INSERT INTO listings_feedevent" in q["sql"]]
        assert len(inserts) == 1
    published = [e for e in read_all(carrier)["events"] if e["event"] == "listing_published"]
    assert sorted(e["case_number"] for e in published) == sorted(c.case_number for c in cases)


def test_expiry_sweep_writes_listing_expired(carrier, walk):
    case = walk.listed(grounds=(2,))
    expires_on = ListingDecision.objects.get(case=case).expires_on
    with time_machine.travel(datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time(3))):
        assert sweeps.expire_due() == 1
    events = read_all(carrier)["events"]
    assert kinds(events)[-1] == ("listing_expired", case.debtor.id_number)


def test_ending_many_cases_writes_their_events_in_one_statement_each(walk):
    cases = [walk.listed() for _ in range(4)]
    FeedEvent.objects.all().delete()
    # As the set-wise case path calls it: the cases already moved (closed) and locked in this transaction.
    EnforcementCase.objects.filter(pk__in=[c.pk for c in cases]).update(state="closed", closed_reason="no_assets")
    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        counts = sanctions_end_many(case_ids=[c.pk for c in cases], cause="remove", reason="closed")
    assert counts["listings_removed"] == counts["orders_lifted"] == 4
    inserts = [q for q in captured.captured_queries if "INSERT INTO listings_feedevent" in q["sql"]]
    assert len(inserts) == 2
    assert FeedEvent.objects.filter(kind="listing_removed").count() == 4
    assert FeedEvent.objects.filter(kind="restriction_lifted").count() == 4


@pytest.mark.parametrize("after", ["nonsense", "MTox1", "LTI6MA", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OjE", "%%%"])
def test_a_cursor_the_feed_did_not_give_answers_400(carrier, after):
    response = carrier.get(CHANGES, {"after": after})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten", "1.5"])
def test_a_bad_limit_answers_400(carrier, limit):
    response = carrier.get(CHANGES, {"limit": limit})
    assert response.status_code == 400
    assert "limit" in response.json()["detail"]


def test_the_feed_needs_a_key_and_obeys_its_rate(db):
    from rest_framework.test import APIClient

    assert APIClient().get(CHANGES).status_code == 401
    api = client_with(issue_key(rate="1/m")[1])
    assert [api.get(CHANGES).status_code for _ in range(2)] == [200, 429]


def test_cursors_round_trip():
    for position in [(-1, 0), (0, 1), (2**40, 7)]:
        assert feed.decode_cursor(feed.encode_cursor(position)) == position


# --- two transactions committing out of order (PostgreSQL) -----------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_event_committed_late_is_neither_skipped_nor_repeated(walk):
    """T1 writes first but commits last; a reader polling in between must not move past T1's event."""
    api = client_with(issue_key()[1])
    first_case, second_case = walk.defaulted(), walk.defaulted()
    from listings.services import restriction_order_approve, restriction_order_propose

    orders = [
        restriction_order_propose(actor=walk.clerk, case_id=c.pk, categories=["air_travel"])
        for c in (first_case, second_case)
    ]
    baseline = read_all(api)["next"]
    t1_written, t2_done, t1_may_commit = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def approve(order, before_commit=None):
        try:
            with transaction.atomic():
                restriction_order_approve(
                    actor=walk.approver,
                    order_id=order.pk,
                    order_number=f"（2026）京0101执限{order.pk}号",
                    served_on=timezone.localdate(),
                )
                if before_commit:
                    before_commit()
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    def hold():
        t1_written.set()
        assert t1_may_commit.wait(20)

    t1 = threading.Thread(target=approve, args=(orders[0], hold))
    t1.start()
    assert t1_written.wait(20)

    def second():
        approve(orders[1])
        t2_done.set()

    t2 = threading.Thread(target=second)
    t2.start()
    assert t2_done.wait(20)
    assert not errors
    # T2 has committed, T1 (older) has not: a reader sees neither yet (T2's event sorts after T1's).
    assert FeedEvent.objects.filter(case_number=second_case.case_number).exists()
    between = read_all(api, baseline)
    assert between["events"] == []
    assert between["next"] == baseline
    t1_may_commit.set()
    t1.join(20)
    assert not errors
    after = read_all(api, between["next"])
    assert [e["case_number"] for e in after["events"]] == [first_case.case_number, second_case.case_number]
    assert read_all(api, after["next"])["events"] == []


def test_a_key_sees_the_restriction_events_of_its_own_categories_only(walk):
    hotel = client_with(issue_key(organisation="Jinjiang Hotels", categories=["star_hotel"])[1])
    airline = client_with(issue_key(categories=["air_travel"])[1])
    restricted = walk.restricted()  # an order for air travel and high-speed rail
    listed = walk.listed()
    hotel_events = read_all(hotel)["events"]
    # Not the air-and-rail order; the order that came with the listing covers every category, hotels included.
    assert kinds(hotel_events) == [
        ("restriction_ordered", listed.debtor.id_number),
        ("listing_published", listed.debtor.id_number),
    ]
    assert hotel_events[0]["categories"] == ["star_hotel"]
    airline_events = read_all(airline)["events"]
    ordered = [e for e in airline_events if e["event"] == "restriction_ordered"]
    assert {e["id_number"] for e in ordered} == {restricted.debtor.id_number, listed.debtor.id_number}
    assert all(e["categories"] == ["air_travel"] for e in ordered)  # not the rail category it may not ask about
