"""Every write to a case, a party or a payment: one function per action.

State changes go through `case_transition`, which the public services call on a case they have locked with
`case_lock` inside `transaction.atomic()`: check the expected state, the transition, its conditions and the
user's permission; transition; save; write the audit row; tell listeners. Nothing else writes `state`.

`actor` is the user who acts, or None when the system acts (a scheduled job); the system is not subject to the
per-court permissions, only to the rules.
"""

import datetime
import logging
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, FSMFieldMixin, can_proceed

from enforcement import permissions, rules, workdays
from enforcement.casenumbers import parse_case_number
from enforcement.errors import Conflict, Forbidden, InvalidInput, NotFound, RuleViolation, StaleCase
from enforcement.models import (
    OPEN_STATES,
    AuditEntry,
    CaseState,
    Court,
    EnforcementCase,
    Party,
    Payment,
    ResponsiblePerson,
)
from enforcement.permissions import Role
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
            % {"state": case.get_state_display(), "action": transition.replace("_", " ")}
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


# --- parties -----------------------------------------------------------------------------------------------------


def party_create(*, actor, kind: str, name: str, id_type: str, id_number: str, **details) -> Party:
    """Register a party; the ID number is validated and a resident ID fills in birth date and sex."""
    if actor is not None and permissions.court_ids(actor, Role.CLERK) == set():
        raise Forbidden(_("Only a clerk may register parties."))
    party = Party(kind=kind, name=name.strip(), id_type=id_type, id_number=id_number, **details)
    _validated(party)
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise InvalidInput(_("A party with this ID number is already registered."), field="id_number") from None
    return party


def party_update(*, actor, party_id: int, **changes) -> Party:
    with transaction.atomic():
        party = Party.objects.select_for_update().get(pk=party_id)
        for field, value in changes.items():
            setattr(party, field, value)
        _validated(party)
        party.save()
    return party


def responsible_person_add(*, actor, organisation_id: int, person_id: int, role: str) -> ResponsiblePerson:
    link = ResponsiblePerson(organisation_id=organisation_id, person_id=person_id, role=role)
    _validated(link)
    link.save()
    return link


def responsible_person_remove(*, actor, link_id: int) -> None:
    ResponsiblePerson.objects.filter(pk=link_id).delete()


# --- cases -------------------------------------------------------------------------------------------------------

CASE_EDITABLE_FIELDS = (
    "basis_issuer",
    "basis_number",
    "basis_date",
    "obligation",
    "amount_due",
    "security_given",
    "seized_assets_value",
    "subsidiary_liability",
    "internal_notes",
)


def _check_case_parties(creditor: Party, debtor: Party) -> None:
    if creditor.pk == debtor.pk:
        raise InvalidInput(_("The creditor and the debtor must be different parties."), field="debtor")


def case_open(
    *,
    actor,
    court_id: int,
    case_number: str,
    creditor_id: int,
    debtor_id: int,
    basis_issuer: str,
    basis_number: str,
    basis_date: datetime.date,
    obligation: str,
    amount_due: Decimal,
    currency: str = "CNY",
    filed_on: datetime.date,
    **details,
) -> EnforcementCase:
    """Open an enforcement case in the `judgment` state."""
    _require_role(actor, court_id, Role.CLERK)
    today = timezone.localdate()
    if filed_on > today:
        raise InvalidInput(_("The filing date cannot be in the future."), field="filed_on")
    if basis_date > filed_on:
        raise InvalidInput(_("The basis document cannot be dated after the filing date."), field="basis_date")
    court = Court.objects.filter(pk=court_id).first()
    if court is None:
        raise InvalidInput(_("Choose a court."), field="court")
    try:
        number = parse_case_number(case_number)
    except ValidationError as exc:
        raise InvalidInput(exc.messages[0], field="case_number") from None
    if number.court_code != court.code:
        raise InvalidInput(
            _("Case number %(n)s carries the court code %(code)s, but %(court)s's code is %(own)s.")
            % {"n": case_number, "code": number.court_code, "court": court, "own": court.code},
            field="case_number",
        )
    with transaction.atomic():
        creditor = Party.objects.filter(pk=creditor_id).first()
        debtor = Party.objects.filter(pk=debtor_id).first()
        if creditor is None or debtor is None:
            raise InvalidInput(
                _("Choose a registered creditor and debtor."), field="debtor" if creditor else "creditor"
            )
        _check_case_parties(creditor, debtor)
        case = EnforcementCase(
            court=court,
            case_number=f"（{number.year}）{number.court_code}执{number.kind}{number.serial}号",
            creditor=creditor,
            debtor=debtor,
            basis_issuer=basis_issuer,
            basis_number=basis_number,
            basis_date=basis_date,
            obligation=obligation,
            amount_due=_money(amount_due, "amount_due"),
            currency=currency,
            filed_on=filed_on,
            **details,
        )
        _validated(case)
        try:
            with transaction.atomic():
                case.save()
        except IntegrityError:
            raise InvalidInput(_("A case with this number already exists."), field="case_number") from None
        audit_write(
            case=case,
            actor=actor,
            action="open",
            to_state=case.state,
            detail={"amount_due": str(case.amount_due), "currency": case.currency},
        )
    return case


