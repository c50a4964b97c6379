import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enforcement.models import AuditEntry, EnforcementCase, IntakeBatch, IntakeRecord, Party
from enforcement.services.intake import IntakeRefused, judgments_intake
from tests.enforcement.api.intake_data import as_csv, as_jsonl, judgment_rows
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def upload(client, court, content: bytes, name="judgments.csv", **extra):
    return client.post(
        "/api/v1/intake/",
        {"court": court.code, "file": SimpleUploadedFile(name, content), **extra},
        format="multipart",
    )


def test_good_rows_open_cases_with_parties_and_audit_rows(api, court, clerk):
    rows = judgment_rows(court.code, 20)
    response = upload(api, court, as_csv(rows))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows_total"], body["rows_created"], body["rows_rejected"]) == (20, 20, 0)
    assert EnforcementCase.objects.filter(court=court, state="judgment").count() == 20
    case = EnforcementCase.objects.get(case_number=rows[3]["case_number"])
    assert case.debtor.id_number == rows[3]["debtor_id_number"]
    assert case.debtor.birth_date is not None  # read from the resident ID like party_create does
    assert str(case.amount_due) == rows[3]["amount_due"]
    entry = AuditEntry.objects.get(case=case)
    assert (entry.action, entry.to_state, entry.actor, entry.detail["line"]) == ("open", "judgment", clerk, 5)


def test_bad_rows_are_reported_with_line_number_and_reason_and_good_ones_go_in(api, court):
    rows = judgment_rows(court.code, 6)
    rows[1]["debtor_id_number"] = rows[1]["debtor_id_number"][:-1] + (
        "1" if rows[1]["debtor_id_number"][-1] != "1" else "2"
    )
    rows[2]["amount_due"] = "12.345"
    rows[3]["case_number"] = "（2026）沪0115执9号"
    rows[4]["filed_on"] = "yesterday"
    response = upload(api, court, as_csv(rows))
    assert response.status_code == 201
    body = response.json()
    assert (body["rows_total"], body["rows_created"], body["rows_rejected"]) == (6, 2, 4)
    by_line = {r["line"]: r for r in body["rejections"]}
    assert set(by_line) == {3, 4, 5, 6}  # the header is line 1
    assert by_line[3]["field"] == "debtor_id_number"
    assert "check character" in by_line[3]["message"]
    assert by_line[4]["field"] == "amount_due"
    assert "court code" in by_line[5]["message"]
    assert by_line[6]["field"] == "filed_on"
    assert EnforcementCase.objects.count() == 2


def test_uploading_the_same_file_again_creates_nothing_twice(api, court):
    content = as_csv(judgment_rows(court.code, 30))
    assert upload(api, court, content).json()["rows_created"] == 30
    parties = Party.objects.count()
    again = upload(api, court, content).json()
    assert (again["rows_created"], again["rows_present"], again["rows_rejected"]) == (0, 30, 0)
    assert EnforcementCase.objects.count() == 30
    assert Party.objects.count() == parties
    assert AuditEntry.objects.count() == 30
    assert IntakeBatch.objects.count() == 2


def test_parties_are_reused_by_id_number(api, court):
    rows = judgment_rows(court.code, 3)
    known = PersonFactory(id_number=rows[0]["debtor_id_number"])
    rows[2]["debtor_id_number"] = rows[0]["debtor_id_number"]
    rows[2]["basis_number"] = "另一判决"
    body = upload(api, court, as_csv(rows)).json()
    assert body["rows_created"] == 3
    assert EnforcementCase.objects.filter(debtor=known).count() == 2


def test_duplicates_within_the_file_are_rejected(api, court):
    rows = judgment_rows(court.code, 3)
    rows.append(dict(rows[0], case_number=f"（2026）{court.code}执999号"))
    rows.append(dict(rows[1], basis_number="别的文书"))  # the same case number as line 3
    body = upload(api, court, as_csv(rows)).json()
    assert body["rows_created"] == 3
    assert [(r["line"], r["field"]) for r in body["rejections"]] == [(5, "basis_number"), (6, "case_number")]
    assert "line 2" in body["rejections"][0]["message"]


def test_json_lines_are_taken_in_and_broken_lines_reported(api, court):
    rows = judgment_rows(court.code, 3)
    content = as_jsonl(rows[:2]) + b"{not json\n" + b"[1, 2]\n" + as_jsonl(rows[2:])
    body = upload(api, court, content, name="judgments.jsonl").json()
    assert (body["rows_total"], body["rows_created"]) == (5, 3)
    assert [r["line"] for r in body["rejections"]] == [3, 4]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"case_number,debtor_name\nx,y\n", "missing columns"),
        ("名字,号码\n张三,1\n".encode("gb18030"), "not UTF-8"),
        (b"%PDF-1.4\x00\x01\x02", "not a text file"),
        (b"", "empty"),
        (None, "no judgments"),
        ("LONG", "longer than"),
    ],
)
def test_a_malformed_file_is_a_400_and_writes_nothing(api, court, content, message):
    if content is None:
        content = as_csv([])
    elif content == "LONG":
        rows = judgment_rows(court.code, 3)
        rows[2]["obligation"] = "长" * 20_000
        content = as_csv(rows)
    response = upload(api, court, content)
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    assert not EnforcementCase.objects.exists()
    assert not IntakeBatch.objects.exists()
    assert not Party.objects.exists()


