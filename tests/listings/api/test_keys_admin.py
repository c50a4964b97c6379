"""Carrier keys are issued and revoked by a superuser in the admin; the key is shown once."""

import re

import pytest
from django.test import Client

from listings.models import CarrierKey
from tests.listings.api.conftest import client_with

pytestmark = pytest.mark.django_db


def admin_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_superuser_creates_a_key_sees_it_once_and_revokes_it(superuser):
    admin = admin_client(superuser)
    response = admin.post(
        "/admin/listings/carrierkey/add/",
        {
            "name": "ticketing",
            "organisation": "China Railway 12306",
            "categories": ["rail_high_speed", "rail_soft_sleeper"],
            "rate": "1000/m",
        },
        follow=True,
    )
    assert response.status_code == 200
    key = CarrierKey.objects.get()
    assert key.categories == {"rail_high_speed", "rail_soft_sleeper"}
    shown = re.search(rf"({key.prefix}\.[A-Za-z0-9]+)", response.content.decode()).group(1)
    assert shown not in key.hashed_key  # only its hash is stored
    api = client_with(shown)
    ask = {"id_number": "11010119900307109X", "category": "rail_high_speed"}
    assert api.post("/api/v1/checks/", ask, format="json").status_code == 200
    assert shown not in admin.get(f"/admin/listings/carrierkey/{key.pk}/change/").content.decode()

    change = admin.post(
        f"/admin/listings/carrierkey/{key.pk}/change/",
        {
            "name": "ticketing",
            "organisation": "China Railway 12306",
            "categories": ["rail_high_speed"],
            "rate": "1000/m",
            "revoked": "on",
        },
    )
    assert change.status_code == 302
    assert api.post("/api/v1/checks/", ask, format="json").status_code == 401


def test_a_bad_rate_is_refused_in_the_form(superuser):
    response = admin_client(superuser).post(
        "/admin/listings/carrierkey/add/",
        {"name": "x", "organisation": "y", "categories": ["air_travel"], "rate": "lots"},
    )
    assert response.status_code == 200
    assert "e.g. 600/m" in response.content.decode()
    assert not CarrierKey.objects.exists()


def test_a_clerk_cannot_see_or_issue_keys(clerk):
    admin = admin_client(clerk)
    assert admin.get("/admin/listings/carrierkey/").status_code == 403
    assert admin.post("/admin/listings/carrierkey/add/", {"name": "x"}).status_code == 403


def test_a_superuser_finds_the_checks_made_on_a_person_by_their_id_number(superuser, carrier, walk):
    case = walk.restricted()
    carrier.post("/api/v1/checks/", {"id_number": case.debtor.id_number, "category": "air_travel"}, format="json")
    carrier.post("/api/v1/checks/", {"id_number": "11010119900307109X", "category": "air_travel"}, format="json")
    admin = admin_client(superuser)
    found = admin.get("/admin/listings/carriercheck/", {"q": case.debtor.id_number})
    assert found.status_code == 200
    assert found.context["cl"].result_count == 1
    assert admin.get("/admin/listings/carriercheck/", {"q": "not a number"}).context["cl"].result_count == 0
