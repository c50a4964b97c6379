"""The budget of unsuccessful full-number lookups per target (see `listings.probes`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProbeBudget(models.Model):
    """One target's lookups on one day: the distinct numbers tried that matched nothing, as HMACs (never the
    numbers). A target is a masked ID number (the public search) or a case number (the status check)."""

    class Surface(models.TextChoices):
        SEARCH = "search", _("Search by full ID number")
        STATUS = "status", _("Debtor's status check")

    surface = models.CharField(_("surface"), max_length=8, choices=Surface.choices)
    target = models.CharField(
        _("target"), max_length=64, help_text=_("HMAC of the masked ID number or of the case number.")
    )
    label = models.CharField(
        _("label"), max_length=64, help_text=_("What staff see: the masked ID number or the case number (public).")
    )
    day = models.DateField(_("day"))
    misses = models.JSONField(
        _("unsuccessful numbers"),
        default=list,
        help_text=_("HMACs of the distinct numbers tried that matched nothing."),
    )
    refused = models.PositiveIntegerField(_("lookups refused"), default=0)
    alerted_at = models.DateTimeField(_("staff alerted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("probed number")
        verbose_name_plural = _("probed numbers")
        constraints = [
            models.UniqueConstraint(fields=["surface", "target", "day"], name="probebudget_one_row_per_target_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_surface_display()} {self.label} {self.day}"
