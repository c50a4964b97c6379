"""Opening, correcting and moving a case: notice, default, settlement, closing."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import permissions, rules, workdays
from enforcement.casenumbers import parse_case_number
from enforcement.errors import Conflict, DomainError, Forbidden, InvalidInput, RuleViolation
from enforcement.models import (
    CaseState,
    Court,
    EnforcementCase,
    Party,
    paid_closing_reason,
)
from enforcement.permissions import Role
from enforcement.services.core import _money, _require_role, _validated, audit_write, case_lock
from enforcement.services.outbox import outbox_task
from enforcement.services.transitions import case_transition
from enforcement.signals import case_changed

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


#: Who corrects a case's data: a clerk, or an approver (whose correction may end a listing on ground (1)).
CASE_CORRECTING_ROLES = (Role.CLERK, Role.APPROVER)


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
            case_number=number.canonical,
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
        _require_role(actor, case.court_id, *CASE_CORRECTING_ROLES)
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
        if not pay_in_full_if_due(case=case, actor=actor):
            case_changed.send(sender=EnforcementCase, case=case, changed=changed, actor=actor)
    return case


def pay_in_full_if_due(*, case: EnforcementCase, actor) -> bool:
    """Nothing is owed any more (a payment, or the amount due corrected down to what was paid): the case is paid
    in full, its sanctions end in this transaction and it closes after commit. Returns whether it was due."""
    if case.is_open and case.balance == 0:
        case_transition(case=case, transition="pay_in_full", actor=actor, reason=_("Paid in full"))
        _close_after_commit(case.pk)
        return True
    return False


def notice_refusal(case: EnforcementCase, actor) -> DomainError | None:
    """Why `actor` may not record the enforcement notice on this case now, or None (the service and the button)."""
    if actor is not None and not permissions.has_role(actor, case.court_id, Role.CLERK):
        return Forbidden(_("You do not have a role in this court that allows this."))
    if case.state != CaseState.JUDGMENT:
        return Conflict(
            _("The enforcement notice is recorded before default; this case is %(state)s.")
            % {"state": case.get_state_display()}
        )
    return None


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
        error = notice_refusal(case, actor)
        if error is not None:
            raise error
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


def _close_after_commit(case_id: int) -> None:
    """The closing goes through the outbox: written with the payment, sent once the broker takes it."""
    outbox_task(task="enforcement.tasks.case_close_paid", kwargs={"case_id": case_id}, key=f"case-close-paid:{case_id}")


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
        reason = paid_closing_reason(case)
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
