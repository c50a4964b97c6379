"""The debtor's public pages: the status check that is no oracle, rate limits, uploads checked by content,
duplicate submissions, and the clearance certificate verified (a forged one refused)."""

import io
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import zxingcpp
from django.apps import apps as django_apps
from django.core import checks
from django.urls import reverse
from pypdf import PdfReader

from appeals.models import ClearanceCertificate, EvidenceFile, RemovalRequest, RequestKind, RequestState
from enforcement.models import AuditEntry
from tests.appeals.conftest import (
    act,
    file_request,
    filed,
    identify,
    jpeg_bytes,
    pdf_bytes,
    png_bytes,
    receipt_withdrawal_code,
    upload,
)
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def without_csrf(response) -> str:
    return CSRF.sub("", response.content.decode())


def test_a_wrong_pair_answers_exactly_like_an_unknown_case(client, walk):
    case = walk.listed()
    someone_else = PersonFactory().id_number
    wrong_pair = identify(client, case, id_number=someone_else)
    unknown_case = client.post(
        reverse("appeals:status"), {"case_number": "（2026）京0101执99999号", "id_number": someone_else}
    )
    unknown_same_number = client.post(
        reverse("appeals:status"), {"case_number": case.case_number, "id_number": case.debtor.id_number[:-1] + "0"}
    )
    assert wrong_pair.status_code == unknown_case.status_code == unknown_same_number.status_code == 200
    assert "No case matches this case number and ID number" in wrong_pair.content.decode()
    # The same page, but for the case number typed, which stays in the form to be corrected.
    assert f'value="{case.case_number}"' in wrong_pair.content.decode()
    assert (
        without_csrf(wrong_pair).replace(case.case_number, "N")
        == without_csrf(unknown_case).replace("（2026）京0101执99999号", "N")
        == without_csrf(unknown_same_number).replace(case.case_number, "N")
    )
    for response in (wrong_pair, unknown_case):
        assert case.debtor.name not in response.content.decode()
        assert someone_else not in response.content.decode()
    assert client.get(reverse("appeals:my_case")).status_code == 302  # nothing identified


def test_the_right_pair_shows_the_case_without_echoing_the_full_id_number(client, walk):
    case = walk.listed()
    assert identify(client, case)["Location"] == reverse("appeals:my_case")
    page = client.get(reverse("appeals:my_case")).content.decode()
    assert case.case_number in page
    assert "CNY 100,000.00" in page  # one money format everywhere
    assert 'id="on-list"' in page
    assert "Air travel" in page
    assert case.debtor.id_number not in page
    assert case.debtor.masked_id_number in page


def test_the_status_check_is_rate_limited(client, walk, settings):
    settings.APPEALS_CHECK_RATE = "3/m"
    case = walk.listed()
    for _ in range(3):
        assert identify(client, case, id_number=PersonFactory().id_number).status_code == 200
    response = identify(client, case)
    assert response.status_code == 429
    assert "Retry-After" in response


def test_the_same_submission_twice_while_the_first_is_open_is_one_request(client, walk):
    case = walk.listed()
    response = file_request(client, case, RequestKind.PAID, files=[upload("a.pdf", pdf_bytes())])
    first = filed(response)
    receipt_withdrawal_code(client, response)  # the receipt is read, and its code with it
    again = file_request(
        client, case, RequestKind.PAID, statement="  我已履行完毕，请删除。 ", files=[upload("a.pdf", pdf_bytes())]
    )
    assert filed(again) == first
    assert RemovalRequest.objects.count() == 1
    assert EvidenceFile.objects.count() == 1  # the same file again is not stored twice
    assert AuditEntry.objects.filter(action="request_file").count() == 1
    page = client.get(again["Location"]).content.decode()
    assert "already filed this request and it is still open" in page
    assert 'id="withdrawal-code"' not in page  # the code was the first receipt's to show, once
    different = filed(file_request(client, case, RequestKind.PAID, statement="另一份陈述。"))
    assert different != first


