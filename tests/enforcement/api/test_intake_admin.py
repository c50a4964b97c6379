import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enforcement.models import EnforcementCase, IntakeBatch
from tests.enforcement.api.intake_data import as_csv, judgment_rows

pytestmark = pytest.mark.django_db

URL = "/admin/enforcement/intakebatch/add/"


def test_a_clerk_uploads_a_file_in_the_admin_and_sees_the_rejected_rows(client, clerk, court):
    client.force_login(clerk)
    assert client.get(URL).status_code == 200
    rows = judgment_rows(court.code, 5)
    rows[3]["amount_due"] = "abc"
    response = client.post(URL, {"court": court.pk, "file": SimpleUploadedFile("j.csv", as_csv(rows))}, follow=True)
    assert response.status_code == 200
    batch = IntakeBatch.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"/admin/enforcement/intakebatch/{batch.pk}/change/")
    page = response.content.decode()
    assert "4 cases opened, 0 already taken in, 1 rows rejected." in page
    assert 'id="rejected-rows"' in page
    assert "<td>5</td><td>amount_due</td>" in page
    assert EnforcementCase.objects.count() == 4


def test_a_malformed_file_shows_the_reason_on_the_form(client, clerk, court):
    client.force_login(clerk)
    response = client.post(URL, {"court": court.pk, "file": SimpleUploadedFile("j.csv", b"a,b\n1,2\n")})
    assert response.status_code == 200
    assert "missing columns" in response.content.decode()
    assert not IntakeBatch.objects.exists()


def test_a_clerk_cannot_upload_for_another_court(client, clerk, court, other_court):
    client.force_login(clerk)
    rows = judgment_rows(other_court.code, 1)
    response = client.post(URL, {"court": other_court.pk, "file": SimpleUploadedFile("j.csv", as_csv(rows))})
    assert response.status_code == 200  # the form refuses the choice
    assert "court" in response.context["form"].errors
    assert not EnforcementCase.objects.exists()


def test_another_courts_upload_is_not_shown(client, clerk, other_clerk, other_court):
    client.force_login(other_clerk)
    client.post(
        URL, {"court": other_court.pk, "file": SimpleUploadedFile("j.csv", as_csv(judgment_rows(other_court.code, 1)))}
    )
    batch = IntakeBatch.objects.get()
    client.force_login(clerk)
    response = client.get(f"/admin/enforcement/intakebatch/{batch.pk}/change/")
    assert response.status_code in (302, 404)
    assert batch.filename not in client.get("/admin/enforcement/intakebatch/").content.decode()


def test_an_approver_has_no_upload_page(client, approver):
    client.force_login(approver)
    assert client.get(URL).status_code == 403
