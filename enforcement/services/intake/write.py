"""Writing checked judgments, one chunk at a time and set-wise: each chunk costs a fixed handful of queries
whatever its size (existing natural keys, existing case numbers, existing parties, one COPY of new parties, one
of cases, one of intake records, one of audit rows; bulk inserts instead of COPY off PostgreSQL)."""

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import rules
from enforcement.errors import Conflict
from enforcement.models import CaseState, Court, EnforcementCase, IntakeBatch, IntakeRecord, Party
from enforcement.services.core import actor_name
from enforcement.services.intake.parse import Rejection
from enforcement.services.intake.validate import Judgment, PartyData
from enforcement.services.transitions import insert_audit_rows

SEPARATOR = "\x1f"


def _copy(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert rows (tuples of the `columns`, attnames; every other column takes its default) in one go: COPY on
    PostgreSQL, bulk_create elsewhere. Nothing is returned: the caller reads back the ids by a natural key."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in rows])
        return
    now = timezone.now()
    rest = [f for f in model._meta.concrete_fields if not f.primary_key and f.attname not in columns]
    # The defaulted columns follow the given ones, so a row is its tuple and one constant tuple, joined in C.
    defaults = tuple(
        now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in rest
    )
    names = [model._meta.get_field(c).column for c in columns] + [f.column for f in rest]
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({quoted}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row + defaults)


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
        try:
            with transaction.atomic():
                _copy(Party, PartyData._fields, new)
        except IntegrityError:
            # Another court registered one of them meanwhile: insert the others one set at a time, skipping it.
            Party.objects.bulk_create([Party(**party._asdict()) for party in new], ignore_conflicts=True)
        new_numbers = list({party.id_number for party in new})
        for pk, id_type, number in _matching(Party, "id_number", new_numbers, ("id", "id_type", "id_number")):
            known[(id_type, number)] = pk
    return known, len(new)


CASE_COLUMNS = ("court_id", "case_number", "creditor_id", "debtor_id", "basis_issuer", "basis_number")
CASE_COLUMNS += ("basis_date", "obligation", "amount_due", "currency", "filed_on", "state")
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
    court_id, state = court.pk, CaseState.JUDGMENT.value
    try:
        with transaction.atomic():
            _copy(
                EnforcementCase,
                CASE_COLUMNS,
                [
                    (
                        court_id,
                        j.case_number,
                        party_ids[(j.creditor.id_type, j.creditor.id_number)],
                        party_ids[(j.debtor.id_type, j.debtor.id_number)],
                        j.basis_issuer,
                        j.basis_number,
                        j.basis_date,
                        j.obligation,
                        j.amount_due,
                        j.currency,
                        j.filed_on,
                        state,
                    )
                    for j in fresh
                ],
            )
    except IntegrityError:
        raise Conflict(
            _("A case with a number in this file was opened meanwhile. Upload the file again: what is in goes in once.")
        ) from None
    case_ids = dict(_matching(EnforcementCase, "case_number", [j.case_number for j in fresh], ("case_number", "id")))
    batch_id = batch.pk
    _copy(
        IntakeRecord,
        ("court_id", "basis_number", "debtor_id_number", "case_id", "batch_id"),
        [(court_id, j.basis_number, j.debtor.id_number, case_ids[j.case_number], batch_id) for j in fresh],
    )
    now = timezone.now()
    name = actor_name(actor)
    actor_id = actor.pk if actor is not None else None
    legal_basis = str(rules.LEGAL_BASIS["open"])
    # The detail as json.dumps writes it, without a dict and an encoder per row: the amount is a Decimal's digits
    # and the currency one of the codes, neither needs escaping.
    _audit(
        [
            (
                case_ids[j.case_number],
                now,
                actor_id,
                name,
                "open",
                "",
                state,
                "",
                legal_basis,
                f'{{"amount_due": "{j.amount_due}", "currency": "{j.currency}", '
                f'"intake_batch": {batch_id}, "line": {j.line}}}',
            )
            for j in fresh
        ]
    )
    batch.rows_created += len(fresh)
