"""Set-wise case transitions for the scheduled sweeps: thousands of cases per second, each checked like one.

The caller streams candidate case ids from whatever index finds the due rows (so the cost follows the rows due,
not the size of the table). `transition_many` locks each batch with SKIP LOCKED, checks the transition and its
conditions on every row with the FSM declaration, moves the passing rows in one UPDATE and writes their audit
rows in one COPY; then one signal per batch lets the listings app follow (inside the batch's transaction).
The system is the actor: per-court permissions do not apply to it, the rules do.
"""

from collections.abc import Iterable

from enforcement.models import EnforcementCase
from enforcement.services.transitions import single_target, transition_many
from enforcement.signals import cases_transitioned

# What the conditions of any case transition read; nothing else is loaded.
CONDITION_FIELDS = ("id", "state", "court_id", "amount_due", "amount_paid", "notice_served_on", "payment_due_on")


def cases_transition_many(
    *,
    case_ids: Iterable[int],
    transition: str,
    reason: str,
    values: dict | None = None,
    batch_size: int = 5000,
) -> list[int]:
    """Move every candidate case that may take `transition` now; return the ids moved."""
    target = single_target(EnforcementCase, transition)

    def tell_listeners(rows) -> None:  # inside the batch's transaction: the listings' side commits with it
        cases_transitioned.send(
            sender=EnforcementCase,
            case_ids=[pk for pk, _case, _from in rows],
            transition=transition,
            from_states={pk: from_state for pk, _case, from_state in rows},
            to_state=target,
            actor=None,
            reason=reason,
        )

    rows = transition_many(
        model=EnforcementCase,
        ids=case_ids,
        transition=transition,
        reason=reason,
        values=values,
        only=CONDITION_FIELDS,
        batch_size=batch_size,
        after_batch=tell_listeners,
    )
    return [pk for pk, _case, _from in rows]
