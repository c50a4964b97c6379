"""Checking rows: each row by the rules `case_open` and `party_create` apply (case number and its court code,
dates, amount, currency, ID numbers and USCCs by their checksums), in Python, without the database; duplicates
within the file are rejected here too. Good rows come out as `Judgment`s in chunks, ready to be written.
"""

import datetime
import functools
import queue
import re
import threading
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from enforcement.casenumbers import CaseNumber, parse_case_number
from enforcement.errors import DomainError, InvalidInput
from enforcement.models import Court, Currency, Party
from enforcement.services.core import _money
from enforcement.services.intake.parse import IntakeRefused, Rejection

# The choices as sets, read once (an enum's .values builds a new list at every call).
PARTY_KINDS = frozenset(Party.Kind.values)
ID_TYPES = frozenset(Party.IdType.values)
SEXES = frozenset(Party.Sex.values)
CURRENCIES = frozenset(Currency.values)

CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")

MAX_ROWS = 500_000
CHUNK_ROWS = 5000


class Judgment(NamedTuple):  # a tuple: a worker process sends it back cheaply (half the pickling of a dataclass)
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

    def __init__(self, kind, name, id_type, id_number, sex, birth_date):
        self.kind, self.name, self.id_type, self.id_number = kind, name, id_type, id_number
        self.sex, self.birth_date = sex, birth_date


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


_SIDE_COLUMNS = {
    side: tuple(f"{side}_{c}" for c in ("kind", "name", "id_type", "id_number", "sex", "birth_date"))
    for side in ("creditor", "debtor")
}
_ORGANISATION = Party.Kind.ORGANISATION.value
_USCC, _RESIDENT_ID = Party.IdType.USCC.value, Party.IdType.RESIDENT_ID.value


def _party(row: dict, side: str, errors: list, line: int, language: str | None) -> PartyData | None:
    kind_column, name_column, type_column, number_column, sex_column, birth_column = _SIDE_COLUMNS[side]
    kind = row.get(kind_column, "").strip().lower()
    party, problems = _checked_party(
        kind,
        row.get(name_column, "").strip(),
        row.get(type_column, "").strip().lower() or (_USCC if kind == _ORGANISATION else _RESIDENT_ID),
        row.get(number_column, "").strip(),
        row.get(sex_column, "").strip().upper(),
        row.get(birth_column, "").strip(),
        language,
    )
    if problems:
        errors.extend(Rejection(line, f"{side}_{field}", message) for field, message in problems)
    return party


# A case number already in its canonical form (full-width brackets, ASCII digits, no leading zeros, nothing to
# tidy): what `parse_case_number` reads from it, without its NFKC pass. Anything else takes the full path.
CANONICAL_CASE_NUMBER = re.compile(
    r"（([1-9][0-9]{3})）([\u4e00-\u9fff][0-9]{0,4})执([\u4e00-\u9fff]{0,2}?)([1-9][0-9]{0,5})号"
)


def _case_number(value: str) -> CaseNumber:
    match = CANONICAL_CASE_NUMBER.fullmatch(value)
    if match is None:
        return parse_case_number(value)
    year, court_code, kind, serial = match.groups()
    return CaseNumber(year=int(year), court_code=court_code, kind=kind, serial=int(serial))


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
        number = _case_number(case_number)
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


def _limited(rows, counts: dict):
    for item in rows:
        counts["rows"] += 1
        if counts["rows"] > MAX_ROWS:
            raise IntakeRefused(_("A file holds at most %(n)d judgments; split it.") % {"n": MAX_ROWS})
        yield item


def _checked_chunks(rows, *, court: Court, today: datetime.date, rejections: list, counts: dict, pool=None):
    """Check the rows and yield the good ones in chunks; duplicates within the file are rejected here.
    With `pool` (see `processes`), the rows are checked in worker processes, in order."""
    seen_keys: dict[tuple[str, str], int] = {}
    seen_numbers: dict[str, int] = {}
    chunk: list[Judgment] = []
    language = get_language()  # once: it keys the cache of checked parties (their messages are translated)
    rows = _limited(rows, counts)
    if pool is None:
        checked = (_judgment(line, row, court, today, language) for line, row in rows)
    else:
        checked = pool.checked(rows, court=court, today=today, language=language)
    for judgment, errors in checked:
        if judgment is None:
            rejections.extend(errors)
            continue
        line = judgment.line
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
