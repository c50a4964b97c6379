"""Bulk intake of judgments in the admin: an upload page, the list of uploads, and each upload's rejected rows."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from enforcement import permissions
from enforcement.admin.base import CourtScopedAdmin, _is_any_clerk
from enforcement.errors import DomainError
from enforcement.models import Court, IntakeBatch
from enforcement.permissions import Role
from enforcement.services.intake import OPTIONAL, REQUIRED, judgments_intake

SHOWN_REJECTIONS = 2000


class IntakeForm(forms.Form):
    court = forms.ModelChoiceField(label=_("Court"), queryset=Court.objects.none())
    file = forms.FileField(
        label=_("File of judgments"),
        help_text=_("CSV with a header row, or JSON Lines; UTF-8. Required columns: %(req)s. Optional: %(opt)s.")
        % {"req": ", ".join(REQUIRED), "opt": ", ".join(OPTIONAL)},
    )
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("From the file name")), *IntakeBatch.Format.choices],
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        courts = permissions.court_ids(user, Role.CLERK)
        self.fields["court"].queryset = Court.objects.all() if courts is None else Court.objects.filter(pk__in=courts)
        if courts and len(courts) == 1:
            self.fields["court"].initial = next(iter(courts))

    def perform(self) -> IntakeBatch:
        upload = self.cleaned_data["file"]
        return judgments_intake(
            actor=self.user,
            court_id=self.cleaned_data["court"].pk,
            file=upload,
            filename=(upload.name or "").replace("\x00", ""),
            file_format=self.cleaned_data["file_format"] or None,
        )


@admin.register(IntakeBatch)
class IntakeBatchAdmin(CourtScopedAdmin):
    list_display = [
        "uploaded_at",
        "court",
        "filename",
        "file_format",
        "rows_total",
        "rows_created",
        "rows_present",
        "rows_rejected",
        "uploaded_by",
    ]
    list_filter = [("court", admin.RelatedOnlyFieldListFilter), "file_format"]
    list_select_related = ["court", "uploaded_by"]
    date_hierarchy = "uploaded_at"
    show_full_result_count = False
    fields = [
        "court",
        "uploaded_by",
        "uploaded_at",
        "filename",
        "file_format",
        "sha256",
        "rows_total",
        "rows_created",
        "rows_present",
        "rows_rejected",
        "parties_created",
        "seconds",
        "rejected_rows",
    ]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return _is_any_clerk(request.user)

    @admin.display(description=_("rejected rows"))
    def rejected_rows(self, batch) -> str:
        if not batch.rejections:
            return "-"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((r["line"], r["field"], r["message"]) for r in batch.rejections[:SHOWN_REJECTIONS]),
        )
        more = ""
        if len(batch.rejections) > SHOWN_REJECTIONS:
            more = format_html(
                "<p>{}</p>",
                _("… and %(n)d more (GET /api/v1/intake/%(id)d/ lists the first 1,000; the command prints them).")
                % {"n": len(batch.rejections) - SHOWN_REJECTIONS, "id": batch.pk},
            )
        return format_html(
            '<table id="rejected-rows"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>{}",
            _("line"),
            _("column"),
            _("reason"),
            rows,
            more,
        )

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = IntakeForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            try:
                batch = form.perform()
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                level = messages.WARNING if batch.rows_rejected else messages.SUCCESS
                messages.add_message(
                    request,
                    level,
                    _("%(created)d cases opened, %(present)d already taken in, %(rejected)d rows rejected.")
                    % {"created": batch.rows_created, "present": batch.rows_present, "rejected": batch.rows_rejected},
                )
                return HttpResponseRedirect(reverse("admin:enforcement_intakebatch_change", args=[batch.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Upload judgments"),
            "form": form,
        }
        return render(request, "admin/enforcement/intakebatch/upload.html", context)
