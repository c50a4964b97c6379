"""The public list as JSON, through HTTP: `/api/v1/listings/` and `/api/v1/listings/{id}/`."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from enforcement import identity
from listings.models import ListingDecision
from listings.selectors import PublicEntry
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/listings/"


@pytest.fixture
def public():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def entry_id(case) -> int:
    return ListingDecision.objects.get(case=case, status="in_force").pk


def test_an_entry_shows_exactly_the_public_fields_with_the_id_number_masked(public, walk):
    case = walk.listed(debtor=PersonFactory(name="王伟"))
    response = public.get(f"{LIST}{entry_id(case)}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {f.name for f in PublicEntry.__dataclass_fields__.values()}
    assert body["name"] == "王伟"
    assert body["id_number_masked"] == identity.mask_id_number(case.debtor.id_number)
    assert body["case_number"] == case.case_number
    assert body["amount_unperformed"] == "100000.00"
    text = response.content.decode()
    for private in (case.debtor.id_number, case.debtor.address, case.debtor.phone, "拒不履行"):
        assert private not in text


def test_an_organisation_shows_its_uscc_and_legal_representative(public, walk):
    organisation = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=organisation).person
    case = walk.listed(debtor=organisation)
    body = public.get(f"{LIST}{entry_id(case)}/").json()
    assert body["id_number_masked"] == organisation.id_number
    assert body["legal_representative"] == representative.name
    assert representative.id_number not in str(body)


def test_a_removed_entry_is_404(public, walk):
    case = walk.listed()
    pk = entry_id(case)
    walk.pay(case)
    response = public.get(f"{LIST}{pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "This entry is not on the list."}
    assert public.get(f"{LIST}{10**30}/").status_code == 404


def test_the_list_pages_newest_first_with_a_keyset_cursor(public, walk):
    cases = [walk.listed() for _ in range(5)]
    first = public.get(LIST, {"limit": 2}).json()
    assert [e["case_number"] for e in first["results"]] == [cases[4].case_number, cases[3].case_number]
    second = public.get(LIST, {"limit": 2, "after": first["next"]}).json()
    assert [e["case_number"] for e in second["results"]] == [cases[2].case_number, cases[1].case_number]
    last = public.get(LIST, {"limit": 2, "after": second["next"]}).json()
    assert [e["case_number"] for e in last["results"]] == [cases[0].case_number]
    assert last["next"] is None


def test_the_list_filters_like_the_public_search(public, walk, other_court):
    wang = walk.listed(debtor=PersonFactory(name="王伟"))
    walk.listed(debtor=OrganisationFactory(name="某某公司"))
    assert [e["id"] for e in public.get(LIST, {"name": "王伟"}).json()["results"]] == [entry_id(wang)]
    assert [e["name"] for e in public.get(LIST, {"kind": "organisation"}).json()["results"]] == ["某某公司"]
    assert public.get(LIST, {"court": wang.court.code}).json()["results"][-1]["id"] == entry_id(wang)
    assert public.get(LIST, {"province": "31"}).json()["results"] == []
    bad = public.get(LIST, {"court": "no such court", "limit": 1000, "kind": "alien"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"court", "limit", "kind"}


def test_an_unpublished_listing_is_not_on_the_list(public, walk):
    case = walk.listed(grace_months=1)
    assert public.get(LIST).json()["results"] == []
    assert public.get(f"{LIST}{ListingDecision.objects.get(case=case).pk}/").status_code == 404


def test_a_page_costs_the_same_queries_whatever_its_length(public, walk):
    for _ in range(6):
        walk.listed()

    def count(limit):
        with CaptureQueriesContext(connection) as captured:
            assert len(public.get(LIST, {"limit": limit}).json()["results"]) == limit
        return len(captured.captured_queries)

    assert count(1) == count(6) == 2  # the ids, then the entries


def test_the_public_api_is_rate_limited_like_the_pages(public, walk, settings):
    settings.PUBLIC_PAGE_RATE = "2/m"
    assert [public.get(LIST).status_code for _ in range(3)] == [200, 200, 429]
    limited = public.get(LIST)
    assert int(limited["Retry-After"]) >= 1
    assert "detail" in limited.json()