def test_new_evidence_sent_with_the_same_submission_is_added_to_the_open_request_and_the_debtor_is_told(client, walk):
    case = walk.listed()
    first = filed(file_request(client, case, RequestKind.PAID, files=[upload("a.pdf", pdf_bytes())]))
    again = file_request(
        client,
        case,
        RequestKind.PAID,
        files=[upload("a.pdf", pdf_bytes()), upload("bank.png", png_bytes(), "image/png")],
    )
    assert filed(again) == first
    assert sorted(first.evidence.values_list("original_name", flat=True)) == ["a.pdf", "bank.png"]
    assert "1 new evidence file was added to it" in client.get(again["Location"]).content.decode()
    assert AuditEntry.objects.filter(case=case, action="request_evidence_add", detail__evidence_files=1).exists()


@pytest.mark.parametrize("ended_by", ["withdrawn", "rejected"])
def test_a_withdrawn_or_rejected_request_can_be_filed_again(client, walk, clerk, ended_by, approver):
    case = walk.listed()
    response = file_request(client, case, RequestKind.CREDITOR_CONSENT, files=[upload("a.pdf", pdf_bytes())])
    first = filed(response)
    if ended_by == "withdrawn":
        code = receipt_withdrawal_code(client, response)
        assert client.post(reverse("appeals:withdraw", args=[first.tracking_code]), {"withdrawal_code": code})
    else:
        assert act(approver, first, "reject", reasons="No written consent attached.").status_code == 302
    first.refresh_from_db()
    assert first.state == ended_by

    again = file_request(client, case, RequestKind.CREDITOR_CONSENT, files=[upload("consent.pdf", pdf_bytes())])
    second = filed(again)
    assert second != first
    assert second.state == RequestState.SUBMITTED
    assert [e.original_name for e in second.evidence.all()] == ["consent.pdf"]
    page = client.get(again["Location"]).content.decode()
    assert "already filed" not in page
    assert 'id="withdrawal-code"' in page
    assert AuditEntry.objects.filter(case=case, action="request_file").count() == 2


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.pdf", b"just some text, not a PDF at all", "is not a readable PDF, JPEG or PNG"),
        ("scan.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "is not a readable PDF"),
        ("photo.png", b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "is not a readable PDF"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, "is not a readable PDF"),
        ("fake.pdf", b"%PDF-1.7\n this is not really a PDF", "is not a readable PDF"),
    ],
    ids=["text", "renamed-windows-executable", "renamed-elf", "truncated-png", "pdf-header-only"],
)
def test_a_file_whose_content_is_not_a_pdf_jpeg_or_png_is_refused(client, walk, name, data, message):
    case = walk.listed()
    response = file_request(client, case, RequestKind.PAID, files=[upload(name, data)])
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RemovalRequest.objects.exists()


def test_a_file_too_large_is_refused(client, walk, settings):
    settings.EVIDENCE_MAX_FILE_BYTES = 1000
    case = walk.listed()
    response = file_request(
        client, case, RequestKind.PAID, files=[upload("big.png", png_bytes((400, 400)), "image/png")]
    )
    assert response.status_code == 400
    assert "too large" in response.content.decode()
    assert not RemovalRequest.objects.exists()


def test_too_many_files_are_refused(client, walk, settings):
    settings.EVIDENCE_MAX_FILES = 2
    case = walk.listed()
    files = [upload(f"p{i}.jpg", jpeg_bytes(), "image/jpeg") for i in range(3)]
    response = file_request(client, case, RequestKind.PAID, files=files)
    assert response.status_code == 400
    assert "at most 2 files" in response.content.decode()
    assert not RemovalRequest.objects.exists()


def test_accepted_evidence_is_stored_under_a_random_name_readable_by_the_owner_only(client, walk, settings):
    case = walk.listed()
    req = filed(
        file_request(
            client, case, RequestKind.PAID, files=[upload("a.pdf", pdf_bytes()), upload("b.jpg", jpeg_bytes())]
        )
    )
    kinds = sorted(req.evidence.values_list("content_type", flat=True))
    assert kinds == ["application/pdf", "image/jpeg"]
    for item in req.evidence.all():
        path = settings.EVIDENCE_ROOT / item.stored_name
        assert path.exists()
        assert oct(path.stat().st_mode & 0o777) == "0o600"
        assert re.fullmatch(r"[0-9a-f]{32}\.(pdf|jpg)", item.stored_name)  # a random name, not the debtor's


