"""Signals other apps listen to, so that they can react to a case without this app depending on them.

`case_transitioned` is sent by `services.case_transition` after the case is saved and the audit row written,
inside the same transaction: receivers write their own rows (through their own services) in that transaction,
so either everything happens or nothing does. Receivers must not send mail or enqueue tasks directly; they use
`transaction.on_commit` for that.

Arguments: case (locked, already in its new state), transition (method name), from_state, to_state,
actor (a user, or None for the system), reason, audit_entry.
"""

from django.dispatch import Signal

case_transitioned = Signal()

# The set-wise form, sent by `services.cases_transition_many` once per batch: case_ids (locked, in their new
# state), transition, from_states ({case id: state}), to_state, actor (None), reason.
cases_transitioned = Signal()

# Sent by `services.case_update` after a case's data is corrected (inside its transaction, the case locked):
# case, changed ({field: {"from": ..., "to": ...}}), actor. Receivers may refuse the correction by raising.
case_changed = Signal()

# Sent by `services.party_update` after a party's data is corrected (inside its transaction): party, and
# previous_id_number (the number before the correction; equal to party.id_number if it did not change).
party_changed = Signal()

# Sent by `services.responsible_person_add` (inside its transaction): link (the ResponsiblePerson row), actor.
responsible_person_added = Signal()

# Sent by `services.parties_anonymise_expired` for each batch: party_ids whose personal data was just erased.
parties_anonymised = Signal()
