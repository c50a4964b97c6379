"""Bulk intake of judgments: a court's file of judgments (CSV or JSON Lines) becomes parties and open cases.

Each row is checked by the rules `case_open` and `party_create` apply (case number and its court code, dates,
amount, currency, ID numbers and USCCs by their checksums), set-wise: the rows are validated in Python, then each
chunk costs a fixed handful of queries whatever its size (existing natural keys, existing case numbers, existing
parties, one INSERT of new parties, one of cases, one of intake records, one COPY of audit rows). Parties are
reused by their ID number. A row whose natural key (court, basis document number, debtor's ID number) an earlier
upload already took in is counted as present and creates nothing: uploading a file twice opens each case once.

The whole file is one transaction, under a lock on the court's row (two uploads for one court queue; other
writes to the court's cases do not wait): a file refused half-way (bad encoding, a line too long) writes
nothing, and a file taken in is taken in entirely. Bad rows never stop the others; they are reported with their
line number, the column at fault and the reason.

Columns (CSV header, or JSON Lines keys; names are case-insensitive; `*` = required):
    case_number*        （2026）京0101执123号 (half-width brackets accepted); its court code must be the court's
    filed_on*           the day the court accepted the application, YYYY-MM-DD, not in the future
    basis_issuer*       who made the judgment (or award) being enforced
    basis_number*       its document number
    basis_date*         its date, YYYY-MM-DD, not after filed_on
    obligation*         what it obliges the debtor to do (public)
    amount_due*         e.g. 12345.67 (more than 0, at most two decimals)
    currency            CNY (default), HKD, USD, EUR, GBP, JPY
    court               the court's code; if given, it must be the court the file is uploaded for
    creditor_kind*, debtor_kind*            person | organisation
    creditor_name*, debtor_name*
    creditor_id_type, debtor_id_type        resident_id (default for a person) | passport | other | uscc (organisation)
    creditor_id_number*, debtor_id_number*  resident ID number or USCC, checked by its check character
    creditor_sex, debtor_sex                M | F, required for a person without a resident ID
    creditor_birth_date, debtor_birth_date  YYYY-MM-DD, required for a person without a resident ID
"""

import csv
import datetime
import functools
import hashlib
import io
import json
import logging
import queue
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.casenumbers import parse_case_number
from enforcement.errors import Conflict, DomainError, InvalidInput, NotFound
from enforcement.models import CaseState, Court, Currency, EnforcementCase, IntakeBatch, IntakeRecord, Party
from enforcement.permissions import Role
from enforcement.services.core import _money, _require_role, actor_name
from enforcement.services.transitions import insert_audit_rows

logger = logging.getLogger(__name__)

PARTY_COLUMNS = ("kind", "name", "id_type", "id_number", "sex", "birth_date")
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

# The choices as sets, read once (an enum's .values builds a new list at every call).
PARTY_KINDS = frozenset(Party.Kind.values)
ID_TYPES = frozenset(Party.IdType.values)
SEXES = frozenset(Party.Sex.values)
CURRENCIES = frozenset(Currency.values)

SEPARATOR = "\x1f"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_LINE_CHARS = 16 * 1024
MAX_ROWS = 500_000
CHUNK_ROWS = 5000
MAX_REJECTIONS_KEPT = 100_000


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


@dataclass(slots=True)
class Judgment:
    line: int
    case_number: str
    filed_on: datetime.date
    basis_issuer: str
    basis_number: str
    basis_date: datetime.date
    obligation: str
    amount_due: Decimal
    currency: str
    creditor: "PartyData"
    debtor: "PartyData"


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


# --- checking a row ------------------------------------------------------------------------------------------------


def _date(row: dict, field: str, errors: list, line: int) -> datetime.date | None:
    value = row.get(field, "").strip()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors.append(Rejection(line, field, _("%(v)s is not a date (YYYY-MM-DD).") % {"v": value or "''"}))
        return None


def _text(row: dict, field: str, max_length: int, errors: list, line: int) -> str:
    value = row.get(field, "").strip()
    if not value:
        errors.append(Rejection(line, field, _("This column is required.")))
    elif len(value) > max_length:
        errors.append(Rejection(line, field, _("At most %(n)d characters.") % {"n": max_length}))
    elif field != "obligation" and CONTROL_CHARACTERS.search(value):
        errors.append(Rejection(line, field, _("Control characters (tabs, line breaks ...) are not allowed here.")))
    return value


