"""Retention erases the personal data of people whose cases all closed long ago, keeping the counts; staff
access to personal data is logged, append-only, and only superusers read the log."""

import datetime

import pytest
import time_machine

from enforcement import services
from enforcement.models import AccessLogEntry, AppendOnlyError, EnforcementCase, Party
from enforcement.tasks import anonymise_expired_parties
from listings.models import ListingDecision
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def closed_case(walk, **kwargs):
    case = walk.listed(**kwargs)
    services.case_close(actor=walk.clerk, case_id=case.pk, reason="no_assets")
    return case


def years_later(n):
    return time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(days=365 * n + 2))


def test_a_person_whose_cases_closed_past_retention_is_erased_and_the_counts_stay(walk):
    case = closed_case(walk)
    debtor = case.debtor
    with years_later(4):
        assert anonymise_expired_parties() == {"anonymised": 0}
    with years_later(6):
        assert anonymise_expired_parties()["anonymised"] >= 1
        assert anonymise_expired_parties() == {"anonymised": 0}  # idempotent
    debtor.refresh_from_db()
    assert debtor.anonymised_at is not None
    assert (debtor.id_number, debtor.birth_date, debtor.address, debtor.phone) == (f"ANON-{debtor.pk}", None, "", "")
    decision = ListingDecision.objects.get(case=case)
    assert decision.debtor_id_number == f"ANON-{debtor.pk}"
    assert EnforcementCase.objects.filter(pk=case.pk).exists()  # the case and its counts remain


def test_a_person_with_an_open_case_keeps_their_data(walk):
    old = closed_case(walk)
    walk.defaulted(debtor=old.debtor)  # a new, open case for the same person
    with years_later(6):
        anonymise_expired_parties()
    old.debtor.refresh_from_db()
    assert old.debtor.anonymised_at is None


def test_an_organisation_officer_is_kept_while_the_organisation_has_an_open_case(walk):
    company = OrganisationFactory()
    officer = ResponsiblePersonFactory(organisation=company)
    walk.defaulted(debtor=company)
    with years_later(6):
        anonymise_expired_parties()
    officer.person.refresh_from_db()
    company.refresh_from_db()
    assert officer.person.anonymised_at is None
    assert company.anonymised_at is None  # organisations are not personal data


def test_viewing_a_case_or_a_party_is_logged(client, walk):
    case = walk.defaulted()
    client.force_login(walk.clerk)
    client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/")
    client.get(f"/admin/enforcement/party/{case.debtor_id}/change/")
    logged = list(AccessLogEntry.objects.order_by("id").values_list("user__username", "what", "object_id"))
    assert logged == [("clerk", "case", str(case.pk)), ("clerk", "party", str(case.debtor_id))]


def test_the_access_log_is_append_only_and_for_superusers_only(client, walk, superuser):
    case = walk.defaulted()
    client.force_login(walk.clerk)
    client.get(f"/admin/enforcement/enforcementcase/{case.pk}/change/")
    entry = AccessLogEntry.objects.get()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.update(label="x")
    assert client.get("/admin/enforcement/accesslogentry/").status_code == 403
    client.force_login(superuser)
    page = client.get("/admin/enforcement/accesslogentry/")
    assert page.status_code == 200
    assert case.case_number in page.text


def test_creditor_kept_if_another_of_their_cases_is_open(walk):
    creditor = PersonFactory()
    closed_case(walk, creditor=creditor)
    walk.case(creditor=creditor)
    with years_later(6):
        anonymise_expired_parties()
    assert Party.objects.get(pk=creditor.pk).anonymised_at is None
