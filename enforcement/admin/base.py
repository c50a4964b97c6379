"""Court scoping shared by every admin page."""

from django.contrib import admin
from django.utils.html import format_html

from enforcement import permissions
from enforcement.models import (
    CaseState,
)
from enforcement.permissions import Role

STATE_COLOURS = {
    CaseState.JUDGMENT: "#6b7280",
    CaseState.DEFAULTED: "#b45309",
    CaseState.RESTRICTED: "#c2410c",
    CaseState.LISTED: "#b91c1c",
    CaseState.PAID: "#047857",
    CaseState.CLOSED: "#374151",
}


def is_staff_member(user) -> bool:
    return bool(user.is_active and user.is_staff and (user.is_superuser or permissions.court_ids(user)))


def state_badge(case) -> str:
    return format_html(
        '<span class="state-badge" style="background:{}">{}</span>',
        STATE_COLOURS.get(case.state, "#6b7280"),
        case.get_state_display(),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only through the services (or by the system): nobody adds, changes or deletes them here."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SuperuserReadsAdmin(ReadOnlyAdmin):
    """Records the system keeps about itself: superusers read them; nobody changes them here."""

    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


class CourtScopedAdmin(ReadOnlyAdmin):
    """Lists and pages limited to the courts where the user holds a role; nothing is edited or deleted here."""

    court_path = "court"

    def court_id_of(self, obj) -> int:
        return obj.court_id

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        courts = permissions.court_ids(request.user)
        return queryset if courts is None else queryset.filter(**{f"{self.court_path}__in": courts})

    def has_module_permission(self, request) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        if not is_staff_member(request.user):
            return False
        return obj is None or permissions.has_role(request.user, self.court_id_of(obj))


# --- courts and staff --------------------------------------------------------------------------------------------


class SuperuserEditsAdmin(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return is_staff_member(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_staff_member(request.user)

    def has_add_permission(self, request) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _is_any_clerk(user) -> bool:
    return permissions.court_ids(user, Role.CLERK) != set()
