"""The court's queue of removal and correction requests: by deadline, overdue first, scoped to the user's courts
(and, for reconsiderations, to the reviewers of the higher court). Every button goes through `appeals.services`,
which checks the same permissions as the API would; the evidence is downloaded as an attachment and each
download is logged in the access log."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from appeals import evidence, outlook, selectors, services
from appeals.models import RECONSIDERATION_STATES, EvidenceFile, RemovalRequest, RequestKind, RequestState
from appeals.selectors import requests_visible_to
from appeals.services.deadlines import NEAR_WORKING_DAYS
from enforcement import permissions, workdays
from enforcement.access import log_access
from enforcement.admin.base import ReadOnlyAdmin, is_staff_member
from enforcement.errors import DomainError
from enforcement.models import AccessLogEntry
from enforcement.permissions import Role
from enforcement.rules import TRAVEL_CATEGORIES, RestrictionCategory

DateInput = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class DecisionForm(forms.Form):
    reasons = forms.CharField(
        label=_("Reasons"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown to the debtor on the tracking page and sent by e-mail."),
    )

    def __init__(self, *args, request_obj, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_obj, self.user = request_obj, user

    def effect(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "reasons"}


class ReviewForm(DecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reasons"]

    def perform(self) -> str:
        services.removal_request_start_review(actor=self.user, request_id=self.request_obj.pk)
        return _("The request is under review.")


class EffectFields(DecisionForm):
    """The data a grant carries out: corrected values, or the dates of a temporary lift."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        req = self.request_obj
        if req.kind == RequestKind.INACCURATE:
            case = req.case
            self.fields["debtor_name"] = forms.CharField(
                label=_("Debtor's name"), max_length=200, required=False, initial=case.debtor.name
            )
            self.fields["basis_issuer"] = forms.CharField(
                label=_("Basis document issued by"), max_length=200, required=False, initial=case.basis_issuer
            )
            self.fields["basis_number"] = forms.CharField(
                label=_("Basis document number"), max_length=60, required=False, initial=case.basis_number
            )
            self.fields["obligation"] = forms.CharField(
                label=_("Obligation"), widget=forms.Textarea(attrs={"rows": 3}), required=False, initial=case.obligation
            )
            self.fields["amount_due"] = forms.DecimalField(
                label=_("Amount due"), max_digits=16, decimal_places=2, required=False, initial=case.amount_due
            )
        if req.kind == RequestKind.TEMPORARY_LIFT:
            self.fields["lift_categories"] = forms.MultipleChoiceField(
                label=_("Travel categories"),
                choices=[(c.value, c.label) for c in RestrictionCategory if c in TRAVEL_CATEGORIES],
                widget=forms.CheckboxSelectMultiple,
                initial=[c.value for c in req.lift_categories],
            )
            self.fields["lift_starts_on"] = forms.DateField(
                label=pgettext_lazy("first day of a temporary lift", "From"),
                widget=DateInput,
                initial=req.lift_starts_on,
            )
            self.fields["lift_ends_on"] = forms.DateField(
                label=_("Until (inclusive)"), widget=DateInput, initial=req.lift_ends_on
            )


class GrantForm(EffectFields):
    def perform(self) -> str:
        req = services.removal_request_grant(
            actor=self.user, request_id=self.request_obj.pk, reasons=self.cleaned_data["reasons"], **self.effect()
        )
        return _("Granted and carried out: %(s)s") % {"s": req.effect_summary}


class RejectForm(DecisionForm):
    def perform(self) -> str:
        services.removal_request_reject(
            actor=self.user, request_id=self.request_obj.pk, reasons=self.cleaned_data["reasons"]
        )
        return _("Rejected. The debtor may ask the higher court to reconsider within 10 days.")


class UpholdForm(DecisionForm):
    def perform(self) -> str:
        services.removal_request_reconsider(
            actor=self.user, request_id=self.request_obj.pk, overturn=False, reasons=self.cleaned_data["reasons"]
        )
        return _("The rejection is upheld.")


class OverturnForm(DecisionForm):
    def perform(self) -> str:
        services.removal_request_reconsider(
            actor=self.user, request_id=self.request_obj.pk, overturn=True, reasons=self.cleaned_data["reasons"]
        )
        return _("The rejection is overturned; the enforcing court must carry the request out.")