class PartyData(NamedTuple):
    kind: str
    name: str
    id_type: str
    id_number: str
    sex: str
    birth_date: datetime.date | None


class _PartyRow:
    """What `Party.clean` reads and writes, without a model instance: the model's own rules, run on a plain
    object (building a model instance per row cost more than checking the number; measured by the bench)."""

    __slots__ = ("birth_date", "id_number", "id_type", "kind", "name", "sex")
    Kind, IdType, Sex = Party.Kind, Party.IdType, Party.Sex
    clean = Party.clean

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)


@functools.lru_cache(maxsize=8192)
def _checked_party(
    kind: str, name: str, id_type: str, id_number: str, sex: str, birth: str, language: str | None
) -> tuple[PartyData | None, tuple[tuple[str, str], ...]]:
    """A party as a row names it, validated by the model's own rules (checksums, what a resident ID encodes).
    Cached: a creditor named on a thousand rows is checked once."""
    errors: list[tuple[str, str]] = []
    if kind not in PARTY_KINDS:
        return None, (("kind", _("Write person or organisation.")),)
    if not name:
        errors.append(("name", _("This column is required.")))
    elif len(name) > 200:
        errors.append(("name", _("At most %(n)d characters.") % {"n": 200}))
    if id_type not in ID_TYPES:
        errors.append(("id_type", _("Choose one of: %(c)s.") % {"c": ", ".join(sorted(ID_TYPES))}))
    if CONTROL_CHARACTERS.search(name + id_number):
        errors.append(("id_number", _("Control characters (tabs, line breaks ...) are not allowed here.")))
    if not id_number or len(id_number) > 32:
        errors.append(("id_number", _("Give the ID number (at most 32 characters).")))
    if sex and sex not in SEXES:
        errors.append(("sex", _("Write M or F.")))
    birth_date = None
    if birth:
        try:
            birth_date = datetime.date.fromisoformat(birth)
        except ValueError:
            errors.append(("birth_date", _("%(v)s is not a date (YYYY-MM-DD).") % {"v": birth}))
    if errors:
        return None, tuple(errors)
    party = _PartyRow(kind=kind, name=name, id_type=id_type, id_number=id_number, sex=sex, birth_date=birth_date)
    try:
        party.clean()
    except ValidationError as exc:
        return None, tuple((field, " ".join(messages)) for field, messages in exc.message_dict.items())
    return PartyData(party.kind, party.name, party.id_type, party.id_number, party.sex, party.birth_date), ()


def _party(row: dict, side: str, errors: list, line: int, language: str | None) -> PartyData | None:
    kind = row.get(f"{side}_kind", "").strip().lower()
    default_type = Party.IdType.USCC if kind == Party.Kind.ORGANISATION else Party.IdType.RESIDENT_ID
    party, problems = _checked_party(
        kind,
        row.get(f"{side}_name", "").strip(),
        row.get(f"{side}_id_type", "").strip().lower() or default_type.value,
        row.get(f"{side}_id_number", "").strip(),
        row.get(f"{side}_sex", "").strip().upper(),
        row.get(f"{side}_birth_date", "").strip(),
        language,
    )
    errors.extend(Rejection(line, f"{side}_{field}", message) for field, message in problems)
    return party


