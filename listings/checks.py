"""Carrier restriction checks: is this person restricted in this category today, and by which orders.

A person is restricted in a category while a restriction order in force binds them (as the debtor, or as a
responsible person of a debtor organisation) and covers the category, unless a temporary lift of that order
covers today and the category. The answer names the orders (court, case number, order number) and nothing
else: never an amount, a creditor, or another personal detail.

Checks read the restriction index (`RestrictionIndexEntry`, kept with the orders by
`listings.services.restriction_index`), not the orders: a check costs a probe of its key. One statement answers
any number of ID numbers (a batch of 1,000 costs one query, like a single check). Its
text never changes, only its parameters, so PostgreSQL prepares it once per connection (server-side binding).
"""

import datetime
import hmac
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils.translation import gettext as _

from enforcement import identity
from enforcement.rules import RestrictionCategory
from listings.models import RestrictionIndexEntry, RestrictionOrder, TemporaryLift

MAX_ID_NUMBER_LENGTH = 32
INDEX = RestrictionIndexEntry._meta.db_table
SEPARATOR = "\x1f"  # joins numbers sent to PostgreSQL as one text; a cleaned number is letters and digits only


@dataclass(frozen=True)
class OrderRef:
    court: str
    case_number: str
    order_number: str


@dataclass
class CheckResult:
    id_number: str
    restricted: bool | None  # None: the number is not a valid ID number
    orders: list[OrderRef] = field(default_factory=list)
    error: str = ""


def clean_id_number(value) -> str:
    """The number as stored (normalised), or ValidationError saying which rule it breaks. A resident ID
    number and a unified social credit code are checked against their check character, and an old 15-digit
    resident ID number is converted to its 18 digits (never answered as some other number: not restricted);
    a passport or other document number is checked only for its characters and length."""
    if not isinstance(value, str):
        raise ValidationError(_("An ID number is a string."), code="type")
    number = identity.normalise(value)
    if not number:
        raise ValidationError(_("The ID number is empty."), code="empty")
    if len(number) > MAX_ID_NUMBER_LENGTH or not number.isascii() or not number.isalnum():
        raise ValidationError(
            _("An ID number is at most %(n)d letters and digits.") % {"n": MAX_ID_NUMBER_LENGTH}, code="characters"
        )
    if len(number) == 15 and number.isdigit():
        # An old resident ID number (carriers' customer records still hold some): answered for the person.
        return identity.upgrade_resident_id_15(number)
    if len(number) == 18:
        if number[:17].isdigit():
            try:
                return identity.parse_resident_id(number).number
            except ValidationError as not_resident_id:
                # A USCC can be all digits too (its organisation code often is): one whose check holds is one.
                try:
                    return identity.parse_uscc(number)
                except ValidationError:
                    raise not_resident_id from None
        return identity.parse_uscc(number)
    return number


def id_number_hmac(number: str, *, key: bytes | None = None) -> str:
    """What the check log keeps of an ID number: HMAC-SHA256 under CARRIER_CHECK_HASH_KEY (by default a key
    derived from SECRET_KEY), so a given person's checks can be found without the log naming anyone.
    `key`: the result of `hmac_key()`, when hashing a batch (read once, not per number)."""
    return hmac.digest(key or _hmac_key(), number.encode(), "sha256").hex()


def hmac_key() -> bytes:
    return _hmac_key()


def _hmac_key() -> bytes:
    secret = getattr(settings, "CARRIER_CHECK_HASH_KEY", "") or f"carrier-check-hmac:{settings.SECRET_KEY}"
    return secret.encode()


def _category_bit(category: str) -> int:
    return RestrictionOrder._meta.get_field("categories").bit(RestrictionCategory(category))


