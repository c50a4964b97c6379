"""Courts and staff (superusers edit; staff read)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from enforcement import permissions
from enforcement.admin.base import SuperuserEditsAdmin
from enforcement.models import (
    Court,
    StaffRole,
)


@admin.register(Court)
class CourtAdmin(SuperuserEditsAdmin):
    list_display = ["code", "name", "name_en", "level", "province", "higher_court"]
    list_filter = ["level", "province"]
    search_fields = ["name", "name_en", "code"]
    autocomplete_fields = ["higher_court"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1
    autocomplete_fields = ["court"]


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class StaffUserAdmin(UserAdmin):
    inlines = [StaffRoleInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_staff", "is_superuser", "roles"]

    @admin.display(description=_("roles"))
    def roles(self, user) -> str:
        return ", ".join(f"{r.get_role_display()} @ {r.court.code}" for r in user.court_roles.select_related("court"))

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        permissions.forget(form.instance)
