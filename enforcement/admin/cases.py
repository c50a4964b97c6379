"""Cases, payments and the audit trail; the case page offers actions (see `enforcement.case_page`)."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from enforcement import actions, outlook, permissions, services
from enforcement.access import log_access
from enforcement.admin.base import CourtScopedAdmin, _is_any_clerk, state_badge
from enforcement.case_page import registry
from enforcement.casenumbers import normalise_case_number
from enforcement.errors import DomainError
from enforcement.models import (
    AccessLogEntry,
    AuditEntry,
    Court,
    Currency,
    EnforcementCase,
    Party,
    Payment,
)
from enforcement.money import format_money
from enforcement.permissions import Role
from enforcement.templatetags.staff import ACTION_LABELS, STATE_LABELS, audit_action, state_label

# --- cases -------------------------------------------------------------------------------------------------------


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Payment period over, not yet declared in default"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.due_for_default(timezone.localdate())
        return queryset


class CaseOpenForm(forms.Form):
    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.none())
    case_number = forms.CharField(
        label=_("Case number"), max_length=40, help_text=_("As on the court's documents, e.g. （2026）京0101执1234号.")
    )
    creditor = forms.ModelChoiceField(label=_("Creditor"), queryset=Party.objects.all())
    debtor = forms.ModelChoiceField(label=_("Debtor"), queryset=Party.objects.all())
    basis_issuer = forms.CharField(label=_("Basis document issued by"), max_length=200)
    basis_number = forms.CharField(label=_("Basis document number"), max_length=60)
    basis_date = forms.DateField(label=_("Basis document date"), widget=actions.DateInput)
    obligation = forms.CharField(label=_("Obligation"), widget=forms.Textarea(attrs={"rows": 3}))
    amount_due = forms.DecimalField(label=_("Amount due"), max_digits=16, decimal_places=2, min_value=0.01)
    currency = forms.ChoiceField(label=_("Currency"), choices=Currency.choices, initial=Currency.CNY)
    filed_on = forms.DateField(label=_("Filed on"), widget=actions.DateInput, initial=actions.today)

    def __init__(self, *args, user, admin_site, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        courts = permissions.court_ids(user, Role.CLERK)
        self.fields["court"].queryset = Court.objects.all() if courts is None else Court.objects.filter(pk__in=courts)
        if courts and len(courts) == 1:
            self.fields["court"].initial = next(iter(courts))
        for name in ("creditor", "debtor"):
            widget = AutocompleteSelect(EnforcementCase._meta.get_field(name), admin_site)
            widget.choices = self.fields[name].choices  # a widget set after the field's own has no choices
            self.fields[name].widget = widget
            self.fields[name].help_text = _("Search by name or full ID number; register a new party first if needed.")

    def perform(self) -> EnforcementCase:
        data = dict(self.cleaned_data)
        return services.case_open(
            actor=self.user,
            court_id=data.pop("court").pk,
            creditor_id=data.pop("creditor").pk,
            debtor_id=data.pop("debtor").pk,
            **data,
        )


@admin.register(EnforcementCase)
class CaseAdmin(CourtScopedAdmin):
    # What a clerk scans a list for, fitting 1366 px: the rest is on the case page. The court only for staff of
    # several courts.
    list_display = ["case_number", "debtor_name", "balance_label", "badge", "filed_on"]
    list_filter = [("court", admin.RelatedOnlyFieldListFilter), "state", OverdueFilter, "currency"]
    list_select_related = ["court", "debtor", "creditor"]
    search_fields = ["case_number", "^debtor__name", "=debtor__id_number", "^creditor__name"]
    search_help_text = _(
        "Any part of a case number (684, 执684号; ASCII or full-width brackets), a party's name (beginning) or a "
        "full ID number."
    )
    date_hierarchy = "filed_on"
    show_full_result_count = False
    list_per_page = 50
    change_form_template = "admin/enforcement/enforcementcase/change_form.html"
    fieldsets = [
        (None, {"fields": ["case_number", "court", "badge", "filed_on"]}),
        (_("Parties"), {"fields": ["creditor_full", "debtor_full"]}),
        (_("Basis document and obligation"), {"fields": ["basis_issuer", "basis_number", "basis_date", "obligation"]}),
        (_("Money"), {"fields": ["amount_due", "currency", "amount_paid", "balance"]}),
        (
            _("Enforcement notice"),
            {"fields": ["notice_served_on", "notice_payment_days", "payment_due_on", "notice_warns_listing"]},
        ),
        (
            _("Facts that bar listing on ground (1)"),
            {"fields": ["security_given", "seized_assets_value", "subsidiary_liability"]},
        ),
        (_("Closing"), {"fields": ["closed_reason", "closed_on"]}),
        (_("Internal"), {"fields": ["internal_notes", "created_at", "updated_at"]}),
    ]

    def get_list_filter(self, request):
        return [*self.list_filter, *registry.list_filters]

    def get_queryset(self, request):
        # The case page reads the court and both parties (header, refusals, parties): one query for all.
        return super().get_queryset(request).select_related("court", "debtor", "creditor")

    def get_list_display(self, request):
        courts = permissions.court_ids(request.user)
        if courts is None or len(courts) > 1:
            return [self.list_display[0], "court", *self.list_display[1:]]
        return self.list_display

    @admin.display(description=_("state"), ordering="state")
    def badge(self, case) -> str:
        return state_badge(case)

    @admin.display(description=_("debtor"), ordering="debtor__name")
    def debtor_name(self, case) -> str:
        return format_html('{} <span class="quiet">{}</span>', case.debtor.name, case.debtor.masked_id_number)

    @admin.display(description=_("balance"))
    def balance(self, case):
        return format_money(case.balance, case.currency)

    @admin.display(description=_("balance"))
    def balance_label(self, case):
        return format_money(case.balance, case.currency)

    @admin.display(description=_("creditor"))
    def creditor_full(self, case) -> str:
        return self._party(case.creditor)

    @admin.display(description=_("debtor"))
    def debtor_full(self, case) -> str:
        return self._party(case.debtor)

    def _party(self, party) -> str:
        url = reverse("admin:enforcement_party_change", args=[party.pk])
        details = party.get_id_type_display()
        if party.is_person and party.birth_date:
            details += f", {party.get_sex_display()}, {party.birth_date:%Y-%m-%d}"
        return format_html(
            '<a href="{}">{}</a> · {} · {} · {}', url, party.name, party.get_kind_display(), details, party.id_number
        )

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def has_add_permission(self, request) -> bool:
        return _is_any_clerk(request.user)

    # --- the case page, its actions and the open-case form

    def get_urls(self):
        own = [
            path(
                "<path:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="enforcement_enforcementcase_action",
            ),
        ]
        return own + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        if case is None:
            # Another court's case (or none): the same answer, so nothing is learnt about other courts.
            raise Http404(_("No such case in your courts."))
        extra_context = extra_context or {}
        if self.has_view_permission(request, case):
            if request.method == "GET":
                log_access(request, what=AccessLogEntry.What.CASE, object_id=case.pk, label=case.case_number)
            extra_context["case_actions"] = registry.available_actions(request.user, case)
            extra_context["outlook"] = outlook.case_outlook(request.user, case, extra_context["case_actions"])
            extra_context["case_panels"] = [
                (panel.title, render_to_string(panel.template, panel.context(case, request.user), request))
                for panel in registry.panels
            ]
            extra_context["case"] = case
            extra_context["case_badge"] = state_badge(case)
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, object_id, action):
        case = self.get_object(request, object_id)
        if case is None:
            raise Http404(_("No such case in your courts."))
        if not self.has_view_permission(request, case):
            raise PermissionDenied
        case_action = registry.actions.get(action)
        if case_action is None:
            raise Http404(_("No such action."))
        case_url = reverse("admin:enforcement_enforcementcase_change", args=[case.pk])
        if request.method != "POST" and not case_action.is_available(request.user, case):
            messages.error(
                request, _("“%(a)s” is not possible on this case now, or not for you.") % {"a": case_action.label}
            )
            return HttpResponseRedirect(case_url)
        expected = request.POST.get("expected_state")
        if request.method == "POST" and case_action.form_class.checks_state and expected and expected != case.state:
            # Someone else moved the case since this form was shown: say so on the case page, as it is now.
            messages.error(request, services.stale_message(case, expected))
            return HttpResponseRedirect(case_url)
        form = case_action.form_class(request.POST or None, case=case, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                message = form.perform()
            except DomainError as error:
                form.apply_error(error)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(case_url)
        return self._render_form(request, form, title=case_action.label, case=case, action=case_action)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = CaseOpenForm(request.POST or None, user=request.user, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                case = form.perform()
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("Case %(n)s opened.") % {"n": case.case_number})
                return HttpResponseRedirect(reverse("admin:enforcement_enforcementcase_change", args=[case.pk]))
        return self._render_form(request, form, title=_("Open an enforcement case"))

    def _render_form(self, request, form, *, title, case=None, action=None):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "form": form,
            "case": case,
            "action": action,
            "summary": form.summary() if hasattr(form, "summary") else [],
            "refusals": form.refusals() if hasattr(form, "refusals") and request.method != "POST" else [],
            "media": self.media + form.media,
        }
        return render(request, "admin/enforcement/case_action.html", context)

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, normalise_case_number(search_term))


@admin.register(Payment)
class PaymentAdmin(CourtScopedAdmin):
    court_path = "case__court"
    list_display = ["paid_on", "case", "amount_label", "method", "reference", "recorded_by"]
    ordering = ["-paid_on", "-id"]

    @admin.display(description=_("amount"), ordering="amount")
    def amount_label(self, payment) -> str:
        return format_money(payment.amount, payment.currency)

    list_filter = ["method", "currency"]
    list_select_related = ["case", "recorded_by"]
    search_fields = ["=case__case_number", "=reference"]
    date_hierarchy = "paid_on"
    show_full_result_count = False

    def court_id_of(self, obj) -> int:
        return obj.case.court_id


class AuditActionFilter(admin.SimpleListFilter):
    title = _("what")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditStateFilter(admin.SimpleListFilter):
    title = _("state after the change")
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return [(code, str(label)) for code, label in STATE_LABELS.items()]

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(CourtScopedAdmin):
    court_path = "case__court"
    # Newest first; actions and states by name; the legal basis on the case page (it is long and repeats).
    list_display = ["at_label", "case", "actor_name", "action_label", "change_label", "reason_short"]
    list_filter = [AuditActionFilter, AuditStateFilter]
    ordering = ["-at", "-id"]
    list_select_related = ["case"]
    search_fields = ["=case__case_number", "actor_name"]
    date_hierarchy = "at"
    show_full_result_count = False

    def court_id_of(self, obj) -> int:
        return obj.case.court_id

    @admin.display(description=_("when"), ordering="at")
    def at_label(self, entry) -> str:
        return timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("reason"))
    def reason_short(self, entry) -> str:
        return Truncator(entry.reason).chars(90)

    @admin.display(description=_("what"), ordering="action")
    def action_label(self, entry) -> str:
        return audit_action(entry.action)

    @admin.display(description=_("change of state"))
    def change_label(self, entry) -> str:
        if not entry.to_state:
            return ""
        return (
            f"{state_label(entry.from_state)} → {state_label(entry.to_state)}"
            if entry.from_state
            else state_label(entry.to_state)
        )

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, normalise_case_number(search_term))
