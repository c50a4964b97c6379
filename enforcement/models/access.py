from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .audit import AppendOnlyError, AuditQuerySet


class AccessLogEntry(models.Model):
    """A staff member looked at personal data: a case page, a party's full ID number, an evidence file.

    Like Germany's debtors' register, every such access is logged (who, what, when). Append-only, and readable
    only by superusers.
    """

    class What(models.TextChoices):
        CASE = "case", _("Case page")
        PARTY = "party", _("Party and full ID number")
        EVIDENCE = "evidence", _("Evidence file")
        API_CASE = "api_case", _("Case through the API")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user"), db_index=False
    )
    what = models.CharField(_("what"), max_length=16, choices=What.choices)
    object_id = models.CharField(_("object"), max_length=64)
    label = models.CharField(_("description"), max_length=200, blank=True)
    path = models.CharField(_("path"), max_length=300, blank=True)
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["user", "at"], name="accesslog_user_at_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.what} {self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
