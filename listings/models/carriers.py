"""Carriers and agencies (airlines, railways, hotels ...) ask whether a person is restricted, with an API key
issued to their organisation for the categories they sell; every question asked is recorded."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.models import AbstractAPIKey

from enforcement.fields import ChoiceSetField
from enforcement.rules import RestrictionCategory


def validate_rate(value: str) -> None:
    """A rate as DRF writes it (`config.ratelimits` reads it): `600/m` (per second, minute, hour or day)."""
    if not value:
        return
    try:
        count, _period = SimpleRateThrottle.parse_rate(None, value)
        valid = count > 0 and value.split("/", 1)[1][:1] in "smhd"
    except (ValueError, KeyError, IndexError):
        valid = False
    if not valid:
        raise ValidationError(_("Write the rate as a number of requests per s, m, h or d, e.g. 600/m."))


class CarrierKey(AbstractAPIKey):
    """An API key issued to one organisation (`Authorization: Api-Key <key>`). Only a hash of the key is kept;
    the key itself is shown once, when the key is created in the admin."""

    organisation = models.CharField(
        _("organisation"), max_length=200, help_text=_("The carrier or agency the key is issued to.")
    )
    categories = ChoiceSetField(
        verbose_name=_("categories it may ask about"),
        choices_class=RestrictionCategory,
        help_text=_("A check in any other category is refused (HTTP 403)."),
    )
    rate = models.CharField(
        _("rate limit"),
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text=_("Requests allowed, e.g. 600/m; empty: the default (setting CARRIER_API_RATE)."),
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = _("carrier API key")
        verbose_name_plural = _("carrier API keys")

    def clean_fields(self, exclude=None):
        # The categories' members are checked when converted to bits (and by the form's choices); the integer
        # range validator ChoiceSetField inherits cannot compare a set with a number.
        super().clean_fields(exclude={*(exclude or ()), "categories"})
        if not self.categories:
            raise ValidationError({"categories": _("Choose at least one category the key may ask about.")})


class CarrierCheck(models.Model):
    """One question a carrier asked, for accountability: who asked, about what, and the answer.

    The ID number is kept only as an HMAC-SHA256 under a key of its own (setting CARRIER_CHECK_HASH_KEY): one
    can find the checks made on a given person, but the table does not reveal who was checked.
    """

    key = models.ForeignKey(
        CarrierKey,
        on_delete=models.PROTECT,
        to_field="prefix",  # 8 characters per row instead of the 150 of the key's primary key
        related_name="checks",
        verbose_name=_("key"),
        db_index=False,  # the (key, at) index serves it
    )
    category = models.CharField(_("category"), max_length=32, choices=RestrictionCategory.choices)
    id_number_hmac = models.CharField(_("ID number (HMAC-SHA256)"), max_length=64)
    restricted = models.BooleanField(_("restricted"), null=True, help_text=_("Empty: the number was not valid."))
    at = models.DateTimeField(_("checked at"))

    class Meta:
        verbose_name = _("carrier check")
        verbose_name_plural = _("carrier checks")
        # Who checked this person, and what did one key ask: the two questions an audit asks.
        indexes = [
            models.Index(fields=["id_number_hmac", "at"], name="carriercheck_person_idx"),
            models.Index(fields=["key", "at"], name="carriercheck_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key_id} {self.category} {self.at:%Y-%m-%d %H:%M}"


class SpooledCheckBatch(models.Model):
    """A spool file of checks recorded on the primary (`listings.services.check_records`): inserted in the same
    transaction as the file's checks, so a file flushed twice (a crash between the commit and its deletion, or
    two processes flushing at once) records its checks once."""

    id = models.UUIDField(primary_key=True)
    checks = models.PositiveIntegerField(_("checks"))
    spooled_at = models.DateTimeField(_("spooled at"), help_text=_("When a replica answered them."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("spooled check batch")
        verbose_name_plural = _("spooled check batches")

    def __str__(self) -> str:
        return str(self.id)
