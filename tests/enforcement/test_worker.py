"""The closing of a paid case travels through the outbox and the real broker to a real Celery worker
(CI: Redis + PostgreSQL)."""

import time
from decimal import Decimal

import pytest
from celery.signals import task_prerun

from enforcement.models import CaseState

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_payment_in_full_is_closed_by_the_worker_through_the_broker(walk, celery_worker):
    ran = []

    def record(task=None, **kwargs):
        ran.append((task.name, task.request.is_eager, task.request.hostname))

    task_prerun.connect(record, weak=False)
    case = walk.listed(amount_due=Decimal("800.00"))
    walk.pay(case)  # commits with the closing in the outbox; the relay is published to the broker on commit
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        case.refresh_from_db()
        if case.state == CaseState.CLOSED:
            break
        time.sleep(0.2)
    assert (case.state, case.closed_reason) == (CaseState.CLOSED, "paid_in_full")
    assert case.audit_entries.filter(action="remove", actor_name="system").count() == 1
    task_prerun.disconnect(record)
    assert [(name, eager) for name, eager, _host in ran] == [
        ("enforcement.tasks.outbox_relay", False),
        ("enforcement.tasks.case_close_paid", False),
    ]
    assert all(host in celery_worker.hostname for _name, _eager, host in ran)  # the worker's, not in-process
