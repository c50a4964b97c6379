"""Retention erases the personal data of people whose cases all closed long ago, keeping the counts; staff
access to personal data is logged, append-only, and only superusers read the log."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from pypdf import PdfWriter
from rest_framework.test import APIClient

from appeals.models import EvidenceFile
from appeals.services.filing import removal_request_file
from enforcement import services
from enforcement.demo_identities import resident_id
from enforcement.models import (
    AccessLogEntry,
    AppendOnlyError,
    AuditEntry,
    EnforcementCase,
    JobRun,
    OutboxMessage,
    Party,
)
from enforcement.tasks import anonymise_expired_parties
from listings.models import FeedEvent, ListingDecision
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory, rng

pytestmark = pytest.mark.django_db


def closed_case(walk, **kwargs):
    case = walk.listed(**kwargs)
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
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


# --- what retention erases beyond the party row ------------------------------------------------------------------


def pdf_upload(name="证据.pdf"):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return SimpleUploadedFile(name, out.getvalue(), content_type="application/pdf")


def file_request(**kwargs):
    filing = removal_request_file(**kwargs)
    return filing.request if hasattr(filing, "request") else filing[0]


def anonymise_later(django_capture_on_commit_callbacks):
    """Run the retention job six years on, with its after-commit work (evidence files leave the disk)."""
    with years_later(6), django_capture_on_commit_callbacks(execute=True):
        return anonymise_expired_parties()


def test_retention_replaces_the_change_feeds_copies_of_the_id_numbers_by_a_token(
    walk, django_capture_on_commit_callbacks
):
    case = walk.listed()
    debtor = case.debtor
    first_number = debtor.id_number
    corrected = resident_id(rng, birth_date=debtor.birth_date, sex=debtor.sex)
    services.party_update(actor=walk.clerk, party_id=debtor.pk, id_number=corrected)
    company = OrganisationFactory()
    officer = ResponsiblePersonFactory(organisation=company).person
    org_case = walk.restricted(debtor=company)
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
    services.case_close(actor=walk.approver, case_id=org_case.pk, reason="no_assets")
    numbers = set(FeedEvent.objects.values_list("id_number", flat=True))
    assert {first_number, corrected, officer.id_number, company.id_number} <= numbers  # what carriers were sent
    events = FeedEvent.objects.count()

    anonymise_later(django_capture_on_commit_callbacks)

    numbers = set(FeedEvent.objects.values_list("id_number", flat=True))
    assert numbers == {f"ANON-{debtor.pk}", f"ANON-{officer.pk}", company.id_number}  # a USCC is public
    assert FeedEvent.objects.count() == events  # the events stay, in order, for the counts


def test_retention_erases_the_persons_requests_contact_details_statements_and_evidence_files(
    walk, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    case = walk.listed()
    request = file_request(
        case_id=case.pk,
        kind="paid",
        statement="我叫张三，住在北京市东城区某街1号，已经还清。",
        contact_email="zhangsan@example.com",
        contact_phone="13800138000",
        files=[pdf_upload()],
    )
    stored = tmp_path / "evidence" / EvidenceFile.objects.get(request=request).stored_name
    assert stored.exists()
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")

    anonymise_later(django_capture_on_commit_callbacks)

    request.refresh_from_db()
    assert "张三" not in request.statement
    assert (request.contact_email, request.contact_phone, request.reconsideration_statement) == ("", "(erased)", "")
    assert not EvidenceFile.objects.filter(request=request).exists()
    assert not stored.exists()
    assert request.kind == "paid"  # the request stays for the statistics


def test_retention_erases_the_emails_written_to_the_person_and_no_one_elses(
    walk, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    case = walk.listed()
    kept = walk.listed()
    request = file_request(case_id=case.pk, kind="paid", statement="已还清", contact_email="zhangsan@example.com")
    file_request(case_id=kept.pk, kind="paid", statement="已还清", contact_email="lisi@example.com")
    with transaction.atomic():  # the same address, used for a request of someone else (a shared mailbox)
        services.outbox_email(to="zhangsan@example.com", subject="other", body="...", key="appeals:999999:filed")
    services.outbox_send_due()  # the receipts went out
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")

    anonymise_later(django_capture_on_commit_callbacks)

    theirs = OutboxMessage.objects.get(key=f"appeals:{request.pk}:filed")
    assert (theirs.payload, theirs.to_address) == ({"erased": "retention"}, "")
    assert theirs.sent_at is not None  # it was sent; only what it said is gone
    others = OutboxMessage.objects.exclude(pk=theirs.pk)
    assert sorted(m.payload["to"][0] for m in others) == ["lisi@example.com", "zhangsan@example.com"]


def test_an_unsent_email_to_the_person_is_given_up_never_sent(walk, settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    case = walk.listed()
    request = file_request(case_id=case.pk, kind="paid", statement="已还清", contact_email="zhangsan@example.com")
    services.case_close(actor=walk.approver, case_id=case.pk, reason="no_assets")
    with years_later(6):
        anonymise_expired_parties()
        assert services.outbox_send_due()["sent"] == 0
    message = OutboxMessage.objects.get(key=f"appeals:{request.pk}:filed")
    assert (message.payload, message.sent_at) == ({"erased": "retention"}, None)
    assert message.failed_at is not None


def test_retention_writes_the_search_keys_of_a_batch_in_one_update(walk, django_capture_on_commit_callbacks):
    for _ in range(3):
        closed_case(walk)
    with CaptureQueriesContext(connection) as queries:
        assert anonymise_later(django_capture_on_commit_callbacks)["anonymised"] == 3
    updates = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "listings_listingdecision"')]
    assert len(updates) == 1
    assert set(ListingDecision.objects.values_list("debtor_name", flat=True)) == {"(anonymised)"}


def test_each_retention_run_is_recorded_with_the_system_as_actor(walk, django_capture_on_commit_callbacks):
    case = closed_case(walk)
    anonymise_later(django_capture_on_commit_callbacks)
    entry = AuditEntry.objects.get(case=case, action="parties_anonymise")
    assert (entry.actor, entry.actor_name) == (None, "system")
    assert case.debtor_id in entry.detail["party_ids"]
    assert case.debtor.name not in str(entry.detail) + entry.reason
    run = JobRun.objects.get(name="enforcement.tasks.anonymise_expired_parties", processed__gt=0)
    assert run.succeeded is True
    assert run.detail == {"anonymised": 1}  # the debtor (the creditor is an organisation)


def test_viewing_a_party_logs_its_id_never_its_name(client, walk):
    case = walk.defaulted()
    client.force_login(walk.clerk)
    client.get(f"/admin/enforcement/party/{case.debtor_id}/change/")
    api = APIClient()
    api.force_authenticate(walk.clerk)
    assert api.get(f"/api/v1/parties/{case.debtor_id}/").status_code == 200
    entries = AccessLogEntry.objects.filter(what="party")
    assert entries.count() == 2
    for entry in entries:
        assert entry.object_id == str(case.debtor_id)
        assert case.debtor.name not in entry.label
