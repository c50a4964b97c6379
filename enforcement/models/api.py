from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """An `Idempotency-Key` a court system sent with a write, and the answer it got.

    Keys belong to the user who sent them. The unique constraint makes a second request with the same key wait
    for the first one's transaction and then find its row: it answers the stored response instead of acting
    again. A request that was refused stores nothing, so the client may retry with the same key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"), db_index=False
    )
    key = models.CharField(_("key"), max_length=100)
    operation = models.CharField(_("operation"), max_length=64, help_text=_("The endpoint the key was used on."))
    fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        help_text=_("SHA-256 of the request's target and validated body: the same key with another body is refused."),
    )
    response_status = models.PositiveSmallIntegerField(_("response status"))
    response_body = models.JSONField(_("response body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotencykey_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
