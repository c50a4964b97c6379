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
import decimal
import functools
import io
import itertools
import json
import json.encoder
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.replicas import read_alias
from enforcement.csvcells import FORMULA_LEADS, neutralise
from enforcement.fields import ChoiceSetField
from listings.selectors import PUBLIC_COLUMNS, public_listings, public_rows, public_values

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


KEYS = [key for key, _ in FIELDS]


def record(values: tuple) -> tuple:
    """One entry's cells, in the order of FIELDS, from its public values (`selectors.public_values`, in the
    order of `PublicEntry`): dates as YYYY-MM-DD, amounts as written in the case, sets joined by ';'."""
    (
        entry_id, kind, name, sex, age, id_number_masked, legal_representative, _court_id, court_name,
        _court_name_en, province, case_number, filed_on, basis_issuer, basis_number, obligation, currency,
        amount_due, amount_performed, amount_unperformed, grounds, published_on, restricted_categories,
    ) = values  # fmt: skip
    return (
        entry_id,
        kind,
        name,
        sex,
        age,  # empty in the CSV, null in JSON, for organisations
        id_number_masked,
        legal_representative,
        court_name,
        province,
        case_number,
        filed_on.isoformat(),
        basis_issuer,
        basis_number,
        obligation,
        currency,
        str(amount_due),
        str(amount_performed),
        str(amount_unperformed),
        _joined(grounds),
        published_on.isoformat(),
        _joined(restricted_categories),
    )


@functools.cache
def _joined(members: tuple) -> str:
    return ";".join(str(member) for member in members)


def csv_cells(cells: tuple) -> list:
    """The cells as the CSV holds them: each neutralised (`enforcement.csvcells`)."""
    return [neutralise(c) for c in cells]


# Where a cell of a CSV line other than the first (entry_id, a number) can begin with a formula lead: after a
# comma, quoted or not. A batch of rows written plainly in which this is found nowhere holds no cell to
# neutralise; any other batch (a false alarm included, such as "-3" or a comma inside a quoted cell) is written
# cell by cell. (`(?:^|,)` would cover the first cell too, at seven times the cost of the search.)
_LEAD_AFTER_A_COMMA = re.compile(',"?[' + re.escape("".join(FORMULA_LEADS)) + "]")


def csv_text(batch: list[tuple]) -> str:
    """The CSV lines of a batch of entries' cells, as `SafeDictWriter` writes them, in one C call for the
    common batch where no cell needs neutralising."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerows(batch)
    if _LEAD_AFTER_A_COMMA.search(text.getvalue()):
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerows([csv_cells(cells) for cells in batch])
    return text.getvalue()


# One line of JSON Lines, as `json.dumps(dict(zip(KEYS, cells)), ensure_ascii=False)` writes it: the keys and
# separators are constant and each text goes through the encoder json.dumps uses. `record` gives an integer at
# entry_id, an integer or None at age and a text everywhere else (a cell of another type raises TypeError).
JSON_LINE = "{" + ", ".join(f"{json.dumps(key)}: %s" for key in KEYS) + "}\n"
_encode_text = json.encoder.encode_basestring  # ensure_ascii=False's encoder (the C one where there is one)
assert (KEYS.index("entry_id"), KEYS.index("age")) == (0, 4)  # noqa: S101 - csv_text and json_line rely on it


def json_line(cells: tuple) -> str:
    age = cells[4]
    return JSON_LINE % (
        int.__repr__(cells[0]),
        *map(_encode_text, cells[1:4]),
        "null" if age is None else int.__repr__(age),
        *map(_encode_text, cells[5:]),
    )


def directory() -> Path:
    path = Path(settings.OPEN_DATA_ROOT)
    path.mkdir(parents=True, exist_ok=True)
    return path


def export(*, today: datetime.date | None = None, chunk_size: int = 1000) -> dict[str, Path]:
    """Write today's files and remove those older than a week. Returns {format: path}."""
    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
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
            csv.writer(temporary["csv"]).writerow(KEYS)  # ours: written as is
            for rows in public_row_batches(today, chunk_size):
                cells = [record(public_values(row, today, tz)) for row in rows]
                temporary["csv"].write(csv_text(cells))
                temporary["jsonl"].write("".join([json_line(c) for c in cells]))
            for fmt, handle in temporary.items():
                handle.close()
                os.replace(handle.name, targets[fmt])
        finally:
            for handle in temporary.values():
                if os.path.exists(handle.name):
                    os.unlink(handle.name)
    _prune(folder, today)
    return targets


