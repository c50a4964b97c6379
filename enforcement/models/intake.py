from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .cases import EnforcementCase
from .courts import Court


class IntakeBatch(models.Model):
    """One file of judgments a court uploaded (admin, API or `manage.py intake_judgments`), and what came of it."""

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        JSONL = "jsonl", _("JSON Lines")

    court = models.ForeignKey(Court, on_delete=models.PROTECT, related_name="+", verbose_name=_("court"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_created = models.PositiveIntegerField(_("cases opened"), default=0)
    rows_present = models.PositiveIntegerField(
        _("already taken in"), default=0, help_text=_("Rows whose judgment an earlier upload already opened.")
    )
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    parties_created = models.PositiveIntegerField(_("parties registered"), default=0)
    rejections = models.JSONField(
        _("rejected rows"),
        default=list,
        blank=True,
        help_text=_("Each rejected row: its line number in the file, the column at fault and why."),
    )
    seconds = models.FloatField(_("processing time (s)"), default=0)

    class Meta:
        verbose_name = _("judgment intake")
        verbose_name_plural = _("judgment intakes")
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["court", "uploaded_at"], name="intakebatch_court_at_idx")]

    def __str__(self) -> str:
        return f"{self.filename or self.sha256[:12]} ({timezone.localtime(self.uploaded_at):%Y-%m-%d %H:%M})"


class IntakeRecord(models.Model):
    """The natural key of a judgment taken in by intake: the same row uploaded twice opens one case."""

    court = models.ForeignKey(
        Court, on_delete=models.PROTECT, related_name="+", verbose_name=_("court"), db_index=False
    )
    basis_number = models.CharField(_("basis document number"), max_length=60)
    debtor_id_number = models.CharField(_("debtor's ID number"), max_length=32)
    case = models.OneToOneField(
        EnforcementCase, on_delete=models.PROTECT, related_name="intake_record", verbose_name=_("case")
    )
    batch = models.ForeignKey(
        IntakeBatch, on_delete=models.PROTECT, related_name="records", verbose_name=_("intake"), db_index=False
    )

    class Meta:
        verbose_name = _("judgment taken in")
        verbose_name_plural = _("judgments taken in")
        constraints = [
            models.UniqueConstraint(
                fields=["court", "basis_number", "debtor_id_number"], name="intakerecord_natural_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.basis_number} / {self.debtor_id_number}"