def case_update(*, actor, case_id: int, reason: str, **changes) -> EnforcementCase:
    """Correct the descriptive data of an open case; the audit row records old and new values."""
    unknown = set(changes) - set(CASE_EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    if not reason.strip():
        raise InvalidInput(_("Say why the data is corrected."), field="reason")
    with transaction.atomic():
        case = case_lock(case_id)
        _require_role(actor, case.court_id, Role.CLERK)
        if not case.is_open:
            raise Conflict(_("A %(state)s case cannot be corrected.") % {"state": case.get_state_display()})
        changed = {}
        for field, value in changes.items():
            if field in ("amount_due", "seized_assets_value"):
                value = _money(value, field)
            old = getattr(case, field)
            if old != value:
                changed[field] = {"from": str(old), "to": str(value)}
                setattr(case, field, value)
        if not changed:
            return case
        if case.amount_due < case.amount_paid:
            raise RuleViolation(
                _("The amount due cannot be less than what has already been paid (%(paid)s).")
                % {"paid": case.amount_paid},
                field="amount_due",
            )
        _validated(case)
        case.save()
        audit_write(case=case, actor=actor, action="update", reason=reason, detail={"changed": changed})
    return case


def notice_record(
    *,
    actor,
    case_id: int,
    served_on: datetime.date,
    payment_days: int,
    warns_listing: bool,
    expected_state=None,
) -> EnforcementCase:
    """Record the service of the enforcement notice: its payment period, and whether it warned of listing."""
    if served_on > timezone.localdate():
        raise InvalidInput(_("The notice cannot have been served in the future."), field="served_on")
    if not 1 <= payment_days <= 365:
        raise InvalidInput(_("The payment period is between 1 and 365 days."), field="payment_days")
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        _require_role(actor, case.court_id, Role.CLERK)
        if case.state != CaseState.JUDGMENT:
            raise Conflict(
                _("The enforcement notice is recorded before default; this case is %(state)s.")
                % {"state": case.get_state_display()}
            )
        if served_on < case.filed_on:
            raise InvalidInput(_("The notice cannot have been served before the case was filed."), field="served_on")
        case.notice_served_on = served_on
        case.notice_payment_days = payment_days
        case.notice_warns_listing = warns_listing
        case.payment_due_on = workdays.period_end(served_on, payment_days)
        case.save(
            update_fields=[
                "notice_served_on",
                "notice_payment_days",
                "notice_warns_listing",
                "payment_due_on",
            ]
        )
        audit_write(
            case=case,
            actor=actor,
            action="notice_record",
            detail={
                "served_on": served_on.isoformat(),
                "payment_days": payment_days,
                "payment_due_on": case.payment_due_on.isoformat(),
                "warns_listing": warns_listing,
            },
        )
    return case


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


def payment_record(
    *,
    actor,
    case_id: int,
    amount,
    currency: str,
    paid_on: datetime.date,
    method: str,
    idempotency_key: str,
    reference: str = "",
) -> tuple[Payment, bool]:
    """Record a payment; the same idempotency key twice is one payment. Returns (payment, created).

    Payment in full moves the case to `paid`; its closing follows at once, after commit.
    """
    amount = _money(amount, "amount")
    if amount == 0:
        raise InvalidInput(_("A payment must be more than zero."), field="amount")
    if paid_on > timezone.localdate():
        raise InvalidInput(_("A payment cannot be dated in the future."), field="paid_on")
    key = (idempotency_key or "").strip()
    if not key:
        raise InvalidInput(_("A payment needs an idempotency key."), field="idempotency_key")
    with transaction.atomic():
        case = case_lock(case_id)
        _require_role(actor, case.court_id, Role.CLERK)
        existing = Payment.objects.filter(idempotency_key=key).first()
        if existing is not None:
            same = (
                existing.case_id == case.pk
                and existing.amount == amount
                and existing.currency == currency
                and existing.paid_on == paid_on
                and existing.method == method
                and existing.reference == reference
            )
            if not same:
                raise Conflict(
                    _("This idempotency key was already used for a different payment."),
                    field="idempotency_key",
                )
            return existing, False
        if case.state not in OPEN_STATES:
            raise Conflict(_("No payment can be recorded on a %(state)s case.") % {"state": case.get_state_display()})
        if currency != case.currency:
            raise InvalidInput(
                _("This case is in %(c)s; record the payment in %(c)s.") % {"c": case.currency},
                field="currency",
            )
        if amount > case.balance:
            raise RuleViolation(
                _("This payment of %(amount)s is more than the balance of %(balance)s %(c)s.")
                % {"amount": amount, "balance": case.balance, "c": case.currency},
                field="amount",
            )
        if paid_on < case.filed_on:
            raise InvalidInput(_("A payment cannot be dated before the case was filed."), field="paid_on")
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    case=case,
                    amount=amount,
                    currency=currency,
                    paid_on=paid_on,
                    method=method,
                    reference=reference,
                    idempotency_key=key,
                    recorded_by=actor,
                )
        except IntegrityError:
            # The same key committed by another case's transaction between our check and our insert.
            raise Conflict(
                _("This idempotency key was already used for a different payment."), field="idempotency_key"
            ) from None
        case.amount_paid += amount
        case.save(update_fields=["amount_paid", "updated_at"])
        audit_write(
            case=case,
            actor=actor,
            action="payment_record",
            detail={
                "payment_id": payment.pk,
                "amount": str(amount),
                "currency": currency,
                "balance": str(case.balance),
            },
        )
        if case.balance == 0:
            case_transition(case=case, transition="pay_in_full", actor=actor, reason=_("Paid in full"))
            _close_after_commit(case.pk)
    return payment, True


