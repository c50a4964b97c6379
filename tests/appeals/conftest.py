"""Helpers for the debtor's journey through HTTP: identify the case, file a request with files, decide in the
admin as the court's staff would."""

import datetime
import io
import re
import zoneinfo

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from appeals.models import RemovalRequest
from enforcement.models import StaffRole
from tests.factories import UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _private_evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    cache.clear()  # rate-limit counters do not carry over between tests


def at(year, month, day, hour=10):
    """Freeze time at this local (Asia/Shanghai) moment."""
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI), tick=False)


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (30, 30, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def identify(client: Client, case, id_number: str | None = None):
    return client.post(
        reverse("appeals:status"),
        {"case_number": case.case_number, "id_number": id_number or case.debtor.id_number},
    )


def file_request(client: Client, case, kind: str, *, statement="我已履行完毕，请删除。", files=(), **extra):
    response = identify(client, case)
    assert response.status_code == 302, response.content.decode()[:500]
    data = {"kind": kind, "statement": statement, "contact_email": "debtor@example.com", **extra}
    if files:
        data["evidence"] = list(files)
    return client.post(reverse("appeals:file"), data)


def filed(response) -> RemovalRequest:
    assert response.status_code == 302, response.content.decode()[:2000]
    code = re.search(r"/requests/([A-Z0-9-]+)/receipt/", response["Location"]).group(1)
    return RemovalRequest.objects.get(tracking_code=code)


def receipt_withdrawal_code(client: Client, response) -> str:
    """Follow the filing's redirect to the receipt, which shows the withdrawal code once; return the code."""
    page = client.get(response["Location"]).content.decode()
    found = re.search(r'id="withdrawal-code">([A-Z0-9-]+)<', page)
    assert found, "the receipt shows no withdrawal code"
    return found.group(1)


def staff_client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def act(user, req, action: str, **data):
    return staff_client(user).post(reverse("admin:appeals_removalrequest_action", args=[req.pk, action]), data)


@pytest.fixture
def reviewer(court):
    """A reviewer of reconsiderations at the higher court of `court`."""
    return UserFactory(
        username="reviewer", email="reviewer@court.invalid", roles=[(court.higher_court, StaffRole.Role.REVIEWER)]
    )


@pytest.fixture
def lower_reviewer(court):
    """A reviewer at the enforcing court itself: not the higher court."""
    return UserFactory(username="lowerreviewer", roles=[(court, StaffRole.Role.REVIEWER)])
