"""The transactional outbox: write a message in the caller's transaction, send it after the commit.

`outbox_email` and `outbox_task` only insert a row, so they must run inside the transaction of the change that
causes the message: if that transaction rolls back, nothing is sent. After the commit, the relay is nudged
(`outbox_relay.delay()`); if the broker is down at that moment the nudge is dropped with a warning and the
row waits for beat's periodic relay, so a message is delayed, never lost.

`outbox_send_due` claims due rows with `FOR UPDATE SKIP LOCKED` (two relays never send the same row), sends
each, and marks it sent in the same transaction; a failure reschedules the row with exponential back-off.
Delivery is at least once: a crash between the send and the commit sends that one message again, which is
why every task sent this way is idempotent.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from enforcement.models import OutboxMessage

log = logging.getLogger(__name__)

BATCH = 100
MAX_BACKOFF = timedelta(hours=1)


def outbox_email(*, to: list[str] | str, subject: str, body: str, key: str | None = None) -> OutboxMessage | None:
    """Queue an e-mail. With `key`, the same cause (the same key) queues it once; returns None the second time."""
    recipients = [to] if isinstance(to, str) else list(to)
    return _write(OutboxMessage.Kind.EMAIL, {"to": recipients, "subject": subject, "body": body}, key)


def outbox_task(*, task: str, kwargs: dict | None = None, key: str | None = None) -> OutboxMessage | None:
    """Queue a Celery task by name, with JSON keyword arguments (primary keys, not objects)."""
    return _write(OutboxMessage.Kind.TASK, {"task": task, "kwargs": kwargs or {}}, key)


def _write(kind: str, payload: dict, key: str | None) -> OutboxMessage | None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The outbox is written inside the transaction of the change that causes the message.")
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not spoil the caller's transaction
            message = OutboxMessage.objects.create(kind=kind, payload=payload, key=key, due_at=timezone.now())
    except IntegrityError:
        if key and OutboxMessage.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(_nudge_relay)
    return message


def _nudge_relay() -> None:
    from enforcement.tasks import outbox_relay

    try:
        # No publish retries: if the broker is down, fail now and leave the row to beat's relay.
        outbox_relay.apply_async(retry=False)
    except Exception as exc:
        log.warning("outbox: could not reach the broker (%s); the message waits for the next relay", exc)


def outbox_send_due(*, limit: int = 10_000) -> dict[str, int]:
    """Send the messages that are due, a batch per transaction. Returns how many were sent and how many failed."""
    sent = failed = 0
    while sent + failed < limit:
        with transaction.atomic():
            batch = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(Q(sent_at__isnull=True), due_at__lte=timezone.now())
                .order_by("due_at", "id")[:BATCH]
            )
            if not batch:
                break
            for message in batch:
                if _send_one(message):
                    sent += 1
                else:
                    failed += 1
        if len(batch) < BATCH:
            break
    if sent or failed:
        log.info("outbox: %d sent, %d failed (retried later)", sent, failed)
    return {"sent": sent, "failed": failed}


def _send_one(message: OutboxMessage) -> bool:
    now = timezone.now()
    message.attempts += 1
    try:
        with transaction.atomic():
            _deliver(message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.due_at = now + min(timedelta(seconds=30 * 2 ** (message.attempts - 1)), MAX_BACKOFF)
        message.save(update_fields=["attempts", "last_error", "due_at"])
        log.warning("outbox: message %s failed (attempt %d): %s", message.pk, message.attempts, exc)
        return False
    message.sent_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "last_error", "sent_at"])
    return True


def _deliver(message: OutboxMessage) -> None:
    payload = message.payload
    if message.kind == OutboxMessage.Kind.EMAIL:
        EmailMessage(
            subject=payload["subject"], body=payload["body"], from_email=settings.DEFAULT_FROM_EMAIL, to=payload["to"]
        ).send()
        return
    from config.celery import app

    task = app.tasks.get(payload["task"])
    if task is None:
        raise LookupError(f"No task named {payload['task']!r} is registered.")
    task.apply_async(kwargs=payload["kwargs"])