def _judgment(
    line: int, row: dict, court: Court, today: datetime.date, language: str | None = None
) -> tuple[Judgment | None, list[Rejection]]:
    errors: list[Rejection] = []
    given_court = row.get("court", "").strip()
    if given_court and given_court != court.code:
        errors.append(
            Rejection(
                line,
                "court",
                _("This row is for court %(row)s; the file is uploaded for %(court)s (%(code)s).")
                % {"row": given_court, "court": court, "code": court.code},
            )
        )
    case_number = row.get("case_number", "").strip()
    try:
        number = parse_case_number(case_number)
    except ValidationError as exc:
        errors.append(Rejection(line, "case_number", exc.messages[0]))
    else:
        if number.court_code != court.code:
            errors.append(
                Rejection(
                    line,
                    "case_number",
                    _("Case number %(n)s carries the court code %(code)s, but %(court)s's code is %(own)s.")
                    % {"n": case_number, "code": number.court_code, "court": court, "own": court.code},
                )
            )
        case_number = number.canonical
    filed_on = _date(row, "filed_on", errors, line)
    if filed_on and filed_on > today:
        errors.append(Rejection(line, "filed_on", _("The filing date cannot be in the future.")))
    basis_date = _date(row, "basis_date", errors, line)
    if basis_date and filed_on and basis_date > filed_on:
        errors.append(Rejection(line, "basis_date", _("The basis document cannot be dated after the filing date.")))
    basis_issuer = _text(row, "basis_issuer", 200, errors, line)
    basis_number = _text(row, "basis_number", 60, errors, line)
    obligation = _text(row, "obligation", 10_000, errors, line)
    amount = None
    try:
        amount = _money(row.get("amount_due", "").strip().replace(",", ""), "amount_due")
        if amount == 0:
            raise InvalidInput(_("The amount due must be more than zero."), field="amount_due")
    except DomainError as error:
        errors.append(Rejection(line, "amount_due", error.message))
        amount = None
    currency = row.get("currency", "").strip().upper() or Currency.CNY
    if currency not in CURRENCIES:
        errors.append(Rejection(line, "currency", _("Choose one of: %(c)s.") % {"c": ", ".join(sorted(CURRENCIES))}))
    creditor = _party(row, "creditor", errors, line, language)
    debtor = _party(row, "debtor", errors, line, language)
    if creditor and debtor and (creditor.id_type, creditor.id_number) == (debtor.id_type, debtor.id_number):
        errors.append(Rejection(line, "debtor_id_number", _("The creditor and the debtor must be different parties.")))
    if errors:
        return None, errors
    return (
        Judgment(
            line=line,
            case_number=case_number,
            filed_on=filed_on,
            basis_issuer=basis_issuer,
            basis_number=basis_number,
            basis_date=basis_date,
            obligation=obligation,
            amount_due=amount,
            currency=currency,
            creditor=creditor,
            debtor=debtor,
        ),
        [],
    )


# --- writing a chunk, set-wise ---------------------------------------------------------------------------------------