def public_row_batches(today: datetime.date, size: int) -> Iterator[list[dict]]:
    """The whole public list (`public_listings`), in the order of the entries, as batches of at most `size` rows
    (by the names of `PUBLIC_COLUMNS`, as the ORM returns them), read by one statement (one snapshot) and never
    held whole: memory stays the same however long the list.

    On PostgreSQL the rows come by `COPY (SELECT ...) TO STDOUT`: the server produces the next rows while this
    process writes the last ones, each value is typed from its text by a C constructor (`TEXT_PARSERS`), and no
    Django converter runs per value (the only ones these columns have, the sets' bits to members, are
    remembered per value: 64 and 4,096 of them).
    Elsewhere the ORM reads them in chunks."""
    query = public_listings(today).order_by("pk").values_list(*PUBLIC_COLUMNS.values())
    connection = connections[read_alias()]  # the primary, or a replica (config.replicas)
    if connection.vendor != "postgresql":
        rows = query.iterator(chunk_size=size)
        while batch := list(itertools.islice(rows, size)):
            yield [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in batch]
        return
    compiler = query.query.get_compiler(connection.alias)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([expression for expression, _, _ in compiler.select])
    with connection.cursor() as cursor:
        # The selector compiled by Django, its values bound as parameters; first its columns' types, no rows.
        cursor.execute(f"SELECT * FROM ({sql}) AS public LIMIT 0", params)  # noqa: S608
        parsers = {i: TEXT_PARSERS[column.type_code] for i, column in enumerate(cursor.description)}
        for position, (functions, expression) in list(converters.items()):
            if isinstance(expression.output_field, ChoiceSetField):  # the stored bits, to the set's members
                parsers[position] = _remembered(parsers[position], functions, expression, connection.alias)
                del converters[position]
        parsers = [(i, parse) for i, parse in parsers.items() if parse is not str]
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
            rows = copy.rows()  # text, NULL as None
            while batch := list(itertools.islice(rows, size)):
                typed = [_typed(row, parsers) for row in batch]
                converted = compiler.apply_converters(typed, converters) if converters else typed
                yield [dict(zip(PUBLIC_COLUMNS, row, strict=True)) for row in converted]


# COPY's text of each type these columns have (by PostgreSQL type OID) to the value psycopg would load. psycopg's
# own loaders cost more per row than the rest of the export (Django's time-zone loader above all); these are C
# constructors. COPY writes dates and timestamps in ISO form (the DateStyle psycopg also needs); a column of
# another type raises KeyError here rather than be written wrong.
TEXT_PARSERS = {
    16: lambda text: text == "t",  # bool
    20: int,  # int8
    21: int,  # int2
    23: int,  # int4
    25: str,  # text
    1043: str,  # varchar
    1082: datetime.date.fromisoformat,  # date
    1184: datetime.datetime.fromisoformat,  # timestamptz, with its offset
    1700: decimal.Decimal,  # numeric
}


def _typed(row: tuple, parsers: list) -> list:
    row = list(row)
    for position, parse in parsers:
        if (text := row[position]) is not None:
            row[position] = parse(text)
    return row


def _remembered(parse, functions: list, expression, alias: str):
    """A set column's text to its members, through Django's converters, worked out once per stored value."""

    @functools.cache
    def members(text: str):
        value = parse(text)
        for function in functions:
            value = function(value, expression, connections[alias])
        return value

    return members


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
