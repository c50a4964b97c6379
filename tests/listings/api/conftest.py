import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from listings.api.carriers import forget_carrier_keys
from listings.models import CarrierKey


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters
    forget_carrier_keys()  # the keys this process verified


def issue_key(**kwargs) -> tuple[CarrierKey, str]:
    fields = {
        "name": "booking system",
        "organisation": "China Eastern Airlines",
        "categories": ["air_travel", "rail_high_speed", "star_hotel"],
    } | kwargs
    return CarrierKey.objects.create_key(**fields)


def client_with(key: str) -> APIClient:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api


@pytest.fixture
def carrier_key(db):
    return issue_key()


@pytest.fixture
def carrier(carrier_key):
    return client_with(carrier_key[1])
