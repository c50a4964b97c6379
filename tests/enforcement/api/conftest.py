import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def token_client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    token, _created = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api(clerk):
    """The clerk's court system, authenticated by token."""
    return token_client(clerk)


@pytest.fixture
def approver_api(approver):
    return token_client(approver)


@pytest.fixture
def other_api(other_clerk):
    return token_client(other_clerk)


@pytest.fixture
def anonymous():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")
