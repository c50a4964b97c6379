"""The broker is down while a payment is recorded: the closing waits in the outbox and goes out, once, when the
broker is back (issue 6). A real redis-server is stopped and started; a real worker consumes."""

import os
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app
from enforcement import tasks
from enforcement.models import AuditEntry, CaseState, OutboxMessage
from tests.brokers import PrivateRedis, use_broker

pytestmark = [pytest.mark.postgres, pytest.mark.broker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker(tmp_path):
    shared = os.environ["CELERY_BROKER_URL"]
    redis = PrivateRedis(tmp_path)
    redis.start()
    use_broker(redis.url)
    app.conf.task_always_eager = False
    yield redis
    redis.stop()
    app.conf.task_always_eager = True
    use_broker(shared)


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_payment_recorded_while_the_broker_is_down_is_closed_once_it_is_back(walk, broker):
    case = walk.listed(amount_due=Decimal("500.00"))
    broker.stop()

    walk.pay(case)  # the payment commits; the nudge to the relay finds no broker

    case.refresh_from_db()
    assert case.state == CaseState.PAID  # recorded, and listed no longer
    message = OutboxMessage.objects.get(key=f"case-close-paid:{case.pk}")
    assert message.sent_at is None

    broker.start()
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        tasks.outbox_relay.delay()  # what beat sends every 30 seconds
        assert wait_for(lambda: OutboxMessage.objects.get(pk=message.pk).sent_at is not None)
        assert wait_for(lambda: case.__class__.objects.get(pk=case.pk).state == CaseState.CLOSED)
        tasks.outbox_relay.delay()  # a second relay finds nothing more to send
        time.sleep(1)

    message.refresh_from_db()
    assert message.attempts == 1
    assert AuditEntry.objects.filter(case=case, action="remove").count() == 1


def test_the_fixture_really_points_the_app_at_the_private_broker(broker):
    from config.celery import app

    assert app.connection_for_write().as_uri().endswith(f":{broker.port}/0")


def test_with_the_broker_down_the_web_answers_the_payment_at_once_and_health_names_the_broker(
    walk, broker, clerk, settings
):
    from django.test import Client

    from tests.enforcement.api.conftest import token_client

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = broker.url
    case = walk.listed(amount_due=Decimal("300.00"))
    broker.stop()
    started = time.monotonic()
    response = token_client(clerk).post(
        f"/api/v1/cases/{case.pk}/payments/",
        {"amount": "300.00", "paid_on": case.filed_on.isoformat(), "method": "bank_transfer"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="outage-1",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 201, response.content  # recorded: the closing waits in the outbox
    assert elapsed < 10, f"the answer waited {elapsed:.1f} s for the broker"
    assert OutboxMessage.objects.filter(key=f"case-close-paid:{case.pk}", sent_at=None).exists()
    health = Client().get("/health/")
    assert health.status_code == 503
    assert health.json()["broker"]["ok"] is False
    assert health.json()["database"]["ok"] is True
