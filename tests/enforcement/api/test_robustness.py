"""Every court-system endpoint answers odd input with a 4xx, never a 500 (the schema fuzz test goes further)."""

import json

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.factories import CaseFactory

PREFIXES = (
    "/api/v1/parties",
    "/api/v1/cases",
    "/api/v1/intake",
    "/api/v1/restriction-orders",
    "/api/v1/listing-decisions",
)
ODD_VALUES = [None, {}, [], "", 0, -1, 10**30, 1.5, True, {"a": [1]}, "\u0000", "2026-13-45", "9" * 400]
ODD_BODIES = [b"", b"{", b"[1, 2]", b"null", b'"text"']


def court_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        if not path.startswith(PREFIXES):
            continue
        for method, operation in operations.items():
            fields = []
            for content in operation.get("requestBody", {}).get("content", {}).values():
                ref = content["schema"].get("$ref", "")
                if ref:
                    fields = list(schema["components"]["schemas"][ref.split("/")[-1]].get("properties", {}))
            yield path, method, fields


@pytest.mark.django_db
def test_no_court_endpoint_answers_500_to_odd_input(api, court):
    case = CaseFactory(court=court)
    operations = list(court_operations())
    assert len(operations) >= 25
    failures = []
    for path, method, fields in operations:
        for ident in (str(case.pk), "99999999999999999999"):
            url = path.replace("{case_id}", ident).replace("{party_id}", ident).replace("{id}", ident)
            url = url.replace("{batch_id}", ident)
            if method == "get":
                for query in ("", "?id_number=%00", "?state=x", "?cursor=zz", "?page_size=-5", "?court=%00"):
                    response = api.get(url + query)
                    if response.status_code >= 500:
                        failures.append((method, url + query, response.status_code))
                continue
            bodies = ODD_BODIES
            if ident == str(case.pk):  # a missing record answers 404 before its input is read
                bodies = bodies + [json.dumps({field: value}).encode() for field in fields for value in ODD_VALUES]
            for body in bodies:
                response = api.generic(
                    method.upper(), url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="odd"
                )
                if response.status_code >= 500:
                    failures.append((method, url, body[:60], response.status_code))
    assert failures == []
