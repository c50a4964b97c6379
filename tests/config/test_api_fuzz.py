"""A fuzz run of the whole OpenAPI schema (schemathesis) against the running API: no answer is a 5xx, and every
answer the schema documents has the documented shape. Bounded (a few dozen examples per operation, fixed seed)
so it runs in CI in well under two minutes; it covers every operation in the schema, the court systems' too.

Each operation is called with the credentials its schema names: a carrier key (`Api-Key`) for the carriers'
operations, a clerk's DRF token for the court systems' operations, nothing for the public ones.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from listings.models import CarrierKey
from tests.factories import OrganisationFactory, ResponsiblePersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

EXAMPLES_PER_OPERATION = 40


@pytest.fixture
def credentials(walk, clerk, settings):
    settings.PUBLIC_PAGE_RATE = "100000/m"  # the fuzzer is not a scraper to stop
    walk.listed()
    walk.restricted(debtor=ResponsiblePersonFactory(organisation=OrganisationFactory()).organisation)
    _key, secret = CarrierKey.objects.create_key(
        name="fuzz", organisation="Fuzz Air", categories=["air_travel", "rail_high_speed"], rate="100000/m"
    )
    return {"CarrierKey": f"Api-Key {secret}", "tokenAuth": f"Token {Token.objects.create(user=clerk).key}"}


def headers_for(operation, credentials) -> dict:
    schemes = [name for requirement in operation.definition.raw.get("security", []) for name in requirement]
    for scheme in ("CarrierKey", "tokenAuth"):
        if scheme in schemes:
            return {"Authorization": credentials[scheme], "Accept-Language": "en"}
    return {"Accept-Language": "en"}


def fuzzer(operation, headers):
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,  # the same examples on every run: a failure in CI can be reproduced
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def fuzz(case):
        response = case.call(headers=headers, timeout=30)
        case.validate_response(
            response, checks=(not_a_server_error, response_schema_conformance, content_type_conformance)
        )

    return fuzz


def test_the_schema_fuzzed_finds_no_server_error_and_no_answer_off_the_schema(live_server, credentials):
    schema = schemathesis.from_uri(f"{live_server.url}/api/schema/", base_url=live_server.url)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/v1/checks/", "/api/v1/checks/batch/", "/api/v1/changes/"}
    failures = []
    for operation in operations:
        try:
            fuzzer(operation, headers_for(operation, credentials))()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.verbose_name}: {exc}")
    assert not failures, "\n\n".join(failures)
