"""The restriction index: what a carrier's check reads, one row per person bound by a restriction order in force.

Derived, never edited by hand: `listings.services.restriction_index` rewrites an order's rows in the same
transaction as every change that can alter them (an order coming into force or lifted, a person bound, an ID
number corrected, a temporary lift granted, a court renamed), and the list's invariants compare it with the
orders, bindings and lifts it summarises (`listings.invariants.restriction_index_drift`), after every test and
daily.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from enforcement.fields import ChoiceSetField
from enforcement.rules import RestrictionCategory
from listings.models.decisions import RestrictionOrder


class RestrictionIndexEntry(models.Model):
    """A person (by ID number) restricted by an order in force, with the order's categories and what a check
    answers about it (court, case number, order number): a check reads this table alone."""

    pk = models.CompositePrimaryKey("id_number", "order")  # a check is one probe of this key
    id_number = models.CharField(_("ID number"), max_length=32)
    order = models.ForeignKey(
        RestrictionOrder, on_delete=models.CASCADE, related_name="+", verbose_name=_("restriction order")
    )
    categories = ChoiceSetField(verbose_name=_("restricted categories"), choices_class=RestrictionCategory)
    court_name = models.CharField(
        _("court"), max_length=100, help_text=_("The enforcing court, as the answer names it.")
    )
    case_number = models.CharField(_("case number"), max_length=40)
    order_number = models.CharField(_("order number"), max_length=60)
    lifted = models.BooleanField(
        _("has temporary lifts"),
        default=False,
        help_text=_("The order has temporary lifts: a check then asks whether one covers the day and category."),
    )

    class Meta:
        verbose_name = _("restriction index entry")
        verbose_name_plural = _("restriction index entries")

    def __str__(self) -> str:
        return f"{self.id_number} / {self.order_id}"
