from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """Something that leaves the system (an e-mail, a task for the worker), written in the same transaction as
    the change that causes it and sent afterwards by `enforcement.tasks.outbox_relay`. A change that rolls back
    leaves no message; a broker or mail server that is down delays the message, never loses it."""

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
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["due_at", "id"], condition=models.Q(sent_at__isnull=True), name="outbox_pending_idx")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
