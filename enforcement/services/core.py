"""Locking a case, the audit trail, and the checks every service shares. (State changes: `transitions`.)"""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import FSMFieldMixin

from enforcement import permissions, rules
from enforcement.errors import Forbidden, InvalidInput, NotFound, StaleCase
from enforcement.models import (
    AuditEntry,
    CaseState,
    EnforcementCase,
)

logger = logging.getLogger(__name__)


SYSTEM_ACTOR_NAME = "system"


def actor_name(actor) -> str:
    if actor is None:
        return SYSTEM_ACTOR_NAME
    full = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return f"{full} ({actor.get_username()})" if full else actor.get_username()


def _require_atomic() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Case writes must run inside transaction.atomic().")


def _require_role(actor, court_id: int, *roles: str) -> None:
    if actor is not None and not permissions.has_role(actor, court_id, *roles):
        raise Forbidden(_("You do not have a role in this court that allows this."))


def _validated(instance) -> None:
    """Model validation, minus the protected state field (only transitions set it)."""
    protected = [f.name for f in instance._meta.concrete_fields if isinstance(f, FSMFieldMixin)]
    try:
        instance.full_clean(exclude=protected)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise InvalidInput(" ".join(messages), field=None if field == "__all__" else field) from exc


# --- audit -------------------------------------------------------------------------------------------------------


def audit_write(
    *,
    case: EnforcementCase,
    actor,
    action: str,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    legal_basis: str | None = None,
    detail: dict | None = None,
) -> AuditEntry:
    """Append one row to the case's audit trail (inside the caller's transaction)."""
    _require_atomic()
    return AuditEntry.objects.create(
        case=case,
        actor=actor,
        actor_name=actor_name(actor),
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason or "",
        legal_basis=str(legal_basis if legal_basis else rules.LEGAL_BASIS.get(action, "")),
        detail=detail or {},
    )


# --- the one way a case changes state ----------------------------------------------------------------------------


def case_lock(case_id: int, *, expected_state: str | None = None) -> EnforcementCase:
    """Re-read the case with a row lock (inside the caller's transaction); refuse if it moved on meanwhile."""
    _require_atomic()
    try:
        case = EnforcementCase.objects.select_for_update(of=("self",)).select_related("court", "debtor").get(pk=case_id)
    except EnforcementCase.DoesNotExist:
        raise NotFound(_("There is no enforcement case %(id)s.") % {"id": case_id}) from None
    if expected_state is not None and case.state != expected_state:
        raise StaleCase(stale_message(case, expected_state))
    return case


def stale_message(case: EnforcementCase, expected_state: str) -> str:
    return _(
        "Case %(number)s changed while you were looking at it: it is now %(state)s, not %(expected)s. "
        "Check it again before acting."
    ) % {
        "number": case.case_number,
        "state": case.get_state_display(),
        "expected": CaseState(expected_state).label if expected_state in CaseState.values else expected_state,
    }


MAX_AMOUNT = Decimal(10) ** 14  # the columns hold 16 digits, 2 of them decimals


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        raise InvalidInput(_("%(v)s is not an amount of money.") % {"v": value}, field=field)
    if abs(amount) >= MAX_AMOUNT:
        raise InvalidInput(_("An amount must be less than %(max)s.") % {"max": f"{MAX_AMOUNT:,.0f}"}, field=field)
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(_("An amount has at most two decimal places."), field=field)
    if amount < 0:
        raise InvalidInput(_("An amount cannot be negative."), field=field)
    return amount