def private_check_errors():
    return [e for e in checks.run_checks(tags=[checks.Tags.security]) if e.id == "appeals.E001"]


@pytest.mark.parametrize("served", ["MEDIA_ROOT", "STATIC_ROOT", "STATICFILES_DIRS", "TEMPLATES", "app static"])
def test_the_system_check_refuses_evidence_stored_where_files_are_served_or_rendered(settings, tmp_path, served):
    folder = tmp_path / "served"
    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "media", tmp_path / "static"
    settings.STATICFILES_DIRS = []
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates"]}]
    settings.EVIDENCE_ROOT = folder / "evidence"
    if served == "MEDIA_ROOT":
        settings.MEDIA_ROOT = folder
    elif served == "STATIC_ROOT":
        settings.STATIC_ROOT = folder
    elif served == "STATICFILES_DIRS":
        settings.STATICFILES_DIRS = [("assets", folder)]
    elif served == "TEMPLATES":
        settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    else:
        settings.EVIDENCE_ROOT = Path(django_apps.get_app_config("appeals").path) / "static" / "evidence"
    errors = private_check_errors()
    assert len(errors) == 1
    assert "the debtors' evidence could be served to anyone" in errors[0].msg


def test_the_system_check_accepts_evidence_stored_outside_them(settings, tmp_path):
    settings.MEDIA_ROOT, settings.STATIC_ROOT = tmp_path / "media", tmp_path / "static"
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    assert private_check_errors() == []


def test_a_request_needs_a_way_to_reach_the_debtor(client, walk):
    case = walk.listed()
    identify(client, case)
    response = client.post(reverse("appeals:file"), {"kind": RequestKind.PAID, "statement": "已付清。"})
    assert response.status_code == 400
    assert "e-mail address or a phone number" in response.content.decode()


def test_filing_without_identifying_the_case_first_is_sent_to_the_status_check(client):
    response = client.post(reverse("appeals:file"), {"kind": RequestKind.PAID, "statement": "x"})
    assert response.status_code == 302
    assert response["Location"] == reverse("appeals:status")


def test_an_unknown_tracking_code_is_404(client):
    assert client.get(reverse("appeals:track", args=["AAAA-BBBB-CCCC"])).status_code == 404


# --- certificates ------------------------------------------------------------------------------------------------


@pytest.fixture
def cleared(client, walk, clerk):
    case = walk.listed()
    req = filed(file_request(client, case, RequestKind.SETTLED))
    assert act(clerk, req, "grant", reasons="Settlement performed.").status_code == 302
    return case


PUBLIC_SITE = "https://registry.example.cn"


def qr_address(pdf_content: bytes) -> str:
    """The address in the certificate's QR code, decoded from the image embedded in the PDF."""
    images = PdfReader(io.BytesIO(pdf_content)).pages[0].images
    assert len(images) == 1  # the QR code
    found = zxingcpp.read_barcodes(images[0].image.convert("L"))
    assert [code.format for code in found] == [zxingcpp.BarcodeFormat.QRCode]
    return found[0].text


def verify_page(client, address: str):
    """Open a verification address (of the public site) on this test server."""
    parts = urlsplit(address)
    return client.get(f"{parts.path}?{parts.query}")


