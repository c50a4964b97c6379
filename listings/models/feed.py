"""The change feed carriers follow to mirror restrictions (`GET /api/v1/changes/`).

Every change a carrier must know of writes its events in the same transaction as the change: one row per
bound person, so a carrier keys its mirror on the ID number. An event holds only what a carrier needs.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enforcement.fields import ChoiceSetField
from enforcement.rules import RestrictionCategory


class FeedEvent(models.Model):
    class Kind(models.TextChoices):
        LISTING_PUBLISHED = "listing_published", _("Listing published")
        LISTING_EXPIRED = "listing_expired", _("Listing expired")
        LISTING_REVOKED = "listing_revoked", _("Listing revoked (listed in error)")
        LISTING_REMOVED = "listing_removed", _("Listing removed (paid, settled or case closed)")
        RESTRICTION_ORDERED = "restriction_ordered", _("Restriction order in force")
        RESTRICTION_LIFTED = "restriction_lifted", _("Restriction order lifted")
        TEMPORARY_LIFT = "temporary_lift", _("Travel restriction lifted temporarily")

    id = models.BigAutoField(primary_key=True)
    xid = models.BigIntegerField(
        _("transaction id"),
        default=0,
        help_text=_(
            "On PostgreSQL the id of the transaction that wrote the event: the feed serves an event only once "
            "every older transaction has ended, so a reader never skips one that commits late."
        ),
    )
    kind = models.CharField(_("event"), max_length=24, choices=Kind.choices)
    id_number = models.CharField(_("ID number of the bound person"), max_length=32)
    categories = ChoiceSetField(verbose_name=_("categories"), choices_class=RestrictionCategory, blank=True)
    court = models.ForeignKey(
        "enforcement.Court", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("court")
    )
    case_number = models.CharField(_("case number"), max_length=40)
    document_number = models.CharField(
        _("document number"), max_length=60, blank=True, help_text=_("The restriction order or listing decision.")
    )
    effective_on = models.DateField(_("effective on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("feed event")
        verbose_name_plural = _("feed events")
        indexes = [models.Index(fields=["xid", "id"], name="feedevent_order_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_number}"
