"""Reading a file of judgments: bytes to text, text to numbered rows (a dict of column -> text per row).

A file that cannot be read as a whole raises `IntakeRefused`; a row that cannot be read as a row becomes a
`Rejection` and the others go on.
"""

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from enforcement.errors import InvalidInput
from enforcement.models import IntakeBatch

REQUIRED = (
    "case_number",
    "filed_on",
    "basis_issuer",
    "basis_number",
    "basis_date",
    "obligation",
    "amount_due",
    *(f"{side}_{c}" for side in ("creditor", "debtor") for c in ("kind", "name", "id_number")),
)
OPTIONAL = (
    "currency",
    "court",
    *(f"{side}_{c}" for side in ("creditor", "debtor") for c in ("id_type", "sex", "birth_date")),
)
COLUMNS = frozenset(REQUIRED + OPTIONAL)

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_CHARS = 16 * 1024


class IntakeRefused(InvalidInput):
    """The file itself cannot be read as a file of judgments: nothing of it is taken in."""

    def __init__(self, message: str):
        super().__init__(message, field="file")


@dataclass(slots=True)
class Rejection:
    line: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "message": self.message}


# --- reading the file ----------------------------------------------------------------------------------------------


def detect_format(filename: str, head: bytes) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return IntakeBatch.Format.CSV
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return IntakeBatch.Format.JSONL
    return IntakeBatch.Format.JSONL if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else IntakeBatch.Format.CSV


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise IntakeRefused(_("This is not a text file (it contains NUL bytes): upload CSV or JSON Lines."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IntakeRefused(
            _("The file is not UTF-8 text: line %(line)d has a byte sequence UTF-8 does not allow. Save it as UTF-8.")
            % {"line": line}
        ) from None


def _lines(text: str) -> Iterator[str]:
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise IntakeRefused(
                _("Line %(line)d is longer than %(max)d characters; no judgment is that long.")
                % {"line": number, "max": MAX_LINE_CHARS}
            )
        yield line


def _check_columns(names) -> None:
    missing = [c for c in REQUIRED if c not in names]
    unknown = sorted(set(names) - COLUMNS - {""})
    if missing or unknown:
        parts = []
        if missing:
            parts.append(_("missing columns: %(c)s") % {"c": ", ".join(missing)})
        if unknown:
            parts.append(_("unknown columns: %(c)s") % {"c": ", ".join(unknown)})
        raise IntakeRefused(
            _("The header does not match the intake format (%(problems)s). The columns are: %(all)s.")
            % {"problems": "; ".join(parts), "all": ", ".join(REQUIRED + OPTIONAL)}
        )


def _csv_rows(text: str, rejections: list) -> Iterator[tuple[int, dict]]:
    reader = csv.reader(_lines(text), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise IntakeRefused(_("The file is empty."))
        names = [name.strip().lower() for name in header]
        _check_columns(names)
        for record in reader:
            line = reader.line_num
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(names):
                rejections.append(
                    Rejection(
                        line,
                        "",
                        _("This row has %(n)d fields; the header has %(m)d.") % {"n": len(record), "m": len(names)},
                    )
                )
                continue
            yield line, dict(zip(names, record, strict=True))
    except csv.Error as exc:
        raise IntakeRefused(
            _("This is not a readable CSV file (line %(line)d: %(error)s).") % {"line": reader.line_num, "error": exc}
        ) from None


def _jsonl_rows(text: str, rejections: list) -> Iterator[tuple[int, dict]]:
    for line, raw in enumerate(_lines(text), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except RecursionError:  # `[[[[...` thousands deep: the parser gives up before the line's end
            rejections.append(Rejection(line, "", _("This line is nested too deeply to be a row.")))
            continue
        except ValueError:
            rejections.append(Rejection(line, "", _("This line is not a JSON object.")))
            continue
        if not isinstance(obj, dict):
            rejections.append(Rejection(line, "", _("This line is not a JSON object.")))
            continue
        row = {}
        for key, value in obj.items():
            if isinstance(value, dict | list):
                value = None
            row[str(key).strip().lower()] = "" if value is None else str(value)
        unknown = sorted(set(row) - COLUMNS)
        if unknown:
            rejections.append(Rejection(line, "", _("Unknown keys: %(k)s.") % {"k": ", ".join(unknown)}))
            continue
        yield line, row