def test_a_csv_row_with_the_wrong_number_of_fields_is_a_rejected_row(api, court):
    content = as_csv(judgment_rows(court.code, 2)) + b"a,b,c\n"
    body = upload(api, court, content).json()
    assert body["rows_created"] == 2
    assert body["rejections"][0]["line"] == 4
    assert "fields" in body["rejections"][0]["message"]


def test_intake_for_another_court_is_403_and_for_no_court_400(api, other_court):
    content = as_csv(judgment_rows(other_court.code, 2))
    assert upload(api, other_court, content).status_code == 403
    response = api.post("/api/v1/intake/", {"court": "无", "file": SimpleUploadedFile("a.csv", content)})
    assert response.status_code == 400
    assert api.post("/api/v1/intake/", {"court": other_court.code}).status_code == 400


def test_an_approver_may_not_upload(approver_api, court):
    assert upload(approver_api, court, as_csv(judgment_rows(court.code, 1))).status_code == 403


def test_the_result_of_an_upload_is_readable_in_its_court_only(api, other_api, court):
    batch_id = upload(api, court, as_csv(judgment_rows(court.code, 2))).json()["id"]
    assert api.get(f"/api/v1/intake/{batch_id}/").json()["rows_created"] == 2
    assert other_api.get(f"/api/v1/intake/{batch_id}/").status_code == 404


def test_unauthenticated_upload_is_401(anonymous, court):
    assert upload(anonymous, court, b"x").status_code == 401


@pytest.mark.postgres  # SQLite caps the parameters of one statement, so its inserts split into more batches
def test_the_query_count_does_not_grow_with_the_rows(court, clerk):
    def queries(start: int, n: int) -> int:
        content = as_csv(judgment_rows(court.code, n, seed=start, start=start))
        with CaptureQueriesContext(connection) as captured:
            batch = judgments_intake(actor=clerk, court_id=court.pk, file=io.BytesIO(content), filename="f.csv")
        assert batch.rows_created == n
        return len(captured)

    queries(5000, 1)  # the clerk's roles are read once per user object
    assert queries(1, 10) == queries(1000, 400)


def test_the_command_takes_in_a_file_and_exits_non_zero_on_bad_input(court, clerk, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(as_csv(judgment_rows(court.code, 4)))
    out = io.StringIO()
    call_command("intake_judgments", str(good), court=court.code, user="clerk", stdout=out)
    assert "4 cases opened" in out.getvalue()
    assert IntakeRecord.objects.count() == 4
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"hello,world\n1,2\n")
    with pytest.raises(CommandError, match="missing columns") as refused:
        call_command("intake_judgments", str(bad), court=court.code, user="clerk")
    assert refused.value.returncode == 1
    with pytest.raises(CommandError, match="no court"):
        call_command("intake_judgments", str(good), court="XX", user="clerk")
    rows = judgment_rows(court.code, 2, start=100)
    rows[0]["amount_due"] = "0"
    some_bad = tmp_path / "some.jsonl"
    some_bad.write_bytes(as_jsonl(rows))
    with pytest.raises(CommandError) as rejected:
        call_command("intake_judgments", str(some_bad), court=court.code, user="clerk", stdout=io.StringIO())
    assert rejected.value.returncode == 3


def test_the_service_refuses_a_file_it_cannot_read(court, clerk):
    with pytest.raises(IntakeRefused):
        judgments_intake(actor=clerk, court_id=court.pk, file=io.BytesIO(json.dumps([1]).encode()), filename="x.csv")


def test_the_refusal_is_in_the_clients_language(clerk, court):
    from tests.enforcement.api.conftest import token_client

    client = token_client(clerk)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = upload(client, court, b"a,b\n1,2\n")
    assert response.status_code == 400
    assert "缺少列" in response.json()["file"][0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_uploads_of_one_file_open_each_case_once(court, clerk):
    import threading

    content = as_csv(judgment_rows(court.code, 300))
    barrier = threading.Barrier(2)
    results = []

    def take_in():
        try:
            barrier.wait()
            batch = judgments_intake(actor=clerk, court_id=court.pk, file=io.BytesIO(content), filename="same.csv")
            results.append((batch.rows_created, batch.rows_present))
        finally:
            connection.close()

    threads = [threading.Thread(target=take_in) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [(0, 300), (300, 0)]
    assert EnforcementCase.objects.filter(court=court).count() == 300
    assert AuditEntry.objects.filter(action="open").count() == 300