def _close_after_commit(case_id: int) -> None:
    from enforcement.tasks import case_close_paid

    transaction.on_commit(lambda: case_close_paid.delay(case_id))


def case_declare_default(*, actor, case_id: int, reason: str = "", expected_state=None) -> EnforcementCase:
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        case_transition(case=case, transition="declare_default", actor=actor, reason=reason)
    return case


def case_settle(*, actor, case_id: int, reason: str, expected_state=None) -> EnforcementCase:
    """The settlement agreement has been performed: the case is `paid`, and closes at once after commit."""
    if not reason.strip():
        raise InvalidInput(_("Describe the settlement that was performed."), field="reason")
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        case_transition(case=case, transition="settle", actor=actor, reason=reason)
        _close_after_commit(case.pk)
    return case


def case_close(
    *, actor, case_id: int, reason: str, note: str = "", legal_basis: str | None = None, expected_state=None
) -> EnforcementCase:
    """Close the case (`remove`): the list entry goes and every restriction is lifted, in this transaction."""
    if reason not in rules.ClosingReason.values:
        raise InvalidInput(_("Choose one of the closing reasons."), field="reason")
    with transaction.atomic():
        case = case_lock(case_id, expected_state=expected_state)
        if case.state == CaseState.PAID and reason not in rules.PAYMENT_REASONS:
            raise RuleViolation(_("A paid case closes as paid in full or as settlement performed."), field="reason")
        if case.state != CaseState.PAID and reason in rules.PAYMENT_REASONS:
            raise RuleViolation(
                _("This case is not paid: record the payments or the settlement first, or choose another reason."),
                field="reason",
            )
        label = rules.ClosingReason(reason).label
        case_transition(
            case=case,
            transition="remove",
            actor=actor,
            reason=f"{label}. {note}".strip() if note else str(label),
            legal_basis=legal_basis,
            detail={"closed_reason": reason},
            closed_reason=reason,
            closed_on=timezone.localdate(),
        )
    return case


def case_close_paid(*, case_id: int) -> EnforcementCase | None:
    """The system closes a paid case (at once after payment, and in the daily sweep). Idempotent."""
    with transaction.atomic():
        case = case_lock(case_id)
        if case.state != CaseState.PAID:
            return None
        reason = rules.ClosingReason.PAID_IN_FULL if case.balance == 0 else rules.ClosingReason.SETTLEMENT_PERFORMED
        case_transition(
            case=case,
            transition="remove",
            actor=None,
            reason=str(rules.ClosingReason(reason).label),
            detail={"closed_reason": reason},
            closed_reason=reason,
            closed_on=timezone.localdate(),
        )
    return case
