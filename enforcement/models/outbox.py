from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """Something that leaves the system (an e-mail, a task for the worker), written in the same transaction as
    the change that causes it and sent afterwards by `enforcement.tasks.outbox_relay`. A change that rolls back
    leaves no message; a broker or mail server that is down delays the message, never loses it. A message that
    still fails after the last allowed attempt is given up (`failed_at`): a dead letter, listed in the admin."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("e-mail")
        TASK = "task", _("task")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(
        _("key"),
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        help_text=_("Names the message so that the same cause never writes it twice (empty: no such check)."),
    )
    payload = models.JSONField(
        _("payload"), help_text=_("E-mail: to, subject, body. Task: the task's name and keyword arguments.")
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    due_at = models.DateTimeField(_("next attempt at"), help_text=_("Later after each failed attempt (back-off)."))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(
        _("given up at"),
        null=True,
        blank=True,
        help_text=_(
            "Set when the last allowed attempt failed (settings.OUTBOX_MAX_ATTEMPTS): the relay no longer tries "
            "this message. The last error says why; someone must act on it."
        ),
    )
    last_error = models.TextField(_("last error"), blank=True)
    to_address = models.CharField(
        _("addressed to"),
        max_length=254,
        blank=True,
        help_text=_(
            "The one recipient of an e-mail to a single person (a debtor's notices): retention finds that "
            "person's messages by it and erases them. Empty for tasks and e-mails to several people."
        ),
    )

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_due_idx",
            ),
            models.Index(fields=["to_address"], condition=~models.Q(to_address=""), name="outbox_to_address_idx"),
            # The dead letters (`enforcement.selectors.failed_messages`), counted at every /metrics scrape and on
            # the dashboard: a few rows of a table that only grows, never a read of all of it.
            models.Index(
                fields=["failed_at"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=False),
                name="outbox_failed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        return "failed" if self.failed_at is not None else "pending"
