from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from enforcement.admin import CourtScopedAdmin
from enforcement.rules import Ground, RestrictionCategory
from listings import actions, panels  # noqa: F401 - registers the case page's listing actions and panels
from listings.models import ListingDecision, RestrictionOrder
from listings.panels import GroundFilter


class DecisionAdmin(CourtScopedAdmin):
    court_path = "case__court"
    list_select_related = ["case", "case__court", "case__debtor", "proposed_by", "approved_by"]
    search_fields = ["=case__case_number", "^case__debtor__name"]
    show_full_result_count = False

    def court_id_of(self, obj) -> int:
        return obj.case.court_id

    @admin.display(description=_("case"), ordering="case__case_number")
    def case_link(self, obj) -> str:
        url = reverse("admin:enforcement_enforcementcase_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case.case_number)

    @admin.display(description=_("debtor"))
    def debtor(self, obj) -> str:
        return obj.case.debtor.name


class AwaitingSignatureFilter(admin.SimpleListFilter):
    title = _("signature")
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("yes", _("Awaiting signature"))]

    def queryset(self, request, queryset):
        return queryset.filter(status="proposed") if self.value() == "yes" else queryset


class DecisionGroundFilter(GroundFilter):
    title = _("ground")

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit() and int(self.value()) in Ground.values:
            return queryset.filter(grounds__has=Ground(int(self.value())))
        return queryset


@admin.register(ListingDecision)
class ListingDecisionAdmin(DecisionAdmin):
    list_display = [
        "case_link",
        "debtor",
        "status",
        "decision_number",
        "proposed_by",
        "decided_on",
        "published_at",
        "expires_on",
    ]
    list_filter = [
        AwaitingSignatureFilter,
        "status",
        DecisionGroundFilter,
        ("case__court", admin.RelatedOnlyFieldListFilter),
    ]
    date_hierarchy = "proposed_at"
    fields = [
        "case_link",
        "debtor",
        "status",
        "grounds_label",
        "period_years",
        "extension_years",
        "extension_reason",
        "grace_months",
        "facts",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "decided_on",
        "decision_number",
        "served_on",
        "rejection_reason",
        "publish_on",
        "published_at",
        "expires_on",
        "ended_at",
        "end_reason",
    ]
    readonly_fields = fields

    @admin.display(description=_("grounds"))
    def grounds_label(self, obj) -> str:
        return "; ".join(str(Ground(g).label) for g in sorted(obj.grounds))


@admin.register(RestrictionOrder)
class RestrictionOrderAdmin(DecisionAdmin):
    list_display = [
        "case_link",
        "debtor",
        "status",
        "order_number",
        "proposed_by",
        "decided_on",
        "lifted_at",
        "lift_reason",
    ]
    list_filter = [AwaitingSignatureFilter, "status", "lift_reason", ("case__court", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "proposed_at"
    fields = [
        "case_link",
        "debtor",
        "status",
        "categories_label",
        "bound_persons",
        "listing",
        "facts",
        "proposed_by",
        "proposed_at",
        "approved_by",
        "decided_on",
        "order_number",
        "served_on",
        "rejection_reason",
        "lifted_at",
        "lift_reason",
        "lift_note",
    ]
    readonly_fields = fields

    @admin.display(description=_("restricted categories"))
    def categories_label(self, obj) -> str:
        return "; ".join(str(RestrictionCategory(c).label) for c in sorted(obj.categories))

    @admin.display(description=_("bound persons"))
    def bound_persons(self, obj) -> str:
        return ", ".join(f"{s.party.name} ({s.get_role_display()})" for s in obj.bound.select_related("party"))
