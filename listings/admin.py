from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from rest_framework_api_key.admin import APIKeyModelAdmin

from enforcement import permissions
from enforcement.admin import CourtScopedAdmin, is_staff_member
from enforcement.admin.base import ReadOnlyAdmin, SuperuserReadsAdmin
from enforcement.fields import ChoiceSetField
from enforcement.models import EnforcementCase
from enforcement.rules import Ground, RestrictionCategory
from listings import actions, checks, outlook, panels, selectors  # noqa: F401 - registers the case page's listing actions and panels
from listings.invariants import INVARIANTS, Violation, list_violations
from listings.models import (
    CarrierCheck,
    CarrierKey,
    ListingDecision,
    ListRuleBreach,
    ProbeBudget,
    RestrictionOrder,
)
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


def _local_day(moment):
    return timezone.localtime(moment).date() if moment else None


class AwaitingSignatureFilter(admin.SimpleListFilter):
    title = _("signature")
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        return [("yes", _("Awaiting signature")), ("mine", _("Awaiting my signature"))]

    def queryset(self, request, queryset):
        if self.value() == "mine":
            return queryset.filter(pk__in=selectors.decisions_to_sign(request.user, queryset.model).values("pk"))
        return queryset.filter(status="proposed") if self.value() == "yes" else queryset


class DecisionGroundFilter(GroundFilter):
    title = _("ground")

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit() and int(self.value()) in Ground.values:
            return queryset.filter(grounds__has=Ground(int(self.value())))
        return queryset


@admin.register(ListingDecision)
class ListingDecisionAdmin(DecisionAdmin):
    # What fits 1366 px; who proposed and signed it, and when, are on the decision's page.
    list_display = ["case_link", "debtor", "status", "decision_number", "published_on", "expires_on"]

    @admin.display(description=_("published on"), ordering="published_at")
    def published_on(self, decision):
        return _local_day(decision.published_at)

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
    list_display = ["case_link", "debtor", "status", "order_number", "decided_on", "lifted_on", "lift_reason"]
    list_filter = [AwaitingSignatureFilter, "status", "lift_reason", ("case__court", admin.RelatedOnlyFieldListFilter)]

    @admin.display(description=_("lifted on"), ordering="lifted_at")
    def lifted_on(self, order):
        return _local_day(order.lifted_at)

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


@admin.register(CarrierKey)
class CarrierKeyAdmin(APIKeyModelAdmin):
    """Keys for carriers and agencies: national, so only superusers issue and revoke them. The full key is shown
    once, in a message, when it is created (the library keeps only its hash); revoking cannot be undone."""

    list_display = ["prefix", "name", "organisation", "categories_label", "rate", "created", "expiry_date", "revoked"]
    list_filter = ["revoked", "created"]
    search_fields = ["name", "organisation", "prefix"]
    fields = ["name", "organisation", "categories", "rate", "expiry_date", "revoked", "prefix", "created"]
    # The admin gives integer fields a number box; a set of categories is a list of boxes to tick.
    formfield_overrides = {ChoiceSetField: {"widget": forms.CheckboxSelectMultiple}}

    def get_readonly_fields(self, request, obj=None):
        return (*super().get_readonly_fields(request, obj), "created")

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the checks made with a key refer to it: revoke it instead

    @admin.display(description=_("categories"))
    def categories_label(self, obj) -> str:
        return ", ".join(sorted(obj.categories))


@admin.register(CarrierCheck)
class CarrierCheckAdmin(SuperuserReadsAdmin):
    """The record of carriers' checks, for accountability: who asked about whom, when, and the answer. Read
    only, superusers only. The log keeps no ID numbers: a search for a full ID number looks up its HMAC."""

    list_display = ["at", "key", "category", "restricted"]
    list_filter = ["category", "restricted"]
    list_select_related = ["key"]
    search_fields = ["id_number_hmac"]
    search_help_text = _("A full ID number: the checks made on that person.")
    show_full_result_count = False
    date_hierarchy = "at"

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            number = checks.clean_id_number(term)
        except ValidationError:
            return queryset.none(), False
        return queryset.filter(id_number_hmac=checks.id_number_hmac(number)), False


@admin.register(ProbeBudget)
class ProbeBudgetAdmin(SuperuserReadsAdmin):
    """The targets whose hidden ID number someone tried to rebuild (`listings.probes`): per day, how many
    distinct wrong numbers were tried and how many lookups were then refused. Read only, superusers only; the
    numbers tried are kept as HMACs, never shown."""

    list_display = ["day", "surface", "label", "misses_count", "refused", "alerted_at"]
    list_filter = ["surface", "day"]
    search_fields = ["label"]
    fields = ["day", "surface", "label", "misses_count", "refused", "alerted_at"]
    readonly_fields = fields
    show_full_result_count = False
    date_hierarchy = "day"

    @admin.display(description=_("distinct wrong numbers"))
    def misses_count(self, obj) -> int:
        return len(obj.misses)


@admin.register(ListRuleBreach)
class ListRuleBreachAdmin(ReadOnlyAdmin):
    """The list's invariants broken now (`listings.invariants`), in the user's courts (every court for a
    superuser), each with a link to its case: what the daily job mails the court's staff. One page, read only."""

    def has_module_permission(self, request) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff_member(request.user)

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        violations = list_violations(court_ids=permissions.court_ids(request.user))
        by_rule = {name: [] for name in INVARIANTS}
        for violation in violations:
            by_rule[violation.invariant.name].append(
                (violation, _admin_url("enforcement_enforcementcase_change", violation.case_id), _record_url(violation))
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": self.opts.verbose_name_plural.capitalize(),
            "count": len(violations),
            "rules": [(INVARIANTS[name], rows) for name, rows in by_rule.items()],
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/listings/listrulebreach/change_list.html", context)


def _admin_url(url_name: str, pk: int) -> str | None:
    try:
        return reverse(f"admin:{url_name}", args=[pk])
    except NoReverseMatch:
        return None


def _record_url(violation: Violation) -> str | None:
    """The admin page of the offending record, if it has one and is not the case itself (a lift has none)."""
    meta = violation.model._meta
    if violation.model is EnforcementCase:
        return None
    return _admin_url(f"{meta.app_label}_{meta.model_name}_change", violation.record_id)
