"""Carrier restriction checks through HTTP: `POST /api/v1/checks/` and `/api/v1/checks/batch/`."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from enforcement import services
from enforcement.identity import resident_id_check_char
from listings.checks import id_number_hmac
from listings.models import CarrierCheck, CarrierKey, RestrictionOrder
from listings.services import temporary_lift_grant
from tests.enforcement.api.conftest import token_client
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory
from tests.listings.api.conftest import client_with, issue_key

pytestmark = pytest.mark.django_db

CHECK = "/api/v1/checks/"
BATCH = "/api/v1/checks/batch/"


def check(api, id_number, category="air_travel"):
    return api.post(CHECK, {"id_number": id_number, "category": category}, format="json")


def test_a_restricted_debtor_is_restricted_and_told_only_the_order_references(carrier, walk):
    case = walk.restricted()
    order = RestrictionOrder.objects.get(case=case)
    response = check(carrier, case.debtor.id_number)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"restricted", "category", "orders", "checked_at"}
    assert body["restricted"] is True
    assert body["category"] == "air_travel"
    assert body["orders"] == [
        {"court": case.court.name, "case_number": case.case_number, "order_number": order.order_number}
    ]
    for private in (str(case.amount_due), case.creditor.name, case.debtor.name, case.debtor.address):
        assert private not in response.content.decode()


def test_a_person_without_orders_is_not_restricted(carrier):
    response = check(carrier, PersonFactory.build().id_number)
    assert response.status_code == 200
    assert response.json()["restricted"] is False
    assert response.json()["orders"] == []


def test_a_category_the_order_does_not_cover_is_not_restricted(carrier, walk):
    case = walk.restricted()  # air travel and high-speed rail only
    assert check(carrier, case.debtor.id_number, "star_hotel").json()["restricted"] is False


def test_the_number_may_be_typed_with_spaces_and_a_small_x(carrier, walk):
    walk.restricted(debtor=PersonFactory(id_number="11010119900307109X", birth=datetime.date(1990, 3, 7)))
    assert check(carrier, "110101 19900307 109x").json()["restricted"] is True


def test_a_responsible_person_of_a_restricted_organisation_is_restricted(carrier, walk):
    organisation = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=organisation)
    case = walk.restricted(debtor=organisation)
    for number in (representative.person.id_number, organisation.id_number):
        body = check(carrier, number).json()
        assert body["restricted"] is True, number
        assert body["orders"][0]["case_number"] == case.case_number


# On PostgreSQL the feed serves an event once its transaction has committed: these commit for real.
@pytest.mark.django_db(transaction=True)
def test_a_responsible_person_named_after_the_order_is_restricted_and_in_the_feed(carrier, walk, clerk):
    organisation = OrganisationFactory()
    case = walk.restricted(debtor=organisation)
    newcomer = PersonFactory()
    assert check(carrier, newcomer.id_number).json()["restricted"] is False
    cursor = carrier.get("/api/v1/changes/").json()["next"]
    court_system = token_client(clerk)
    response = court_system.post(
        f"/api/v1/parties/{organisation.pk}/responsible-persons/",
        {"person": newcomer.pk, "role": "legal_representative"},
    )
    assert response.status_code == 201, response.content
    body = check(carrier, newcomer.id_number).json()
    assert body["restricted"] is True
    assert body["orders"][0]["case_number"] == case.case_number
    events = carrier.get("/api/v1/changes/", {"after": cursor}).json()["events"]
    assert [(e["event"], e["id_number"]) for e in events] == [("restriction_ordered", newcomer.id_number)]
    audit = court_system.get(f"/api/v1/cases/{case.pk}/audit/").json()
    assert audit[-1]["action"] == "bind_responsible_person"


# On PostgreSQL the feed serves an event once its transaction has committed: these commit for real.
@pytest.mark.django_db(transaction=True)
def test_a_corrected_id_number_moves_the_restriction_to_the_new_number(carrier, walk, clerk):
    case = walk.listed()
    old_number = case.debtor.id_number
    # A typo in the sequence digits: the same birth date and sex, another person's number.
    body = old_number[:14] + ("01" if old_number[14:16] != "01" else "02") + old_number[16]
    new_number = body + resident_id_check_char(body)
    cursor = carrier.get("/api/v1/changes/").json()["next"]
    services.party_update(actor=clerk, party_id=case.debtor_id, id_number=new_number)  # as the admin's form does
    assert check(carrier, old_number).json()["restricted"] is False
    assert check(carrier, new_number).json()["restricted"] is True
    events = carrier.get("/api/v1/changes/", {"after": cursor}).json()["events"]
    assert [(e["event"], e["id_number"]) for e in events] == [
        ("restriction_lifted", old_number),
        ("restriction_ordered", new_number),
        ("listing_removed", old_number),
        ("listing_published", new_number),
    ]


def test_a_temporary_lift_covering_today_answers_not_restricted_in_its_category_only(carrier, walk):
    case = walk.restricted()
    order = RestrictionOrder.objects.get(case=case)
    today = timezone.localdate()
    temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=["air_travel"],
        starts_on=today,
        ends_on=today + datetime.timedelta(days=3),
        reason="funeral",
    )
    assert check(carrier, case.debtor.id_number, "air_travel").json()["restricted"] is False
    assert check(carrier, case.debtor.id_number, "rail_high_speed").json()["restricted"] is True


def test_a_temporary_lift_starting_tomorrow_does_not_lift_today(carrier, walk):
    case = walk.restricted()
    order = RestrictionOrder.objects.get(case=case)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    temporary_lift_grant(
        actor=walk.approver,
        order_id=order.pk,
        categories=["air_travel"],
        starts_on=tomorrow,
        ends_on=tomorrow,
        reason="exam",
    )
    assert check(carrier, case.debtor.id_number).json()["restricted"] is True


def test_paying_in_full_ends_the_restriction(carrier, walk):
    case = walk.listed()
    assert check(carrier, case.debtor.id_number).json()["restricted"] is True
    walk.pay(case)
    assert check(carrier, case.debtor.id_number).json()["restricted"] is False


def test_every_check_is_recorded_with_a_hash_of_the_number_not_the_number(carrier, carrier_key, walk):
    case = walk.restricted()
    check(carrier, case.debtor.id_number)
    check(carrier, case.debtor.id_number, "star_hotel")
    rows = list(CarrierCheck.objects.order_by("id").values("key_id", "category", "id_number_hmac", "restricted"))
    assert rows == [
        {
            "key_id": carrier_key[0].prefix,
            "category": "air_travel",
            "id_number_hmac": id_number_hmac(case.debtor.id_number),
            "restricted": True,
        },
        {
            "key_id": carrier_key[0].prefix,
            "category": "star_hotel",
            "id_number_hmac": id_number_hmac(case.debtor.id_number),
            "restricted": False,
        },
    ]
    assert case.debtor.id_number not in str(rows)


def test_no_key_answers_401(db):
    response = check(APIClient(HTTP_ACCEPT_LANGUAGE="en"), "11010119900307109X")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert "detail" in response.json()


def test_a_wrong_key_answers_401(carrier_key):
    prefix = carrier_key[0].prefix
    for key in (f"{prefix}.not-the-secret", "nonsense", ""):
        assert check(client_with(key), "11010119900307109X").status_code == 401, key


def test_a_revoked_key_answers_401(carrier, carrier_key):
    key = carrier_key[0]
    key.revoked = True
    key.save()
    response = check(carrier, "11010119900307109X")
    assert response.status_code == 401
    assert "revoked" in response.json()["detail"]


def test_a_key_revoked_by_another_process_is_refused_within_the_key_memory(carrier, carrier_key, time_machine):
    time_machine.move_to(timezone.now())
    assert check(carrier, "11010119900307109X").status_code == 200  # verified, and remembered
    CarrierKey.objects.filter(pk=carrier_key[0].pk).update(revoked=True)  # no save() here: another process's
    assert check(carrier, "11010119900307109X").status_code == 200
    time_machine.shift(datetime.timedelta(seconds=settings.CARRIER_KEY_CACHE_SECONDS + 1))
    assert check(carrier, "11010119900307109X").status_code == 401


def test_an_expired_key_answers_401(carrier, carrier_key):
    key = carrier_key[0]
    key.expiry_date = timezone.now() - datetime.timedelta(minutes=1)
    key.save()
    assert check(carrier, "11010119900307109X").status_code == 401


def test_a_category_the_key_may_not_ask_about_answers_403(carrier):
    response = check(carrier, "11010119900307109X", "real_estate")
    assert response.status_code == 403
    assert "may not ask about real_estate" in response.json()["detail"]
    assert not CarrierCheck.objects.exists()
    batch = carrier.post(BATCH, {"category": "real_estate", "id_numbers": ["11010119900307109X"]}, format="json")
    assert batch.status_code == 403


@pytest.mark.parametrize(
    ("payload", "field", "says"),
    [
        ({"id_number": "110101199003071091", "category": "air_travel"}, "id_number", "check character"),
        ({"id_number": "1101011990", "category": "air_travel"}, None, None),  # a short passport-like number is fine
        ({"id_number": "91350100M000100Y4I", "category": "air_travel"}, "id_number", "no I, O"),
        ({"id_number": "李四", "category": "air_travel"}, "id_number", "letters and digits"),
        ({"id_number": "11010119900307109X", "category": "spaceflight"}, "category", "not a valid choice"),
        ({"category": "air_travel"}, "id_number", "required"),
    ],
)
def test_bad_input_answers_400_naming_the_field(carrier, payload, field, says):
    response = carrier.post(CHECK, payload, format="json")
    if field is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert says in " ".join(response.json()[field])


def test_the_key_rate_limit_answers_429_with_retry_after(db, walk):
    _key, secret = issue_key(rate="2/m")
    api = client_with(secret)
    assert [check(api, "11010119900307109X").status_code for _ in range(3)] == [200, 200, 429]
    limited = check(api, "11010119900307109X")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "throttled" in limited.json()["detail"]
    # another key has its own count
    assert check(client_with(issue_key(name="other")[1]), "11010119900307109X").status_code == 200


def test_the_default_rate_comes_from_the_setting(db, settings):
    settings.CARRIER_API_RATE = "1/h"
    api = client_with(issue_key()[1])
    assert [check(api, "11010119900307109X").status_code for _ in range(2)] == [200, 429]


# --- batches ------------------------------------------------------------------------------------------------------


def test_a_batch_answers_each_number_in_order_including_duplicates_and_bad_numbers(carrier, walk):
    restricted = walk.restricted().debtor.id_number
    free = PersonFactory().id_number
    numbers = [free, restricted, "110101199003071091", restricted, free]
    response = carrier.post(BATCH, {"category": "rail_high_speed", "id_numbers": numbers}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["category"] == "rail_high_speed"
    results = body["results"]
    assert [r["id_number"] for r in results] == numbers
    assert [r["restricted"] for r in results] == [False, True, None, True, False]
    assert "check character" in results[2]["error"]
    assert "error" not in results[0]
    assert results[1]["orders"] == results[3]["orders"] != []
    assert CarrierCheck.objects.count() == 5
    assert list(CarrierCheck.objects.order_by("id").values_list("restricted", flat=True)) == [
        False,
        True,
        None,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("numbers", "says"),
    [
        ([], "at least one"),
        (["11010119900307109X"] * 1001, "at most 1,000 ID numbers; this one has 1,001"),
        ("11010119900307109X", "as a list of strings"),
        (["11010119900307109X", 11010119900307109], "Item 1 is not a string"),
    ],
)
def test_an_empty_oversized_or_malformed_batch_answers_400(carrier, numbers, says):
    response = carrier.post(BATCH, {"category": "air_travel", "id_numbers": numbers}, format="json")
    assert response.status_code == 400
    assert says in response.json()["id_numbers"][0]
    assert not CarrierCheck.objects.exists()


def test_a_batch_of_1000_is_accepted(carrier, walk):
    restricted = walk.restricted().debtor.id_number
    numbers = [PersonFactory.build().id_number for _ in range(999)] + [restricted]
    response = carrier.post(BATCH, {"category": "air_travel", "id_numbers": numbers}, format="json")
    assert response.status_code == 200
    assert [r["restricted"] for r in response.json()["results"]] == [False] * 999 + [True]
    assert CarrierCheck.objects.count() == 1000


def test_a_batch_costs_the_same_queries_whatever_its_size(carrier, walk):
    numbers = [walk.restricted().debtor.id_number for _ in range(3)] + [PersonFactory().id_number]

    def queries(batch):
        with CaptureQueriesContext(connection) as captured:
            response = carrier.post(BATCH, {"category": "air_travel", "id_numbers": batch}, format="json")
        assert response.status_code == 200
        # inside the test's transaction the log's atomic block is a savepoint; in production it is BEGIN/COMMIT
        return [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]

    first = queries(numbers[:1])
    one, many = queries(numbers[:1]), queries(numbers * 250)
    assert len(one) == len(many)
    # the answer with its record: one statement on PostgreSQL, an answer and an INSERT elsewhere; the key was
    # looked up by the first request only (this process remembers it for CARRIER_KEY_CACHE_SECONDS)
    assert len(many) == (1 if connection.vendor == "postgresql" else 2), many
    assert len(first) == len(many) + 1
    assert sum("INSERT INTO listings_carriercheck" in sql for sql in many) == 1


def test_a_single_check_is_one_query_for_the_answer(carrier, walk):
    number = walk.restricted().debtor.id_number
    with CaptureQueriesContext(connection) as captured:
        assert check(carrier, number).json()["restricted"] is True
    queries = [q["sql"] for q in captured.captured_queries]
    assert len(queries) == (2 if connection.vendor == "postgresql" else 3)  # the key, then the answer (+ record)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_record_commits_without_waiting_for_the_disk_and_nothing_else_does(walk):
    number = walk.restricted().debtor.id_number
    api = client_with(issue_key()[1])
    with CaptureQueriesContext(connection) as captured:
        assert check(api, number).json()["restricted"] is True
    [answer] = [q["sql"] for q in captured.captured_queries if "listings_carriercheck" in q["sql"]]
    assert "set_config('synchronous_commit', 'off', true)" in answer
    assert CarrierCheck.objects.get().restricted is True
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # the setting lasted only as long as the check's own transaction


def test_a_well_formed_check_with_a_remembered_key_is_answered_as_the_view_answers_it(carrier, walk, monkeypatch):
    from listings.api import carriers

    number = walk.restricted().debtor.id_number
    by_view = check(carrier, number)  # the key is looked up and verified by CheckView, then remembered

    def no_view(request):
        raise AssertionError("the well-formed check went to CheckView")

    monkeypatch.setattr(carriers, "_check_view", no_view)
    fast = check(carrier, number)
    assert fast.status_code == by_view.status_code == 200
    first, second = by_view.json(), fast.json()
    assert first.pop("checked_at")[:10] == second.pop("checked_at")[:10]
    assert first == second
    assert first["restricted"] is True
    for header in ("Content-Type", "Allow", "Vary"):
        assert fast[header] == by_view[header], header
    assert CarrierCheck.objects.count() == 2  # both recorded


@pytest.mark.parametrize(
    "payload",
    [{"id_number": "110101199003071"}, {"id_number": "11010119900307109X", "category": "star_hotel"}, [], "x"],
)
def test_what_the_fast_path_cannot_answer_goes_to_the_view_and_its_errors(carrier, carrier_key, payload):
    from listings.models import CarrierKey as Key

    Key.objects.filter(pk=carrier_key[0].pk).update(categories=["air_travel"])
    assert check(carrier, "11010119900307109X").status_code == 200  # remembered, with its one category
    response = carrier.post("/api/v1/checks/", payload, format="json")
    assert response.status_code in (400, 403)
    assert response.json()  # DRF's error body, naming what to fix


@pytest.mark.postgres
def test_a_single_check_keeps_one_generic_plan_instead_of_being_planned_each_time(carrier, walk):
    # psycopg prepares the statement after 5 runs; PostgreSQL plans its first 5 runs each, then keeps a generic plan
    # only if it estimates it no worse than those (the set-shaped statement was planned anew on every check).
    case = walk.restricted()
    for _ in range(20):
        assert check(carrier, case.debtor.id_number).json()["restricted"] is True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%restrictionindexentry%INSERT INTO%carriercheck%"],
        )
        [(generic, custom)] = cursor.fetchall()
    assert (generic, custom) == (10, 5)
    assert CarrierCheck.objects.filter(restricted=True).count() == 20
