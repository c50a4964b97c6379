"""Writing checked judgments, one chunk at a time and set-wise: each chunk costs a fixed handful of queries
whatever its size (existing natural keys, existing case numbers, existing parties, one COPY of new parties, one
of cases, one of intake records, one of audit rows; bulk inserts instead of COPY off PostgreSQL)."""

import json

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