def _copy(model, rows: list[dict]) -> None:
    """Insert rows (attname -> value; every other column takes its default) in one go: COPY on PostgreSQL,
    bulk_create elsewhere. Nothing is returned: the caller reads back the ids by a natural key."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**row) for row in rows])
        return
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = {}
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            defaults[field.attname] = now
        else:
            defaults[field.attname] = field.get_default()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row([row[name] if name in row else defaults[name] for name in names])


def _matching(model, field: str, values, columns: tuple[str, ...], **equal) -> list[tuple]:
    """`columns` of the rows whose `field` is one of `values` (and whose `equal` columns match). On PostgreSQL the
    values travel as one text parameter split by the server: thousands of them cost one string, not an array
    adapted element by element. (No value holds the separator: control characters are refused in every column.)"""
    values = list(values)
    if not values:
        return []
    if connection.vendor != "postgresql":
        return list(model.objects.filter(**{f"{field}__in": values}, **equal).values_list(*columns))
    meta, quote = model._meta, connection.ops.quote_name
    where = [f"{quote(meta.get_field(field).column)} = ANY(string_to_array(%s, chr(31)))"]
    where += [f"{quote(meta.get_field(name).column)} = %s" for name in equal]
    sql = "SELECT {} FROM {} WHERE {}".format(  # noqa: S608 - names from the model, values as parameters
        ", ".join(quote(meta.get_field(c).column) for c in columns), quote(meta.db_table), " AND ".join(where)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [SEPARATOR.join(values), *equal.values()])
        return cursor.fetchall()


def _party_ids(judgments: list[Judgment]) -> tuple[dict, int]:
    """(id_type, id_number) -> party id for every party of the chunk, registering the new ones in one go."""
    wanted: dict[tuple[str, str], PartyData] = {}
    for judgment in judgments:
        for party in (judgment.creditor, judgment.debtor):
            wanted.setdefault((party.id_type, party.id_number), party)
    numbers = list({number for _type, number in wanted})
    known = {
        (id_type, number): pk
        for pk, id_type, number in _matching(Party, "id_number", numbers, ("id", "id_type", "id_number"))
    }
    new = [party for key, party in wanted.items() if key not in known]
    if new:
        rows = [party._asdict() for party in new]
        try:
            with transaction.atomic():
                _copy(Party, rows)
        except IntegrityError:
            # Another court registered one of them meanwhile: insert the others one set at a time, skipping it.
            Party.objects.bulk_create([Party(**row) for row in rows], ignore_conflicts=True)
        new_numbers = list({party.id_number for party in new})
        for pk, id_type, number in _matching(Party, "id_number", new_numbers, ("id", "id_type", "id_number")):
            known[(id_type, number)] = pk
    return known, len(new)


AUDIT_COLUMNS = ("case_id", "at", "actor_id", "actor_name", "action", "from_state", "to_state", "reason")
AUDIT_COLUMNS += ("legal_basis", "detail")


def _audit(rows: list[tuple]) -> None:
    """The chunk's `open` audit rows in one go (with the clerk as actor, unlike the sweeps' rows)."""
    insert_audit_rows(rows, AUDIT_COLUMNS)


def _write_chunk(judgments: list[Judgment], *, court: Court, batch: IntakeBatch, actor, rejections: list) -> None:
    keys = {(j.basis_number, j.debtor.id_number) for j in judgments}
    present = keys & set(
        _matching(
            IntakeRecord, "basis_number", {k[0] for k in keys}, ("basis_number", "debtor_id_number"), court=court.pk
        )
    )
    fresh = [j for j in judgments if (j.basis_number, j.debtor.id_number) not in present]
    batch.rows_present += len(judgments) - len(fresh)
    taken = {
        number
        for (number,) in _matching(EnforcementCase, "case_number", [j.case_number for j in fresh], ("case_number",))
    }
    if taken:
        for j in fresh:
            if j.case_number in taken:
                rejections.append(Rejection(j.line, "case_number", _("A case with this number already exists.")))
        fresh = [j for j in fresh if j.case_number not in taken]
    if not fresh:
        return
    party_ids, parties_created = _party_ids(fresh)
    batch.parties_created += parties_created
    try:
        with transaction.atomic():
            _copy(
                EnforcementCase,
                [
                    {
                        "court_id": court.pk,
                        "case_number": j.case_number,
                        "creditor_id": party_ids[(j.creditor.id_type, j.creditor.id_number)],
                        "debtor_id": party_ids[(j.debtor.id_type, j.debtor.id_number)],
                        "basis_issuer": j.basis_issuer,
                        "basis_number": j.basis_number,
                        "basis_date": j.basis_date,
                        "obligation": j.obligation,
                        "amount_due": j.amount_due,
                        "currency": j.currency,
                        "filed_on": j.filed_on,
                        "state": CaseState.JUDGMENT,
                    }
                    for j in fresh
                ],
            )
    except IntegrityError:
        raise Conflict(
            _("A case with a number in this file was opened meanwhile. Upload the file again: what is in goes in once.")
        ) from None
    case_ids = dict(_matching(EnforcementCase, "case_number", [j.case_number for j in fresh], ("case_number", "id")))
    _copy(
        IntakeRecord,
        [
            {
                "court_id": court.pk,
                "basis_number": j.basis_number,
                "debtor_id_number": j.debtor.id_number,
                "case_id": case_ids[j.case_number],
                "batch_id": batch.pk,
            }
            for j in fresh
        ],
    )
    now = timezone.now()
    name = actor_name(actor)
    legal_basis = str(rules.LEGAL_BASIS["open"])
    _audit(
        [
            (
                case_ids[j.case_number],
                now,
                actor.pk if actor is not None else None,
                name,
                "open",
                "",
                CaseState.JUDGMENT.value,
                "",
                legal_basis,
                json.dumps(
                    {"amount_due": str(j.amount_due), "currency": j.currency, "intake_batch": batch.pk, "line": j.line}
                ),
            )
            for j in fresh
        ]
    )
    batch.rows_created += len(fresh)


def _checked_chunks(rows, *, court: Court, today: datetime.date, rejections: list, counts: dict):
    """Check the rows and yield the good ones in chunks; duplicates within the file are rejected here."""
    seen_keys: dict[tuple[str, str], int] = {}
    seen_numbers: dict[str, int] = {}
    chunk: list[Judgment] = []
    language = get_language()  # once: it keys the cache of checked parties (their messages are translated)
    for line, row in rows:
        counts["rows"] += 1
        if counts["rows"] > MAX_ROWS:
            raise IntakeRefused(_("A file holds at most %(n)d judgments; split it.") % {"n": MAX_ROWS})
        judgment, errors = _judgment(line, row, court, today, language)
        if judgment is None:
            rejections.extend(errors)
            continue
        key = (judgment.basis_number, judgment.debtor.id_number)
        if key in seen_keys:
            rejections.append(
                Rejection(
                    line, "basis_number", _("The same judgment and debtor as line %(n)d.") % {"n": seen_keys[key]}
                )
            )
            continue
        if judgment.case_number in seen_numbers:
            rejections.append(
                Rejection(
                    line,
                    "case_number",
                    _("The same case number as line %(n)d.") % {"n": seen_numbers[judgment.case_number]},
                )
            )
            continue
        seen_keys[key] = seen_numbers[judgment.case_number] = line
        chunk.append(judgment)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _in_background(make_iterable, *, language: str | None):
    """Iterate in a thread, one or two items ahead, while the caller writes the previous item to the database:
    checking rows is Python work and writing them is PostgreSQL's, so the two overlap. The thread never touches
    the database; its exceptions (a file refused half-way) are raised here, in the caller's transaction."""
    items: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def put(message) -> bool:
        while not stop.is_set():
            try:
                items.put(message, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            with translation.override(language):
                for item in make_iterable():
                    if not put(("item", item)):
                        return
            put(("done", None))
        except BaseException as exc:
            put(("error", exc))

    worker = threading.Thread(target=run, name="intake-check", daemon=True)
    worker.start()
    try:
        while True:
            kind, item = items.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        worker.join()


# --- the service ---------------------------------------------------------------------------------------------------


def judgments_intake(*, actor, court_id: int, file, filename: str = "", file_format: str | None = None) -> IntakeBatch:
    """Take in a file of judgments for one court (see the module's docstring for the columns).

    `file` is a binary file object (an upload, an open file). Returns the recorded `IntakeBatch`: counts and the
    rejected rows. Raises `IntakeRefused` (400) when the file as a whole cannot be read, and writes nothing then.
    """
    started = time.perf_counter()
    court = Court.objects.filter(pk=court_id).first()
    if court is None:
        raise NotFound(_("There is no court %(id)s.") % {"id": court_id})
    _require_role(actor, court.pk, Role.CLERK)
    data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise IntakeRefused(_("The file is larger than %(n)d MB; split it.") % {"n": MAX_FILE_BYTES // 2**20})
    if file_format is None:
        file_format = detect_format(filename, data[:64])
    if file_format not in IntakeBatch.Format.values:
        raise IntakeRefused(_("Upload CSV or JSON Lines."))
    text = _decode(data)
    rejections: list[Rejection] = []
    rows = (_csv_rows if file_format == IntakeBatch.Format.CSV else _jsonl_rows)(text, rejections)
    today = timezone.localdate()
    with transaction.atomic():
        # Uploads for one court queue here, so two copies of one file cannot both find a row new.
        court = Court.objects.select_for_update(no_key=True).get(pk=court.pk)
        batch = IntakeBatch.objects.create(
            court=court,
            uploaded_by=actor,
            filename=filename[:255],
            file_format=file_format,
            sha256=hashlib.sha256(data).hexdigest(),
        )
        counts = {"rows": 0}
        chunks = _in_background(
            lambda: _checked_chunks(rows, court=court, today=today, rejections=rejections, counts=counts),
            language=get_language(),
        )
        for chunk in chunks:
            _write_chunk(chunk, court=court, batch=batch, actor=actor, rejections=rejections)
        total = counts["rows"] + sum(1 for r in rejections if not r.field)  # + rows refused before being read
        if total == 0:
            raise IntakeRefused(_("The file holds no judgments."))
        rejections.sort(key=lambda r: r.line)
        batch.rows_total = total
        batch.rows_rejected = len({r.line for r in rejections})
        batch.rejections = [r.as_dict() for r in rejections[:MAX_REJECTIONS_KEPT]]
        batch.seconds = round(time.perf_counter() - started, 3)
        batch.save()
    logger.info(
        "intake %s for %s: %d rows, %d opened, %d present, %d rejected in %.1f s",
        batch.pk,
        court.code,
        batch.rows_total,
        batch.rows_created,
        batch.rows_present,
        batch.rows_rejected,
        batch.seconds,
    )
    return batch
