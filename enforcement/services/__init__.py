"""Every write to a case, a party or a payment: one function per action.

State changes go through `case_transition`, which the public services call on a case they have locked with
`case_lock` inside `transaction.atomic()`: check the expected state, the transition, its conditions and the
user's permission; transition; save; write the audit row; tell listeners. Nothing else writes `state`.

`actor` is the user who acts, or None when the system acts (a scheduled job); the system is not subject to the
per-court permissions, only to the rules.
"""

from enforcement.services.bulk import cases_transition_many
from enforcement.services.cases import (
    CASE_CORRECTING_ROLES,
    CASE_EDITABLE_FIELDS,
    case_close,
    case_close_paid,
    case_declare_default,
    case_open,
    case_settle,
    case_update,
    notice_record,
    notice_refusal,
)
from enforcement.services.core import (
    MAX_AMOUNT,
    SYSTEM_ACTOR_NAME,
    actor_name,
    audit_write,
    case_lock,
    stale_message,
)
from enforcement.services.outbox import outbox_email, outbox_send_due, outbox_task
from enforcement.services.parties import party_create, party_update, responsible_person_add, responsible_person_remove
from enforcement.services.payments import payment_record, payment_refusal
from enforcement.services.retention import parties_anonymise_expired
from enforcement.services.transitions import (
    case_transition,
    refusal,
    transition_apply,
    transition_many,
    transition_refusal,
)

__all__ = [
    "CASE_CORRECTING_ROLES",
    "CASE_EDITABLE_FIELDS",
    "MAX_AMOUNT",
    "SYSTEM_ACTOR_NAME",
    "actor_name",
    "audit_write",
    "case_close",
    "case_close_paid",
    "case_declare_default",
    "case_lock",
    "case_open",
    "case_settle",
    "case_transition",
    "case_update",
    "cases_transition_many",
    "notice_record",
    "notice_refusal",
    "outbox_email",
    "outbox_send_due",
    "outbox_task",
    "parties_anonymise_expired",
    "party_create",
    "party_update",
    "payment_record",
    "payment_refusal",
    "refusal",
    "responsible_person_add",
    "responsible_person_remove",
    "stale_message",
    "transition_apply",
    "transition_many",
    "transition_refusal",
]