def _sql(many: int | None) -> str:
    # The restriction index holds one row per person bound by an order in force, keyed by ID number, with the
    # answer's texts: a number nobody restricted costs one probe of its key, a hit reads its row, and only an
    # order with lifts asks the lifts' order index. One table: PostgreSQL plans it in a fifth of a millisecond,
    # where joining the order, case and court for the texts took milliseconds of planning (measured).
    if many is None:
        # PostgreSQL: the numbers as a set the index is joined to, one probe per number, whatever the batch's
        # size. They travel as one text split by the server (SEPARATOR): cheaper to send than an array of 1,000.
        entries = f"unnest(string_to_array(%s, chr(31))) AS q(n) JOIN {INDEX} x ON x.id_number = q.n"
        ids = "TRUE"
    else:
        entries, ids = f"{INDEX} x", f"x.id_number IN ({', '.join(['%s'] * many)})"
    return (
        "SELECT x.id_number, x.court_name, x.case_number, x.order_number "  # noqa: S608 - fixed table names only
        f"FROM {entries} "
        f"WHERE {ids} AND (x.categories & %s) <> 0 "
        f"AND NOT (x.lifted AND EXISTS (SELECT 1 FROM {TemporaryLift._meta.db_table} t WHERE t.order_id = x.order_id "
        "AND t.ends_on >= %s AND t.starts_on <= %s AND (t.categories & %s) <> 0)) "
        "ORDER BY x.id_number, x.order_id"
    )


def restricting_orders(
    numbers: list[str],
    category: str,
    today: datetime.date,
    *,
    log_sql: str = "",
    log_params: list | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> dict[str, list[OrderRef]]:
    """For each of `numbers` (already cleaned) that is restricted in `category` today, the orders that
    restrict it, oldest first. Numbers not restricted are absent. One query whatever the number of numbers,
    on the database `using` (a replica: `config.replicas`).

    On PostgreSQL `log_sql` (an INSERT reading the CTE `hits`) rides along in the same statement: the answer
    and its record cost one round trip (see `listings.services.checks`); only on the primary. For one number it
    is the one-row form (`listings.services.checks.LOG_ONE_SQL`)."""
    connection = connections[using]
    unique = list(dict.fromkeys(numbers))
    bit = _category_bit(category)
    day = connection.ops.adapt_datefield_value(today)
    tail = [bit, day, day, bit]
    if connection.vendor == "postgresql":
        # One number (a single check) as a plain key: PostgreSQL then keeps one generic plan for the prepared
        # statement. Estimating `unnest` of a parameter at 10 rows against the custom plans' 1, it planned the
        # set-shaped statement anew on every check (0.2 of its 0.26 ms; pg_prepared_statements, bench/replicas.py).
        one = len(unique) == 1
        sql, params = _sql(1 if one else None), [unique[0] if one else SEPARATOR.join(unique), *tail]
        if log_sql:
            sql = f"WITH hits AS ({sql}), logged AS ({log_sql}) SELECT * FROM hits"  # noqa: S608 - fixed text
            params = [*params, *(log_params or [])]
    elif unique:
        sql, params = _sql(len(unique)), [*unique, *tail]
    else:
        return {}
    found: dict[str, list[OrderRef]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for number, court, case_number, order_number in cursor.fetchall():
            found.setdefault(number, []).append(OrderRef(court, case_number, order_number))
    return found


def cleaned(raw_numbers: list) -> list[CheckResult]:
    """One result per number given, in the order given (duplicates kept), not yet answered: a number that is
    not a valid ID number gets `restricted=None` and the reason, and does not stop the others."""
    results: list[CheckResult] = []
    for raw in raw_numbers:
        try:
            results.append(CheckResult(id_number=clean_id_number(raw), restricted=False))
        except ValidationError as exc:
            results.append(CheckResult(id_number=str(raw)[:64], restricted=None, error=" ".join(exc.messages)))
    return results


def answer(results: list[CheckResult], found: dict[str, list[OrderRef]]) -> list[CheckResult]:
    for result in results:
        if result.restricted is not None and result.id_number in found:
            result.restricted = True
            result.orders = found[result.id_number]
    return results
