"""Real concurrency on PostgreSQL: threads with their own connections act on one case at the same moment."""

import threading
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone, translation

from enforcement import services
from enforcement.errors import DomainError
from enforcement.models import AppendOnlyError, AuditEntry, CaseState, Payment

pytestmark = pytest.mark.django_db(transaction=True)


def at_once(count: int, work) -> list:
    """Run `work(i)` in `count` threads released together; return each result or the exception it raised."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(i):
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):  # threads do not inherit the test's language
                results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres
def test_two_clerks_declaring_default_at_once_make_one_transition(walk):
    case = walk.case()
    walk.notice(case)
    results = at_once(2, lambda i: services.case_declare_default(actor=walk.clerk, case_id=case.pk))
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1
    assert isinstance(errors[0], DomainError)
    assert "cannot be declared in default" in errors[0].message
    case.refresh_from_db()
    assert case.state == CaseState.DEFAULTED
    assert AuditEntry.objects.filter(case=case, action="declare_default").count() == 1


@pytest.mark.postgres
def test_the_same_payment_posted_ten_times_at_once_is_one_payment(walk):
    case = walk.defaulted(amount_due=Decimal("500.00"))

    def post(i):
        return services.payment_record(
            actor=walk.clerk,
            case_id=case.pk,
            amount="120.00",
            currency="CNY",
            paid_on=timezone.localdate(),
            method="bank_transfer",
            idempotency_key="same-key",
        )

    results = at_once(10, post)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(created for _payment, created in results) == [False] * 9 + [True]
    assert len({payment.pk for payment, _created in results}) == 1
    case.refresh_from_db()
    assert case.amount_paid == Decimal("120.00")
    assert Payment.objects.filter(case=case).count() == 1


@pytest.mark.postgres
def test_different_payments_at_once_never_overpay(walk):
    case = walk.defaulted(amount_due=Decimal("300.00"))

    def post(i):
        return services.payment_record(
            actor=walk.clerk,
            case_id=case.pk,
            amount="100.00",
            currency="CNY",
            paid_on=timezone.localdate(),
            method="bank_transfer",
            idempotency_key=f"key-{i}",
        )

    results = at_once(5, post)
    assert sum(1 for r in results if not isinstance(r, Exception)) == 3
    refusals = [r.message for r in results if isinstance(r, Exception)]
    assert all("on a Paid case" in m or "more than the balance" in m for m in refusals), refusals
    case.refresh_from_db()
    assert (case.amount_paid, case.state) == (Decimal("300.00"), CaseState.CLOSED)  # closed on commit


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_audit_rows(walk):
    case = walk.defaulted()
    entry = AuditEntry.objects.filter(case=case).first()
    for sql in (
        "UPDATE enforcement_auditentry SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM enforcement_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason != "rewritten"


def test_the_orm_refuses_to_change_or_delete_audit_rows(walk):
    entry = AuditEntry.objects.filter(case=walk.defaulted()).first()
    entry.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
