"""The open-data files: the current public list as CSV and JSON Lines, with the same masking as every page.

Regenerated daily by `listings.tasks.open_data_export`, written row by row from a server-side cursor (constant
memory however long the list) to a temporary file renamed into place, so a download never sees half a file.
Served through the public rule at the moment of the download (`still_public`): an entry removed since the file
was made is never served. A cell a spreadsheet would run as a formula is written neutralised
(`enforcement.csvcells`) when the file is made; it is served as written.
"""

import contextlib
import csv
import datetime
import io
import itertools
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enforcement.csvcells import SafeDictWriter
from listings.selectors import PublicEntry, public_entries, public_listings, public_rows

PREFIX = "dishonest-debtors-"
FORMATS = ("csv", "jsonl")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
KEEP_DAYS = 7

# (key, description) of every field, in file order: the open-data page documents them.
FIELDS = [
    ("entry_id", _("Number of the entry on this site (its page is /entries/<entry_id>/).")),
    ("kind", _("person or organisation.")),
    ("name", _("Name of the debtor.")),
    ("sex", _("M or F; empty for organisations.")),
    ("age", _("Age in whole years on the day the file was made; empty for organisations.")),
    ("id_number", _("A person's ID number masked (first 10 characters, ****, last 4); an organisation's USCC.")),
    ("legal_representative", _("An organisation's legal representative; empty for persons.")),
    ("court", _("The enforcing court.")),
    ("province", _("GB/T 2260 code of the court's province.")),
    ("case_number", _("Enforcement case number.")),
    ("filed_on", _("Day the case was filed (YYYY-MM-DD).")),
    ("basis_issuer", _("Who issued the document being enforced.")),
    ("basis_number", _("Number of the document being enforced.")),
    ("obligation", _("What the document obliges the debtor to do.")),
    ("currency", _("ISO 4217 currency of the amounts.")),
    ("amount_due", _("Amount the debtor must pay.")),
    ("amount_performed", _("Amount paid so far.")),
    ("amount_unperformed", _("Amount still unpaid.")),
    ("grounds", _("Grounds for listing, codes 1-6 separated by ';' (see the page of grounds).")),
    ("published_on", _("Day the entry was published (YYYY-MM-DD).")),
    ("restricted_categories", _("Consumption restrictions in force, codes separated by ';'.")),
]


def row(entry: PublicEntry) -> dict:
    return {
        "entry_id": entry.id,
        "kind": entry.kind,
        "name": entry.name,
        "sex": entry.sex,
        "age": entry.age,  # empty in the CSV, null in JSON, for organisations
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


def directory() -> Path:
    path = Path(settings.OPEN_DATA_ROOT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export(*, today: datetime.date | None = None, chunk_size: int = 2000) -> dict[str, Path]:
    """Write today's files and remove those older than a week. Returns {format: path}."""
    today = today or timezone.localdate()
    folder = directory()
    targets = {fmt: folder / f"{PREFIX}{today.isoformat()}.{fmt}" for fmt in FORMATS}
    with contextlib.ExitStack() as stack:
        temporary = {
            fmt: stack.enter_context(
                tempfile.NamedTemporaryFile("w", dir=folder, delete=False, suffix=".part", encoding="utf-8", newline="")
            )
            for fmt in FORMATS
        }
        try:
            # Excel opens UTF-8 CSV correctly only with a byte-order mark.
            temporary["csv"].write("\ufeff")
            writer = SafeDictWriter(temporary["csv"], fieldnames=[key for key, _ in FIELDS])
            writer.writeheader()
            ids = public_listings().order_by("pk").values_list("pk", flat=True).iterator(chunk_size=chunk_size)
            while chunk := list(itertools.islice(ids, chunk_size)):
                for entry in public_entries(chunk, today=today):
                    record = row(entry)
                    writer.writerow(record)
                    temporary["jsonl"].write(json.dumps(record, ensure_ascii=False) + "\n")
            for fmt, handle in temporary.items():
                handle.close()
                os.replace(handle.name, targets[fmt])
        finally:
            for handle in temporary.values():
                if os.path.exists(handle.name):
                    os.unlink(handle.name)
    _prune(folder, today)
    return targets


def _prune(folder: Path, today: datetime.date) -> None:
    oldest = (today - datetime.timedelta(days=KEEP_DAYS)).isoformat()
    for path in folder.glob(f"{PREFIX}*"):
        day = path.stem.removeprefix(PREFIX)
        if day < oldest:
            path.unlink(missing_ok=True)


def still_public(path: Path, fmt: str, *, chunk_size: int = 2000) -> Iterator[bytes]:
    """The file as it is served: every entry in it that is no longer public (paid, removed, revoked or past its
    last day since the file was made) is left out, by asking the one public rule (`public_rows`) about each
    chunk of entries at the moment of the download. The rest passes through as written."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        if fmt == "csv":
            reader = csv.reader(handle)
            buffer = io.StringIO("\ufeff")  # Excel reads UTF-8 CSV right only with a byte-order mark
            buffer.seek(0, io.SEEK_END)
            writer = csv.writer(buffer)
            header = next(reader, None)
            if header is None:
                return
            writer.writerow(header)
            position = header.index("entry_id")
            rows = (((int(record[position]), record)) for record in reader if record)
        else:
            buffer, writer = io.StringIO(), None
            rows = ((json.loads(line)["entry_id"], line) for line in handle if line.strip())
        while chunk := list(itertools.islice(rows, chunk_size)):
            public = set(public_rows().filter(pk__in=[pk for pk, _ in chunk]).values_list("pk", flat=True))
            for pk, record in chunk:
                if pk not in public:
                    continue
                if writer:
                    writer.writerow(record)  # as written: `export` neutralised its cells
                else:
                    buffer.write(record)
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue().encode("utf-8")


def latest_files() -> dict[str, Path]:
    """The newest complete file of each format."""
    folder = directory()
    found = {}
    for fmt in FORMATS:
        files = sorted(folder.glob(f"{PREFIX}*.{fmt}"))
        if files:
            found[fmt] = files[-1]
    return found
