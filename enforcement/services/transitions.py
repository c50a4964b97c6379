"""The one path of every state change of every state machine: cases, listing decisions, restriction orders and
removal requests.

One row: the caller locks the row (`case_lock`, then the record, in that order) inside `transaction.atomic()`;
`transition_apply` asks the FSM declaration whether this actor may take this transition now (`refusal`: source
state, permission, conditions), transitions, saves and writes the audit row on the case's trail. Side effects
are registered by the caller with `transaction.on_commit` (the outbox).

Many rows (the sweeps): `transition_many` reads source, target and conditions from the same FSM declaration,
locks each batch (SKIP LOCKED for a sweep, waiting for a caller who holds the cases), checks every row with the
same condition functions, moves the passing rows in one UPDATE and writes their audit rows in one COPY.

A model on this path declares `TRANSITION_LABELS` ({transition: lazy label}) and `REFUSED_IN_STATE` (a lazy
message with %(state)s and %(action)s); a transition's `permission` may carry `explain(instance, user)` (see
`enforcement.permissions.requires`) and a condition its `message` (see `enforcement.models.condition`).
"""

import itertools
import json
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed

from enforcement import rules
from enforcement.errors import Conflict, DomainError, Forbidden, RuleViolation, StaleCase
from enforcement.models import AuditEntry, EnforcementCase
from enforcement.services.core import SYSTEM_ACTOR_NAME, _require_atomic, actor_name, audit_write
from enforcement.signals import case_transitioned

logger = logging.getLogger(__name__)


def _fsm(model_or_obj, transition: str):
    return getattr(model_or_obj, transition)._django_fsm


def state_of(obj, transition: str) -> str:
    return _fsm(obj, transition).field.get_state(obj)


def refusal(obj, transition: str, actor) -> DomainError | None:
    """Why `actor` may not take `transition` on `obj` now (as the error to raise), or None. Changes nothing.

    The one answer to "may I do this now", asked by the services, the admin's buttons and the API alike. The
    system (actor None) is not subject to per-court permissions, only to the state and the conditions."""
    method = getattr(obj, transition)
    meta = method._django_fsm
    state = meta.field.get_state(obj)
    if not can_proceed(method, check_conditions=False):
        label = obj.TRANSITION_LABELS.get(transition, transition)
        return Conflict(obj.REFUSED_IN_STATE % {"state": _state_label(obj, meta, state), "action": label})
    if actor is not None and not meta.has_transition_perm(obj, state, actor):
        permission = meta.get_transition(state).permission
        explain = getattr(permission, "explain", None)
        return Forbidden(explain(obj, actor) if explain else _("You do not have a role that allows this."))
    unmet = [str(getattr(c, "message", c.__name__)) for c in meta.get_transition(state).conditions if not c(obj)]
    if unmet:
        return RuleViolation(" ".join(unmet))
    return None


def _state_label(obj, meta, state: str) -> str:
    return str(dict(obj._meta.get_field(meta.field.name).flatchoices).get(state, state))


def transition_apply(
    *,
    obj,
    transition: str,
    actor,
    case: EnforcementCase,
    action: str | None = None,
    reason: str = "",
    legal_basis: str | None = None,
    detail: dict | None = None,
    **kwargs,
) -> AuditEntry:
    """Take `transition` on `obj` (locked by the caller, inside its transaction), save it and write the audit row
    on `case`'s trail (action: `action` or the transition's name; from and to: `obj`'s states)."""
    _require_atomic()
    error = refusal(obj, transition, actor)
    if error is not None:
        raise error
    from_state = state_of(obj, transition)
    getattr(obj, transition)(**kwargs)
    try:
        obj.save()
    except ConcurrentTransition:
        raise StaleCase(
            _("%(what)s was changed by someone else at the same moment. Reload and try again.")
            % {"what": str(obj._meta.verbose_name).capitalize()}
        ) from None
    entry = audit_write(
        case=case,
        actor=actor,
        action=action or transition,
        from_state=from_state,
        to_state=state_of(obj, transition),
        reason=reason,
        legal_basis=legal_basis,
        detail=detail,
    )
    logger.info(
        "%s %s: %s %s -> %s by %s",
        obj._meta.model_name,
        obj.pk,
        transition,
        from_state,
        entry.to_state,
        actor_name(actor),
    )
    return entry


def transition_refusal(case: EnforcementCase, transition: str, actor) -> DomainError | None:
    """`refusal` for a case (the name the case's buttons and API know)."""
    return refusal(case, transition, actor)


def case_transition(
    *,
    case: EnforcementCase,
    transition: str,
    actor,
    reason: str = "",
    legal_basis: str | None = None,
    detail: dict | None = None,
    **kwargs,
) -> AuditEntry:
    """Take one transition on a case locked by `case_lock`, and tell listeners (`case_transitioned`): the
    listings app ends the sanctions of a case that is paid or closed, in this transaction."""
    from_state = case.state
    entry = transition_apply(
        obj=case,
        transition=transition,
        actor=actor,
        case=case,
        reason=reason,
        legal_basis=legal_basis,
        detail=detail,
        **kwargs,
    )
    case_transitioned.send(
        sender=EnforcementCase,
        case=case,
        transition=transition,
        from_state=from_state,
        to_state=case.state,
        actor=actor,
        reason=reason,
        audit_entry=entry,
    )
    return entry


# --- the set-wise form ---------------------------------------------------------------------------------------------


def single_target(model, transition: str) -> str:
    targets = {t.target for t in _fsm(model, transition).transitions.values()}
    if len(targets) != 1 or not isinstance(next(iter(targets)), str):
        raise ValueError(f"{model.__name__}.{transition} has no single target state; it cannot be applied set-wise")
    return next(iter(targets))


