"""The transactional outbox: a message is written with the change, sent after the commit, once."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from enforcement import services
from enforcement.models import CaseState, OutboxMessage
from enforcement.services import outbox as outbox_module
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_email_is_sent_after_the_commit_and_marked_sent():
    with transaction.atomic():
        services.outbox_email(to="debtor@example.org", subject="Receipt", body="We have your request.")
        assert mail.outbox == []  # nothing leaves before the commit
    assert [m.subject for m in mail.outbox] == ["Receipt"]
    message = OutboxMessage.objects.get()
    assert message.sent_at is not None
    assert message.attempts == 1


def test_a_change_that_rolls_back_leaves_no_message():
    def change_that_fails():
        with transaction.atomic():
            services.outbox_email(to="debtor@example.org", subject="Receipt", body="...")
            raise ValueError("the change failed")

    with pytest.raises(ValueError, match="the change failed"):
        change_that_fails()
    assert not OutboxMessage.objects.exists()
    assert mail.outbox == []


def test_the_same_key_writes_one_message_and_keeps_the_callers_transaction_usable():
    with transaction.atomic():
        first = services.outbox_email(to="a@example.org", subject="One", body="...", key="receipt:42")
        second = services.outbox_email(to="a@example.org", subject="One", body="...", key="receipt:42")
        assert second is None
        assert OutboxMessage.objects.count() == 1  # the transaction still works after the duplicate
    assert first is not None
    assert len(mail.outbox) == 1


def test_writing_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.outbox_email(to="a@example.org", subject="x", body="y")


def test_a_failed_send_is_retried_later_with_back_off_then_sent_once(settings):
    settings.EMAIL_BACKEND = "tests.enforcement.test_outbox.FailingBackend"
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        with transaction.atomic():
            services.outbox_email(to="a@example.org", subject="Decision", body="...")
        message = OutboxMessage.objects.get()
        assert message.sent_at is None
        assert message.attempts == 1
        assert "SMTP server unreachable" in message.last_error
        assert message.due_at == start + datetime.timedelta(seconds=30)
        assert services.outbox_send_due() == {"sent": 0, "failed": 0, "dead": 0}  # not due yet
    with time_machine.travel(start + datetime.timedelta(seconds=31), tick=False):
        assert services.outbox_send_due() == {"sent": 0, "failed": 1, "dead": 0}
        message.refresh_from_db()
        assert message.due_at == start + datetime.timedelta(seconds=31 + 60)  # doubled
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(start + datetime.timedelta(seconds=92), tick=False):
        assert services.outbox_send_due() == {"sent": 1, "failed": 0, "dead": 0}
        assert services.outbox_send_due() == {"sent": 0, "failed": 0, "dead": 0}  # sent once
    assert [m.subject for m in mail.outbox] == ["Decision"]


def test_a_payment_in_full_queues_the_closing_in_the_outbox_and_the_relay_runs_it(walk):
    case = walk.listed()
    walk.pay(case)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED
    message = OutboxMessage.objects.get(key=f"case-close-paid:{case.pk}")
    assert message.payload == {"task": "enforcement.tasks.case_close_paid", "kwargs": {"case_id": case.pk}}
    assert message.sent_at is not None


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server unreachable")


def queue_without_nudge(monkeypatch, count):
    """Messages written and committed, the relay not nudged: they wait for the next relay run."""
    monkeypatch.setattr("enforcement.services.outbox._nudge_relay", lambda: None)
    with transaction.atomic():
        for n in range(count):
            services.outbox_email(to=f"debtor{n}@example.org", subject=f"Notice {n}", body="...")


def test_a_relay_killed_mid_run_sends_no_message_twice(monkeypatch):
    queue_without_nudge(monkeypatch, 3)
    deliver = outbox_module._deliver
    calls = []

    def deliver_then_die(message):
        calls.append(message.pk)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # the process dies: nothing after this line runs
        deliver(message)

    monkeypatch.setattr(outbox_module, "_deliver", deliver_then_die)
    with pytest.raises(SystemExit):
        services.outbox_send_due()
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 1  # committed as soon as it was sent
    monkeypatch.setattr(outbox_module, "_deliver", deliver)
    assert services.outbox_send_due() == {"sent": 2, "failed": 0, "dead": 0}
    assert sorted(m.subject for m in mail.outbox) == ["Notice 0", "Notice 1", "Notice 2"]  # each once


def test_a_message_failing_every_attempt_is_given_up_and_listed_as_a_dead_letter(settings, monkeypatch, client):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "tests.enforcement.test_outbox.FailingBackend"
    queue_without_nudge(monkeypatch, 1)
    start = timezone.now()
    runs = []
    for minutes in (0, 1, 3, 10, 60):
        with time_machine.travel(start + datetime.timedelta(minutes=minutes), tick=False):
            runs.append(services.outbox_send_due())
    assert runs == [
        {"sent": 0, "failed": 1, "dead": 0},
        {"sent": 0, "failed": 1, "dead": 0},
        {"sent": 0, "failed": 0, "dead": 1},
        {"sent": 0, "failed": 0, "dead": 0},  # given up: never tried again
        {"sent": 0, "failed": 0, "dead": 0},
    ]
    message = OutboxMessage.objects.get()
    assert (message.attempts, message.sent_at, message.status) == (3, None, "failed")
    assert "SMTP server unreachable" in message.last_error

    client.force_login(UserFactory(username="root", is_superuser=True))
    page = client.get("/admin/enforcement/outboxmessage/?status=failed")
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert "Given up (dead letter)" in page.text
    assert client.get("/admin/enforcement/outboxmessage/?status=pending").context["cl"].result_count == 0


def test_a_dead_letter_queued_again_from_the_admin_is_sent(settings, monkeypatch, client):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    settings.EMAIL_BACKEND = "tests.enforcement.test_outbox.FailingBackend"
    queue_without_nudge(monkeypatch, 1)
    services.outbox_send_due()
    message = OutboxMessage.objects.get()
    assert message.status == "failed"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.post(
        "/admin/enforcement/outboxmessage/", {"action": "retry", "_selected_action": [message.pk]}, follow=True
    )
    assert "1 messages queued again." in response.text
    services.outbox_send_due()
    message.refresh_from_db()
    assert message.status == "sent"
    assert [m.subject for m in mail.outbox] == ["Notice 0"]
