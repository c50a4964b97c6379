"""Payments: Decimal amounts in the case's currency, idempotent by key."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import (
    OPEN_STATES,
    Payment,
)
from enforcement.permissions import Role
from enforcement.services.cases import _close_after_commit
from enforcement.services.core import _money, _require_role, audit_write, case_lock, case_transition


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