class CarryOutForm(EffectFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].required = False
        self.fields["reasons"].label = _("Note")

    def perform(self) -> str:
        req = services.removal_request_carry_out(
            actor=self.user, request_id=self.request_obj.pk, note=self.cleaned_data["reasons"], **self.effect()
        )
        return _("Carried out: %(s)s") % {"s": req.effect_summary}


# action slug: (label, form, transition whose refusal hides the button, or None)
ACTIONS = {
    "review": (_("Start the review"), ReviewForm, "start_review"),
    "grant": (_("Grant and carry out"), GrantForm, "grant"),
    "reject": (_("Reject"), RejectForm, "reject"),
    "uphold": (_("Uphold the rejection (higher court)"), UpholdForm, "uphold"),
    "overturn": (_("Overturn the rejection (higher court)"), OverturnForm, "overturn"),
    "carry_out": (_("Carry out (after reconsideration)"), CarryOutForm, None),
}


def action_available(slug: str, req: RemovalRequest, user) -> bool:
    transition = ACTIONS[slug][2]
    if transition is not None:
        return services.refusal(req, transition, user) is None
    return (
        req.state == RequestState.OVERTURNED
        and req.effect_done_at is None
        and permissions.has_role(user, req.court_id, Role.CLERK, Role.APPROVER)
    )


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request, model_admin):
        return [
            ("overdue", _("Overdue")),
            ("due_soon", _("Due within %(n)s working days or overdue") % {"n": NEAR_WORKING_DAYS}),
            ("pending", _("Waiting for the court")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "due_soon":
            horizon = workdays.add_working_days(timezone.localdate(), NEAR_WORKING_DAYS)
            return queryset.filter(due_on__lte=horizon)
        if self.value() == "overdue":
            return queryset.filter(due_on__lt=timezone.localdate())
        if self.value() == "pending":
            return queryset.filter(pk__in=selectors.requests_waiting(request.user).values("pk"))
        return queryset


def _visible(user, req: RemovalRequest) -> bool:
    if permissions.has_role(user, req.court_id):
        return True
    return (
        req.higher_court_id is not None
        and req.state in RECONSIDERATION_STATES
        and permissions.has_role(user, req.higher_court_id, Role.REVIEWER)
    )


@admin.register(RemovalRequest)
class RemovalRequestAdmin(ReadOnlyAdmin):
    list_display = ["tracking_code", "case", "kind", "state", "deadline"]
    list_filter = [DeadlineFilter, "state", "kind", ("court", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["case", "court"]
    search_fields = ["=tracking_code", "=case__case_number"]
    show_full_result_count = False
    list_per_page = 50
    change_form_template = "admin/appeals/removalrequest/change_form.html"
    fieldsets = [
        (None, {"fields": ["tracking_code", "case", "court", "kind", "state", "deadline"]}),
        (
            _("The debtor's request"),
            {
                "fields": [
                    "filed_at",
                    "statement",
                    "contact_email",
                    "contact_phone",
                    "language",
                    "lift_reason",
                    "lift_categories_label",
                    "lift_starts_on",
                    "lift_ends_on",
                    "evidence_files",
                ]
            },
        ),
        (
            _("Decision"),
            {"fields": ["decided_by", "decided_at", "decision_reasons", "effect_summary", "effect_done_at"]},
        ),
        (
            _("Reconsideration"),
            {
                "fields": [
                    "higher_court",
                    "window_closes_on",
                    "reconsideration_statement",
                    "reconsideration_requested_at",
                    "reconsidered_by",
                    "reconsidered_at",
                    "reconsideration_reasons",
                ]
            },
        ),
    ]

    def get_ordering(self, request):
        # What the court must do soonest first (overdue ones have the earliest deadlines); decided ones last.
        return [F("due_on").asc(nulls_last=True), "filed_at"]

    def get_readonly_fields(self, request, obj=None):
        return [name for _title, options in self.fieldsets for name in options["fields"]]

    def get_queryset(self, request):
        return super().get_queryset(request) & requests_visible_to(request.user)

    def has_module_permission(self, request) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if not is_staff_member(request.user):
            return False
        return obj is None or _visible(request.user, obj)

    def get_list_display(self, request):
        user = request.user

        @admin.display(description=_("your decision"))
        def decide(req):
            """The decision buttons right in the queue, as on the request page (the same availability)."""
            buttons = [
                (
                    " danger" if slug in ("reject", "uphold") else "",
                    reverse("admin:appeals_removalrequest_action", args=[req.pk, slug]),
                    label,
                )
                for slug, (label, _form, _transition) in ACTIONS.items()
                if action_available(slug, req, user)
            ]
            if not buttons:
                return "–"
            return format_html(
                '<div class="queue-actions">{}</div>',
                format_html_join("", '<a class="button{}" href="{}">{}</a>', buttons),
            )

        return [*self.list_display, decide]

    @admin.display(description=_("categories to lift"))
    def lift_categories_label(self, req) -> str:
        return ", ".join(str(c.label) for c in RestrictionCategory if c in req.lift_categories) or "–"

    @admin.display(description=_("deadline"), ordering="due_on")
    def deadline(self, req):
        if req.due_on is None:
            return "–"
        if req.is_overdue:
            return format_html('<strong class="overdue">{} ({})</strong>', req.due_on, _("overdue"))
        return req.due_on

    @admin.display(description=_("evidence"))
    def evidence_files(self, req):
        files = list(req.evidence.all())
        if not files:
            return _("None")
        return format_html_join(
            format_html("<br>"),
            '<a href="{}">{}</a> ({}, {} bytes)',
            (
                (
                    reverse("admin:appeals_removalrequest_evidence", args=[req.pk, f.pk]),
                    f.original_name,
                    f.content_type,
                    f.size,
                )
                for f in files
            ),
        )

    def get_urls(self):
        own = [
            path(
                "<int:object_id>/act/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="appeals_removalrequest_action",
            ),
            path(
                "<int:object_id>/evidence/<int:file_id>/",
                self.admin_site.admin_view(self.evidence_view),
                name="appeals_removalrequest_evidence",
            ),
        ]
        return own + super().get_urls()

    def _get_visible(self, request, object_id) -> RemovalRequest:
        # The change page's URL takes any text: an id that is not a number is no request, as in `get_object`.
        queryset = self.get_queryset(request).select_related("case", "case__debtor", "court")
        try:
            req = queryset.filter(pk=object_id).first()
        except (ValueError, ValidationError):
            req = None
        if req is None or not self.has_view_permission(request, req):
            raise Http404(_("No such request in your courts."))
        return req

    def change_view(self, request, object_id, form_url="", extra_context=None):
        req = self._get_visible(request, object_id)
        available = [slug for slug in ACTIONS if action_available(slug, req, request.user)]
        extra_context = {
            **(extra_context or {}),
            "request_actions": [
                (reverse("admin:appeals_removalrequest_action", args=[req.pk, slug]), ACTIONS[slug][0], slug)
                for slug in available
            ],
            "outlook": outlook.request_outlook(request.user, req, ACTIONS),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def action_view(self, request, object_id, action):
        req = self._get_visible(request, object_id)
        if action not in ACTIONS:
            raise Http404(_("No such action."))
        label, form_class, _transition = ACTIONS[action]
        back = reverse("admin:appeals_removalrequest_change", args=[req.pk])
        if request.method != "POST" and not action_available(action, req, request.user):
            messages.error(request, _("“%(a)s” is not possible on this request now, or not for you.") % {"a": label})
            return HttpResponseRedirect(back)
        form = form_class(request.POST if request.method == "POST" else None, request_obj=req, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                message = form.perform()
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": label,
            "form": form,
            "summary": [
                (_("Request"), f"{req.tracking_code} · {req.get_kind_display()} · {req.get_state_display()}"),
                (_("Case"), f"{req.case.case_number} · {req.case.debtor.name} · {req.case.get_state_display()}"),
                (_("Statement"), req.statement),
            ],
            "media": self.media + form.media,
        }
        return render(request, "admin/enforcement/case_action.html", context, status=400 if form.errors else 200)

    def evidence_view(self, request, object_id, file_id):
        req = self._get_visible(request, object_id)
        item = EvidenceFile.objects.filter(request=req, pk=file_id).first()
        if item is None:
            raise Http404(_("No such file."))
        path_ = evidence.path_of(item.stored_name)
        if not path_.exists():
            raise Http404(_("The file is missing from the evidence store."))
        log_access(
            request,
            what=AccessLogEntry.What.EVIDENCE,
            object_id=item.pk,
            label=f"{req.tracking_code} {item.original_name}",
        )
        response = FileResponse(
            path_.open("rb"), as_attachment=True, filename=item.original_name, content_type=item.content_type
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        return response
