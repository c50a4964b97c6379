"""Payments: amounts are Decimal in the case's currency; bad amounts refused; the same payment twice is one."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from enforcement import services
from enforcement.errors import Conflict, InvalidInput, RuleViolation
from enforcement.models import AuditEntry, CaseState, Payment

pytestmark = pytest.mark.django_db


def pay(walk, case, amount, **overrides):
    data = {
        "actor": walk.clerk,
        "case_id": case.pk,
        "amount": amount,
        "currency": case.currency,
        "paid_on": timezone.localdate(),
        "method": "bank_transfer",
        "idempotency_key": "key-1",
    } | overrides
    return services.payment_record(**data)


def test_partial_payments_accumulate_and_leave_the_state_alone(walk):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    pay(walk, case, "250.10", idempotency_key="a")
    pay(walk, case, Decimal("149.90"), idempotency_key="b")
    case.refresh_from_db()
    assert (case.amount_paid, case.balance, case.state) == (Decimal("400.00"), Decimal("600.00"), CaseState.DEFAULTED)


def test_the_same_payment_recorded_twice_is_one_payment(walk):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    first, created_first = pay(walk, case, "300.00")
    second, created_second = pay(walk, case, "300.00")
    case.refresh_from_db()
    assert (created_first, created_second) == (True, False)
    assert first.pk == second.pk
    assert Payment.objects.filter(case=case).count() == 1
    assert case.amount_paid == Decimal("300.00")
    assert AuditEntry.objects.filter(case=case, action="payment_record").count() == 1


def test_reusing_a_key_for_a_different_payment_is_refused(walk):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    pay(walk, case, "300.00")
    with pytest.raises(Conflict, match="already used for a different payment"):
        pay(walk, case, "310.00")


@pytest.mark.parametrize(
    ("amount", "error", "says"),
    [
        ("0", InvalidInput, "more than zero"),
        ("-5.00", InvalidInput, "cannot be negative"),
        ("10.005", InvalidInput, "two decimal places"),
        ("abc", InvalidInput, "not an amount"),
        ("NaN", InvalidInput, "not an amount"),
        ("1E+30", InvalidInput, "less than 100,000,000,000,000"),
        ("1000.01", RuleViolation, "more than the balance of 1000.00"),
    ],
)
def test_bad_amounts_are_refused_with_a_clear_message(walk, amount, error, says):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    with pytest.raises(error, match=says) as refused:
        pay(walk, case, amount)
    assert refused.value.field == "amount"
    assert not Payment.objects.filter(case=case).exists()


def test_a_payment_in_another_currency_is_refused(walk):
    case = walk.defaulted()
    with pytest.raises(InvalidInput, match="record the payment in CNY"):
        pay(walk, case, "10.00", currency="USD")


def test_a_payment_dated_in_the_future_is_refused(walk):
    case = walk.defaulted()
    with pytest.raises(InvalidInput, match="future"):
        pay(walk, case, "10.00", paid_on=timezone.localdate() + datetime.timedelta(days=1))


def test_a_payment_on_a_closed_case_is_refused(walk, django_capture_on_commit_callbacks):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    services.case_close(actor=walk.clerk, case_id=case.pk, reason="no_assets")
    with pytest.raises(Conflict, match="No payment can be recorded on a Closed case"):
        pay(walk, case, "10.00")


def test_payment_in_full_moves_the_case_to_paid_and_queues_its_closing(walk, django_capture_on_commit_callbacks):
    case = walk.defaulted(amount_due=Decimal("1000.00"))
    with django_capture_on_commit_callbacks() as callbacks:
        pay(walk, case, "1000.00")
    case.refresh_from_db()
    assert case.state == CaseState.PAID
    assert len(callbacks) == 1  # the closing task, enqueued only once the payment is committed
    callbacks[0]()
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, "paid_in_full")


def test_closing_a_paid_case_twice_changes_nothing_the_second_time(walk, django_capture_on_commit_callbacks):
    case = walk.defaulted(amount_due=Decimal("10.00"))
    with django_capture_on_commit_callbacks(execute=True):
        pay(walk, case, "10.00")
    entries = AuditEntry.objects.filter(case=case).count()
    assert services.case_close_paid(case_id=case.pk) is None
    assert AuditEntry.objects.filter(case=case).count() == entries


def test_settlement_performed_pays_and_closes_the_case(walk, django_capture_on_commit_callbacks):
    case = walk.listed()
    with django_capture_on_commit_callbacks(execute=True):
        services.case_settle(actor=walk.clerk, case_id=case.pk, reason="和解协议已履行")
    case.refresh_from_db()
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, "settlement_performed")
    assert case.restriction_orders.get().lift_reason == "settlement_performed"
    assert case.listing_decisions.get().status == "removed"
