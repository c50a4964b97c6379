"""Set-wise transitions for the scheduled sweeps: thousands of cases per second, each checked like one.

The caller streams candidate case ids from whatever index finds the due rows (so the cost follows the rows due,
not the size of the table). Each batch is locked with SKIP LOCKED (a copy of the sweep running at the same
time takes other rows; a case a clerk holds waits for the next run), the transition and its conditions are
checked on every row with the same FSM definition and condition functions as `case_transition`, and the rows
that pass move in one UPDATE, with their audit rows in one batched INSERT and one signal for the batch. The
system is the actor: per-court permissions do not apply to it, the rules do.
"""

import itertools
import json
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from enforcement import rules
from enforcement.models import AuditEntry, EnforcementCase
from enforcement.services.core import SYSTEM_ACTOR_NAME
from enforcement.signals import cases_transitioned

logger = logging.getLogger(__name__)

# What the conditions of any transition read; nothing else is loaded.
CONDITION_FIELDS = ("id", "state", "court_id", "amount_due", "amount_paid", "notice_served_on", "payment_due_on")


def cases_transition_many(
    *,
    case_ids: Iterable[int],
    transition: str,
    reason: str,
    values: dict | None = None,
    batch_size: int = 2000,
) -> list[int]:
    """Move every candidate that may take `transition` now; return the ids moved. Idempotent by construction:
    a case already moved no longer has a source state of the transition, and is skipped."""
    fsm = getattr(EnforcementCase, transition)._django_fsm
    sources = list(fsm.transitions)
    targets = {t.target for t in fsm.transitions.values()}
    if len(targets) != 1 or not isinstance(next(iter(targets)), str):
        raise ValueError(f"{transition} has no single target state; it cannot be applied set-wise")
    target = next(iter(targets))
    moved: list[int] = []
    iterator = iter(case_ids)
    while batch := list(itertools.islice(iterator, batch_size)):
        moved += _batch(batch, transition, sources, target, reason, values or {})
    return moved


def _batch(ids, transition, sources, target, reason, values) -> list[int]:
    # Each batch commits durably (the server's synchronous_commit, never turned off here): the moment it
    # commits, its feed events can be read by carriers and its audit rows by staff, so a batch lost in a crash
    # after that would be a change the outside world saw and the registry forgot.
    with transaction.atomic():
        locked = list(
            EnforcementCase.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk__any=ids, state__in=sources)
            .only(*CONDITION_FIELDS)
        )
        passing = []
        for case in locked:
            fsm_transition = getattr(case, transition)._django_fsm.get_transition(case.state)
            if fsm_transition and all(condition(case) for condition in fsm_transition.conditions):
                passing.append(case)
        if not passing:
            return []
        now = timezone.now()
        passing_ids = [case.pk for case in passing]
        EnforcementCase.objects.filter(pk__any=passing_ids).update(state=target, updated_at=now, **values)
        _audit(passing, transition, target, reason, values, now)
        from_states = {case.pk: case.state for case in passing}
        cases_transitioned.send(
            sender=EnforcementCase,
            case_ids=passing_ids,
            transition=transition,
            from_states=from_states,
            to_state=target,
            actor=None,
            reason=reason,
        )
    logger.info("%s: %d of %d candidates moved to %s", transition, len(passing), len(ids), target)
    return passing_ids


AUDIT_COLUMNS = ("case_id", "at", "actor_name", "action", "from_state", "to_state", "reason", "legal_basis", "detail")


def _audit(cases, transition, target, reason, values, now) -> None:
    """The batch's audit rows in one go: COPY on PostgreSQL, a batched INSERT elsewhere."""
    detail = json.dumps({"sweep": True, **{key: str(value) for key, value in values.items()}})
    legal_basis = str(rules.LEGAL_BASIS.get(transition, ""))
    rows = [
        (case.pk, now, SYSTEM_ACTOR_NAME, transition, case.state, target, reason, legal_basis, detail) for case in cases
    ]
    insert_audit_rows(rows)


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
