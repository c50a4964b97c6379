"""The listings panels on the clerk's case page, and the case list's filter by listing ground."""

from django.contrib import admin
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from enforcement.case_page import CasePanel, registry
from enforcement.rules import Ground, RestrictionCategory
from listings.actions import choice_labels
from listings.models import ListingDecision


def _decisions_panel(case, user) -> dict:
    decisions = list(case.listing_decisions.select_related("proposed_by", "approved_by").order_by("proposed_at"))
    for decision in decisions:
        decision.grounds_label = choice_labels(decision.grounds, Ground)
    waiting = [d for d in decisions if d.status == "proposed" and d.proposed_by_id == user.pk]
    return {"decisions": decisions, "waiting_for_other": waiting}


def _orders_panel(case, user) -> dict:
    orders = list(
        case.restriction_orders.select_related("proposed_by", "approved_by")
        .prefetch_related("bound__party")
        .order_by("proposed_at")
    )
    for order in orders:
        order.categories_label = choice_labels(order.categories, RestrictionCategory)
    return {"orders": orders}


class GroundFilter(admin.SimpleListFilter):
    title = _("listing ground (in force)")
    parameter_name = "ground"

    def lookups(self, request, model_admin):
        return Ground.choices

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit() and int(self.value()) in Ground.values:
            in_force = ListingDecision.objects.filter(
                case=OuterRef("pk"), status="in_force", grounds__has=Ground(int(self.value()))
            )
            return queryset.filter(Exists(in_force))
        return queryset


registry.panel(CasePanel(_("Restriction orders"), "admin/listings/panels/orders.html", _orders_panel, order=20))
registry.panel(CasePanel(_("Listing decisions"), "admin/listings/panels/decisions.html", _decisions_panel, order=30))
registry.list_filter(GroundFilter)
