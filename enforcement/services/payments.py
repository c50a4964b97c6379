"""Payments: Decimal amounts in the case's currency, idempotent by key."""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enforcement import permissions
from enforcement.errors import Conflict, DomainError, Forbidden, InvalidInput, RuleViolation
from enforcement.models import OPEN_STATES, EnforcementCase, Payment
from enforcement.permissions import Role
from enforcement.services.cases import pay_in_full_if_due
from enforcement.services.core import _money, _require_role, audit_write, case_lock


def payment_refusal(case: EnforcementCase, actor) -> DomainError | None:
    """Why `actor` may not record a payment on this case now, or None (the service and the button). A replayed
    idempotency key is answered before this is asked."""
    if actor is not None and not permissions.has_role(actor, case.court_id, Role.CLERK):
        return Forbidden(_("You do not have a role in this court that allows this."))
    if case.state not in OPEN_STATES:
        return Conflict(_("No payment can be recorded on a %(state)s case.") % {"state": case.get_state_display()})
    return None


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
        error = payment_refusal(case, actor)
        if error is not None:
            raise error
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
        pay_in_full_if_due(case=case, actor=actor)
    return payment, True
