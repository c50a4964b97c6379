"""Set-wise transitions for the scheduled sweeps: thousands of cases per second, each checked like one.

A chunk of candidate ids is locked with SKIP LOCKED (a copy of the sweep running at the same time takes other
rows, a clerk holding a case delays only that case until the next run), the transition and its conditions are
checked on each row with the same FSM definition and condition functions as `case_transition`, and the rows
that pass move in one UPDATE, with their audit rows in one INSERT and one signal for the chunk. The system is
the actor; per-court permissions do not apply to it, the rules do.
"""

import logging

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from enforcement import rules
from enforcement.models import AuditEntry, EnforcementCase
from enforcement.services.core import SYSTEM_ACTOR_NAME
from enforcement.signals import cases_transitioned

logger = logging.getLogger(__name__)


def _fsm(transition: str):
    return getattr(EnforcementCase, transition)._django_fsm


def cases_transition_many(
    *,
    candidates: QuerySet[EnforcementCase],
    transition: str,
    reason: str,
    values: dict | None = None,
    chunk_size: int = 1000,
    limit: int | None = None,
) -> list[int]:
    """Move every candidate that may take `transition` now; return the ids moved. Idempotent by construction:
    a case already moved no longer has a source state of the transition."""
    fsm = _fsm(transition)
    sources = list(fsm.transitions)
    targets = {t.target for t in fsm.transitions.values()}
    if len(targets) != 1 or not isinstance(next(iter(targets)), str):
        raise ValueError(f"{transition} has no single target state; it cannot be applied set-wise")
    target = next(iter(targets))
    moved: list[int] = []
    last = 0
    while limit is None or len(moved) < limit:
        ids = list(
            candidates.filter(pk__gt=last, state__in=sources).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        last = ids[-1]
        moved += _chunk(ids, transition, sources, target, reason, values or {})
    return moved


def _chunk(ids, transition, sources, target, reason, values) -> list[int]:
    with transaction.atomic():
        locked = list(
            EnforcementCase.objects.select_for_update(skip_locked=True, of=("self",)).filter(
                pk__in=ids, state__in=sources
            )
        )
        passing = []
        for case in locked:
            meta = getattr(case, transition)._django_fsm
            fsm_transition = meta.get_transition(case.state)
            if fsm_transition and all(condition(case) for condition in fsm_transition.conditions):
                passing.append(case)
        if not passing:
            return []
        now = timezone.now()
        EnforcementCase.objects.filter(pk__in=[c.pk for c in passing]).update(state=target, updated_at=now, **values)
        from_states = {case.pk: case.state for case in passing}
        entries = AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    case_id=case.pk,
                    at=now,
                    actor=None,
                    actor_name=SYSTEM_ACTOR_NAME,
                    action=transition,
                    from_state=case.state,
                    to_state=target,
                    reason=reason,
                    legal_basis=str(rules.LEGAL_BASIS.get(transition, "")),
                    detail={"sweep": True, **{k: str(v) for k, v in values.items()}},
                )
                for case in passing
            ]
        )
        for case in passing:
            case.__dict__["state"] = target  # the rows changed in the database; keep the objects in step
            for field, value in values.items():
                setattr(case, field, value)
        cases_transitioned.send(
            sender=EnforcementCase,
            cases=passing,
            transition=transition,
            from_states=from_states,
            to_state=target,
            actor=None,
            reason=reason,
            audit_entries=entries,
        )
    logger.info("%s: %d of %d cases moved to %s", transition, len(passing), len(ids), target)
    return [case.pk for case in passing]
