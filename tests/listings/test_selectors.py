"""The one rule of what the public may see."""

import dataclasses
import datetime

import pytest
from django.utils import timezone

from enforcement import services
from listings import services as listing_services
from listings.models import ListingDecision
from listings.selectors import public_entry, public_listings, to_public_entry
from tests.factories import OrganisationFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def test_a_published_listing_of_a_person_shows_only_the_public_fields_masked(walk):
    case = walk.listed()
    entry = public_entry(ListingDecision.objects.get(case=case).pk)
    debtor = case.debtor
    assert entry.name == debtor.name
    assert entry.id_number_masked == f"{debtor.id_number[:10]}****{debtor.id_number[-4:]}"
    assert entry.amount_unperformed == case.amount_due
    assert entry.grounds == (2,)
    assert len(entry.restricted_categories) == 12  # the order signed with the listing restricts every category
    values = " ".join(str(v) for v in dataclasses.asdict(entry).values())
    assert debtor.id_number not in values
    assert debtor.address not in values
    assert debtor.phone not in values


def test_an_organisation_shows_its_uscc_and_legal_representative(walk):
    company = OrganisationFactory()
    representative = ResponsiblePersonFactory(organisation=company, role="legal_representative")
    case = walk.listed(debtor=company)
    entry = public_entry(ListingDecision.objects.get(case=case).pk)
    assert (entry.kind, entry.id_number_masked, entry.legal_representative) == (
        "organisation",
        company.id_number,
        representative.person.name,
    )
    assert representative.person.id_number not in str(dataclasses.asdict(entry))


def test_a_listing_in_its_grace_period_is_not_public(walk):
    case = walk.listed(grace_months=1)
    assert not public_listings().filter(case=case).exists()


def test_paid_revoked_and_closed_entries_disappear_at_once(walk, django_capture_on_commit_callbacks):
    paid, revoked, closed = walk.listed(), walk.listed(), walk.listed()
    assert public_listings().count() == 3
    walk.pay(paid)
    listing_services.listing_revoke(
        actor=walk.approver, decision_id=ListingDecision.objects.get(case=revoked).pk, reason="误列"
    )
    services.case_close(actor=walk.approver, case_id=closed.pk, reason="judgment_set_aside")
    assert public_listings().count() == 0
    assert public_entry(ListingDecision.objects.get(case=paid).pk) is None


def test_the_age_is_computed_on_the_day(walk):
    case = walk.listed()
    decision = public_listings().get(case=case)
    birth = case.debtor.birth_date
    on_birthday = birth.replace(year=birth.year + 40)
    assert to_public_entry(decision, today=on_birthday).age == 40
    assert to_public_entry(decision, today=on_birthday - datetime.timedelta(days=1)).age == 39


def test_listing_pages_of_entries_take_a_fixed_number_of_queries(walk, django_assert_num_queries):
    for _ in range(5):
        walk.listed()
    with django_assert_num_queries(1):
        entries = [to_public_entry(d, today=timezone.localdate()) for d in public_listings()]
    assert len(entries) == 5