def test_the_certificates_qr_code_holds_the_public_sites_verification_address_and_it_verifies(
    client, cleared, settings
):
    settings.PUBLIC_SITE_URL = PUBLIC_SITE
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "evil.example"]
    response = client.post(reverse("appeals:certificate"), HTTP_HOST="evil.example")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    certificate = ClearanceCertificate.objects.get(case=cleared)
    address = qr_address(response.content)
    assert address.startswith(f"{PUBLIC_SITE}{reverse('appeals:verify')}?")  # not the Host header's site
    text = "".join(PdfReader(io.BytesIO(response.content)).pages[0].extract_text().split())
    assert address in text  # printed too, for those who cannot scan
    assert certificate.number in text
    assert cleared.debtor.masked_id_number in text
    assert cleared.debtor.id_number not in text

    body = verify_page(client, address).content.decode()
    assert 'class="card valid" id="verdict"' in body
    assert cleared.case_number in body
    assert "Settlement agreement performed" in body
    assert f'id="verified-debtor">{cleared.debtor.name}<' in body
    assert f'id="verified-id">{cleared.debtor.masked_id_number}<' in body
    assert re.fullmatch(r"\d{10}\*{4}[\dX]{4}", cleared.debtor.masked_id_number)
    assert cleared.debtor.id_number not in body
    # Asking again gives the same certificate.
    assert qr_address(client.post(reverse("appeals:certificate")).content) == address
    assert ClearanceCertificate.objects.count() == 1


def test_a_genuine_certificate_with_another_persons_name_or_id_number_is_unknown(client, cleared):
    address = qr_address(client.post(reverse("appeals:certificate")).content)
    params = dict(parse_qsl(urlsplit(address).query))
    other = PersonFactory()
    for changes in ({"name": other.name + "某"}, {"id_number": other.masked_id_number}):
        body = client.get(reverse("appeals:verify"), {**params, **changes}).content.decode()
        assert 'class="card unknown" id="verdict"' in body
        assert "Valid" not in body
    assert "Valid" in client.get(reverse("appeals:verify"), params).content.decode()


def test_a_forged_or_altered_certificate_is_unknown(client, cleared):
    address = qr_address(client.post(reverse("appeals:certificate")).content)
    params = dict(parse_qsl(urlsplit(address).query))
    signature = params["signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    for changes in (
        {"signature": flipped},
        {"number": params["number"][:-1] + ("9" if params["number"][-1] != "9" else "8")},  # another number
        {"number": "QC-2026-99999999", "signature": "0" * 32},
    ):
        body = client.get(reverse("appeals:verify"), {**params, **changes}).content.decode()
        assert 'id="verdict"' in body
        assert "Unknown" in body
        assert "Valid" not in body


def test_a_certificate_signed_before_the_secret_key_was_rotated_still_verifies(client, cleared, settings):
    address = qr_address(client.post(reverse("appeals:certificate")).content)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old_key]
    assert 'class="card valid"' in verify_page(client, address).content.decode()
    # Downloaded again, it is the same certificate with the same signature: nothing to re-sign.
    assert qr_address(client.post(reverse("appeals:certificate")).content) == address
    settings.SECRET_KEY_FALLBACKS = []  # the old key retired: what it signed is no longer trusted
    assert 'class="card unknown"' in verify_page(client, address).content.decode()


def test_no_certificate_for_a_case_that_is_not_cleared(client, walk):
    case = walk.listed()
    identify(client, case)
    assert 'id="get-certificate"' not in client.get(reverse("appeals:my_case")).content.decode()
    response = client.post(reverse("appeals:certificate"))
    assert response.status_code == 302
    assert not ClearanceCertificate.objects.exists()


def test_public_pages_keep_the_strict_content_security_policy(client):
    for name in ("appeals:status", "appeals:verify", "appeals:track_lookup"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "<script" not in response.content.decode()
        assert "style=" not in response.content.decode()


def test_the_pages_are_translated_into_chinese(walk):
    from django.test import Client

    chinese = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "查询本人状态" in chinese.get(reverse("appeals:status")).content.decode()


def test_without_a_public_site_url_the_quick_starts_certificate_prints_the_address_it_was_asked_on(
    client, cleared, settings
):
    """The quick start (local settings) has no PUBLIC_SITE_URL unless it sets one: the address printed is the
    one the debtor used, so the QR code works on that machine. Production requires the setting."""
    settings.PUBLIC_SITE_URL = ""
    response = client.post(reverse("appeals:certificate"), HTTP_HOST="127.0.0.1:8123")
    address = qr_address(response.content)
    assert address.startswith(f"http://127.0.0.1:8123{reverse('appeals:verify')}?")
    assert 'class="card valid" id="verdict"' in verify_page(client, address).content.decode()
