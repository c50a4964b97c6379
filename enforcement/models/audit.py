from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cases import EnforcementCase


class AppendOnlyError(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only.")


class AuditEntry(models.Model):
    """One thing that happened to a case: who, when, what, from which state to which, why, on what legal basis.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses them in the database.
    """

    case = models.ForeignKey(  # indexed by (case, at) below
        EnforcementCase,
        on_delete=models.PROTECT,
        related_name="audit_entries",
        verbose_name=_("case"),
        db_index=False,
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the system acted (a scheduled job)."),
        db_index=False,  # staff are deactivated, never deleted: nothing looks rows up by actor in bulk
    )
    actor_name = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=64)
    from_state = models.CharField(_("from"), max_length=32, blank=True)
    to_state = models.CharField(_("to"), max_length=32, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["case", "at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="audit_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name}: {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The audit trail is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The audit trail is append-only.")
