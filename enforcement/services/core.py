"""The one way a case changes state, the audit trail, and the checks every service shares."""

import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import ConcurrentTransition, FSMFieldMixin, can_proceed

from enforcement import permissions, rules
from enforcement.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation, StaleCase
from enforcement.models import (
    AuditEntry,
    CaseState,
    EnforcementCase,
)
from enforcement.signals import case_transitioned

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


TRANSITION_LABELS = {
    "declare_default": gettext_lazy("declared in default"),
    "restrict": gettext_lazy("restricted"),
    "list_debtor": gettext_lazy("listed"),
    "expire": gettext_lazy("taken off the list at the end of its period"),
    "revoke": gettext_lazy("taken off the list as listed in error"),
    "lift": gettext_lazy("released from its restriction"),
    "pay_in_full": gettext_lazy("marked paid in full"),
    "settle": gettext_lazy("marked settled"),
    "remove": gettext_lazy("closed"),
}


def stale_message(case: EnforcementCase, expected_state: str) -> str:
    return _(
        "Case %(number)s changed while you were looking at it: it is now %(state)s, not %(expected)s. "
        "Check it again before acting."
    ) % {
        "number": case.case_number,
        "state": case.get_state_display(),
        "expected": CaseState(expected_state).label if expected_state in CaseState.values else expected_state,
    }


def transition_refusal(case: EnforcementCase, transition: str, actor) -> Conflict | Forbidden | None:
    """Why `actor` may not apply `transition` to `case` now (as the error to raise), or None. Changes nothing."""
    method = getattr(case, transition)
    if not can_proceed(method, check_conditions=False):
        return Conflict(
            _("A case in state %(state)s cannot be %(action)s.")
            % {"state": case.get_state_display(), "action": TRANSITION_LABELS.get(transition, transition)}
        )
    if actor is not None and not method._django_fsm.has_transition_perm(case, case.state, actor):
        return Forbidden(_("You do not have a role in %(court)s that allows this.") % {"court": case.court})
    fsm_transition = method._django_fsm.get_transition(case.state)
    unmet = [str(getattr(cond, "message", cond.__name__)) for cond in fsm_transition.conditions if not cond(case)]
    if unmet:
        return RuleViolation(" ".join(unmet))
    return None


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
    """Apply one transition to a case locked by `case_lock`, save it, audit it and tell listeners."""
    _require_atomic()
    refusal = transition_refusal(case, transition, actor)
    if refusal is not None:
        raise refusal
    from_state = case.state
    getattr(case, transition)(**kwargs)
    try:
        case.save()
    except ConcurrentTransition:
        raise StaleCase(
            _("Case %(number)s was changed by someone else at the same moment. Reload and try again.")
            % {"number": case.case_number}
        ) from None
    entry = audit_write(
        case=case,
        actor=actor,
        action=transition,
        from_state=from_state,
        to_state=case.state,
        reason=reason,
        legal_basis=legal_basis,
        detail=detail,
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
    logger.info("case %s: %s %s -> %s by %s", case.pk, transition, from_state, case.state, actor_name(actor))
    return entry


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