def _row_reader(model, only: tuple[str, ...] | None, related: tuple[str, ...]):
    """The columns to read of each candidate row, and how to make the instance the conditions are asked of.

    The instance is the model's own class holding the row's values (the columns `only` names, or every column;
    for each name in `related`, the related row's columns that `only` names as "case__state", or every column),
    made without `Model.__init__`: its per-field bookkeeping, the FSM mixin's and the init signals were the
    largest Python cost of the sweeps (cProfile on er_bench_1m), and nothing saves these instances (the batch's
    one UPDATE writes). A condition that read a column not loaded would fetch it with one query per row: `only`
    must name every column the conditions read."""
    names = [name for name in only if "__" not in name] if only else [f.attname for f in model._meta.concrete_fields]
    joins = []
    for name in related:
        field = model._meta.get_field(name)
        attnames = [column.split("__", 1)[1] for column in only or () if column.startswith(f"{name}__")]
        joins.append((field, attnames or [f.attname for f in field.related_model._meta.concrete_fields]))
    columns = names + [f"{field.name}__{attname}" for field, attnames in joins for attname in attnames]

    def build(cls, attnames, values):
        obj = cls.__new__(cls)
        obj.__dict__.update(zip(attnames, values, strict=True))
        obj._state = ModelState()
        obj._state.adding, obj._state.db = False, connection.alias
        return obj

    def instance(values):
        obj = build(model, names, values[: len(names)])
        start = len(names)
        for field, attnames in joins:
            field.set_cached_value(obj, build(field.related_model, attnames, values[start : start + len(attnames)]))
            start += len(attnames)
        return obj

    return columns, instance


def transition_many(
    *,
    model,
    ids: Iterable[int],
    transition: str,
    reason: str,
    values: dict | None = None,
    action: str | None = None,
    detail_key: str | None = None,
    only: tuple[str, ...] | None = None,
    related: tuple[str, ...] = (),
    skip_locked: bool = True,
    batch_size: int = 5000,
    actor=None,
    after_batch=None,
) -> list[tuple[int, int, str]]:
    """Take `transition` on every row of `ids` that may take it now; return (pk, case id, from state) of each row
    moved. Idempotent: a row already moved is no longer in a source state of the transition, and is skipped.

    `values` are the other fields the transition sets (written, and recorded in the audit rows); `detail_key`
    names the row's id in its audit row's detail ("decision_id"); a case is its own trail; `only` names the
    columns the conditions read (all, if not given); `related` joins what the conditions read of related rows
    (an order's case). Each batch is one transaction (nested in the caller's, if any) of four statements: lock
    and read the candidates, one UPDATE, one COPY of the audit rows, and what `after_batch` adds. `skip_locked`:
    a sweep leaves rows someone holds for its next run; a caller holding the cases waits for their records
    instead. `after_batch(rows)` runs inside each batch's transaction with the rows it moved: what follows from
    them commits with them (the case sweeps' signal)."""
    fsm = _fsm(model, transition)
    sources = list(fsm.transitions)
    target = single_target(model, transition)
    field = fsm.field.name
    conditions = {source: fsm.get_transition(source).conditions for source in sources}
    columns, instance = _row_reader(model, only, related)
    changes = {field: target, **(values or {})}
    stamped = any(f.name == "updated_at" for f in model._meta.concrete_fields)
    case_of = (lambda row: row.pk) if model is EnforcementCase else (lambda row: row.case_id)
    detail = {"sweep": True, **{key: _jsonable(value) for key, value in (values or {}).items()}}
    audit = (
        actor_name(actor) if actor is not None else SYSTEM_ACTOR_NAME,
        action or transition,
        reason,
        str(rules.LEGAL_BASIS.get(action or transition, "")),
    )
    moved: list[tuple[int, int, str]] = []
    iterator = iter(ids)
    while batch := list(itertools.islice(iterator, batch_size)):
        with transaction.atomic():
            candidates = model.objects.select_for_update(skip_locked=skip_locked, of=("self",)).filter(
                pk__any=batch, **{f"{field}__in": sources}
            )
            rows = [instance(row) for row in candidates.order_by().values_list(*columns)]
            passing = [row for row in rows if all(condition(row) for condition in conditions[getattr(row, field)])]
            if not passing:
                continue
            now = timezone.now()
            model.objects.filter(pk__any=[row.pk for row in passing]).update(
                **changes, **({"updated_at": now} if stamped else {})
            )
            rows_moved = [(row.pk, case_of(row), getattr(row, field)) for row in passing]
            insert_audit_rows(
                [
                    (
                        case,
                        now,
                        audit[0],
                        audit[1],
                        from_state,
                        target,
                        audit[2],
                        audit[3],
                        json.dumps({**detail, detail_key: pk} if detail_key else detail),
                    )
                    for pk, case, from_state in rows_moved
                ]
            )
            if after_batch is not None:
                after_batch(rows_moved)
            moved += rows_moved
        logger.info("%s.%s: %d of %d moved to %s", model.__name__, transition, len(passing), len(batch), target)
    return moved


def _jsonable(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value if isinstance(value, int | float | bool | type(None)) else str(value)


AUDIT_COLUMNS = ("case_id", "at", "actor_name", "action", "from_state", "to_state", "reason", "legal_basis", "detail")


def insert_audit_rows(rows: list[tuple], columns: tuple[str, ...] = AUDIT_COLUMNS) -> None:
    """Append audit rows given as tuples in `columns` order, "case_id" and "at" first (the trail is append-only:
    only inserts): COPY on PostgreSQL, a batched INSERT elsewhere."""
    table = AuditEntry._meta.db_table
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        at = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608
            [(row[0], at(row[1]), *row[2:]) for row in rows],
        )
