"""The transactional outbox: write a message in the caller's transaction, send it after the commit.

`outbox_email` and `outbox_task` only insert a row, so they must run inside the transaction of the change that
causes the message: if that transaction rolls back, nothing is sent. After the commit, the relay is nudged
(`outbox_relay.delay()`); if the broker is down at that moment the nudge is dropped with a warning and the
row waits for beat's periodic relay, so a message is delayed, never lost.

`outbox_send_due` works one message per transaction: it claims the next due row with `FOR UPDATE SKIP LOCKED`
(two relays never send the same row), sends it, marks it sent and commits. A failure reschedules the row with
exponential back-off; after `settings.OUTBOX_MAX_ATTEMPTS` failed attempts the row is given up (`failed_at`, a
dead letter the admin lists). Delivery is at least once: a relay killed between a send and its commit sends
that one message again (never the rest of a batch), which is why every task sent this way is idempotent.

`outbox_erase_addressed_to` is retention's: the e-mails written to a person whose data is erased.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from enforcement.models import OutboxMessage

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=1)
# 30 s, 1, 2, 4 ... 32 min, then hourly: the 30th attempt comes about 23 hours after the first, so a mail server
# or broker down for most of a day delays a message without losing it.
MAX_ATTEMPTS = 30
ERASED_PAYLOAD = {"erased": "retention"}


def outbox_email(
    *, to: list[str] | str, subject: str, body: str, key: str | None = None, after_sent: dict | None = None
) -> OutboxMessage | None:
    """Queue an e-mail. With `key`, the same cause (the same key) queues it once; returns None the second time.
    `after_sent` ({"task": name, "kwargs": {...}}) is queued as a task in the transaction that marks the e-mail
    sent, with `sent_on` (the day it was sent) added to its kwargs: what follows from the delivery itself (the
    service of a decision)."""
    recipients = [to] if isinstance(to, str) else list(to)
    payload = {"to": recipients, "subject": subject, "body": body}
    if after_sent:
        payload["after_sent"] = after_sent
    return _write(OutboxMessage.Kind.EMAIL, payload, key)


def outbox_task(*, task: str, kwargs: dict | None = None, key: str | None = None) -> OutboxMessage | None:
    """Queue a Celery task by name, with JSON keyword arguments (primary keys, not objects)."""
    return _write(OutboxMessage.Kind.TASK, {"task": task, "kwargs": kwargs or {}}, key)


def _write(kind: str, payload: dict, key: str | None) -> OutboxMessage | None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The outbox is written inside the transaction of the change that causes the message.")
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not spoil the caller's transaction
            message = OutboxMessage.objects.create(
                kind=kind, payload=payload, key=key, due_at=timezone.now(), to_address=_single_address(kind, payload)
            )
    except IntegrityError:
        if key and OutboxMessage.objects.filter(key=key).exists():
            return None
        raise
    transaction.on_commit(_nudge_relay)
    return message


def _single_address(kind: str, payload: dict) -> str:
    recipients = payload.get("to") if kind == OutboxMessage.Kind.EMAIL else None
    if recipients and len(recipients) == 1 and len(recipients[0]) <= 254:
        return recipients[0]
    return ""


def _nudge_relay() -> None:
    from enforcement.tasks import outbox_relay

    try:
        # No publish retries: if the broker is down, fail now and leave the row to beat's relay.
        outbox_relay.apply_async(retry=False)
    except Exception as exc:
        log.warning("outbox: could not reach the broker (%s); the message waits for the next relay", exc)


def max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", MAX_ATTEMPTS)


def outbox_send_due(*, limit: int = 10_000) -> dict[str, int]:
    """Send the messages that are due, each claimed, sent, marked and committed on its own. Returns how many were
    sent, how many failed (retried later) and how many were given up (dead letters)."""
    counts = {"sent": 0, "failed": 0, "dead": 0}
    for _attempt in range(limit):
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, failed_at__isnull=True, due_at__lte=timezone.now())
                .order_by("due_at", "id")
                .first()
            )
            if message is None:
                break
            counts[_send_one(message)] += 1
        # The commit is here: this message's sent mark is durable before the next one is claimed.
    if any(counts.values()):
        log.info("outbox: %(sent)d sent, %(failed)d failed (retried later), %(dead)d given up", counts)
    return counts


def _send_one(message: OutboxMessage) -> str:
    now = timezone.now()
    message.attempts += 1
    try:
        with transaction.atomic():
            _deliver(message)
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts >= max_attempts():
            message.failed_at = now
            message.save(update_fields=["attempts", "last_error", "failed_at"])
            log.error("outbox: message %s given up after %d attempts: %s", message.pk, message.attempts, exc)
            return "dead"
        message.due_at = now + min(timedelta(seconds=30 * 2 ** (message.attempts - 1)), MAX_BACKOFF)
        message.save(update_fields=["attempts", "last_error", "due_at"])
        log.warning("outbox: message %s failed (attempt %d): %s", message.pk, message.attempts, exc)
        return "failed"
    message.sent_at = now
    message.last_error = ""
    message.save(update_fields=["attempts", "last_error", "sent_at"])
    follow = message.payload.get("after_sent") if message.kind == OutboxMessage.Kind.EMAIL else None
    if follow:
        kwargs = {**follow.get("kwargs", {}), "sent_on": timezone.localdate(now).isoformat()}
        outbox_task(task=follow["task"], kwargs=kwargs, key=f"after-sent:{message.pk}")
    return "sent"


def outbox_retry(*, message_ids: list[int]) -> int:
    """Queue given-up messages (dead letters) once more, with a fresh count of attempts; others are left alone."""
    with transaction.atomic():
        given_up = OutboxMessage.objects.filter(pk__any=message_ids, sent_at__isnull=True, failed_at__isnull=False)
        count = given_up.exclude(payload=ERASED_PAYLOAD).update(failed_at=None, attempts=0, due_at=timezone.now())
        if count:
            transaction.on_commit(_nudge_relay)
    return count


def outbox_erase_addressed_to(*, addresses: Iterable[str], key_prefixes: Iterable[str] = ()) -> int:
    """Retention: erase the e-mails written to one of `addresses` alone (with `key_prefixes`, only those whose key
    starts with one of them: the messages of the causes being erased, not another person's who shares the
    address). The payload becomes a note, the address goes, and a message not sent yet is given up, never sent.
    Set-wise: the candidates come from the address index, then one UPDATE. Returns how many."""
    addresses = sorted({address for address in addresses if address})
    prefixes = tuple(key_prefixes)
    if not addresses:
        return 0
    ids = [
        pk
        for pk, key in OutboxMessage.objects.filter(to_address__any=addresses).values_list("pk", "key")
        if not prefixes or (key or "").startswith(prefixes)
    ]
    if not ids:
        return 0
    now = timezone.now()
    OutboxMessage.objects.filter(pk__any=ids, sent_at__isnull=True, failed_at__isnull=True).update(
        failed_at=now, last_error="Erased by retention before it was sent."
    )
    return OutboxMessage.objects.filter(pk__any=ids).update(payload=ERASED_PAYLOAD, to_address="")


def _deliver(message: OutboxMessage) -> None:
    payload = message.payload
    if message.kind == OutboxMessage.Kind.EMAIL:
        EmailMessage(
            subject=payload["subject"], body=payload["body"], from_email=settings.DEFAULT_FROM_EMAIL, to=payload["to"]
        ).send()
        return
    from config.celery import app

    task = app.tasks.get(payload["task"])
    if task is None:  # the apps' task modules are discovered lazily: import them, then look again
        app.loader.import_default_modules()
        task = app.tasks.get(payload["task"])
    if task is None:
        raise LookupError(f"No task named {payload['task']!r} is registered.")
    task.apply_async(kwargs=payload["kwargs"])
