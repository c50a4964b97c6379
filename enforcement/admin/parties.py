"""Parties and their responsible persons; writes go through the services."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enforcement import identity, services
from enforcement.access import log_access
from enforcement.admin.base import _is_any_clerk, is_staff_member
from enforcement.models import (
    AccessLogEntry,
    Party,
    ResponsiblePerson,
)
from enforcement.selectors import parties_visible_to

# --- parties -----------------------------------------------------------------------------------------------------


class ResponsiblePersonInline(admin.TabularInline):
    model = ResponsiblePerson
    fk_name = "organisation"
    extra = 1
    autocomplete_fields = ["person"]
    verbose_name_plural = _("responsible persons (bound by the organisation's restriction orders)")

    def has_add_permission(self, request, obj=None) -> bool:
        return obj is not None and obj.kind == Party.Kind.ORGANISATION and _is_any_clerk(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_add_permission(request, obj)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff_member(request.user)


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "masked_id", "sex", "birth_date"]
    list_filter = ["kind", "id_type"]
    search_fields = ["^name", "=id_number"]
    fields = ["kind", "name", "id_type", "id_number", "sex", "birth_date", "address", "phone"]
    inlines = [ResponsiblePersonInline]
    show_full_result_count = False

    @admin.display(description=_("ID number"), ordering="id_number")
    def masked_id(self, party) -> str:
        return party.masked_id_number

    def change_view(self, request, object_id, form_url="", extra_context=None):
        party = self.get_object(request, object_id)
        if party is not None and request.method == "GET" and self.has_view_permission(request, party):
            # The id only: the log is append-only, so a name written here would outlive retention's erasure.
            log_access(request, what=AccessLogEntry.What.PARTY, object_id=party.pk)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_queryset(self, request):
        """Parties of the user's courts' cases (and their organisations' responsible persons), and new ones."""
        return parties_visible_to(request.user) & super().get_queryset(request)

    def get_search_results(self, request, queryset, search_term):
        """An exact ID number finds the party in any court (the clerk knows it); names only in the user's."""
        term = search_term.strip()
        results, duplicates = super().get_search_results(request, queryset, term)
        number = identity.normalise(term)
        if len(number) >= 8 and any(ch.isdigit() for ch in number):
            results = results | Party.objects.filter(id_number=number)
        return results, duplicates

    def has_module_permission(self, request) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff_member(request.user) and (obj is None or self.get_queryset(request).filter(pk=obj.pk).exists())

    def has_add_permission(self, request) -> bool:
        return _is_any_clerk(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_any_clerk(request.user) and (obj is None or self.has_view_permission(request, obj))

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in self.fields if name in form.cleaned_data}
        if change:
            services.party_update(actor=request.user, party_id=obj.pk, **data)
        else:
            obj.pk = services.party_create(actor=request.user, **data).pk

    def save_formset(self, request, form, formset, change):
        """Responsible persons are added and removed through the services (the admin's change log is kept)."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = set(formset.deleted_forms) if formset.can_delete else set()
        for inline_form in formset.forms:
            link = inline_form.instance
            if inline_form in deleted:
                if link.pk:
                    services.responsible_person_remove(actor=request.user, link_id=link.pk)
                    formset.deleted_objects.append(link)
                continue
            if not inline_form.has_changed():
                continue
            if link.pk:
                services.responsible_person_remove(actor=request.user, link_id=link.pk)
            data = inline_form.cleaned_data
            formset.new_objects.append(
                services.responsible_person_add(
                    actor=request.user, organisation_id=form.instance.pk, person_id=data["person"].pk, role=data["role"]
                )
            )
