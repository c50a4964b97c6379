"""Records the system keeps about itself: who looked at what, the scheduled jobs' runs, the outgoing messages.
Superusers read them; nobody changes them here."""

from django.contrib import admin

from enforcement.models import AccessLogEntry, JobRun, OutboxMessage


class SuperuserReadsAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AccessLogEntry)
class AccessLogAdmin(SuperuserReadsAdmin):
    """Who looked at what: readable by superusers only, changed by nobody."""

    list_display = ["at", "user", "what", "label", "object_id", "address", "path"]
    list_filter = ["what"]
    search_fields = ["=user__username", "=object_id", "label"]
    date_hierarchy = "at"
    list_select_related = ["user"]


@admin.register(JobRun)
class JobRunAdmin(SuperuserReadsAdmin):
    list_display = ["name", "started_at", "finished_at", "succeeded", "processed"]
    list_filter = ["name", "succeeded"]
    date_hierarchy = "started_at"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserReadsAdmin):
    """What left, or waits to leave: a message with attempts and an error is being retried with back-off."""

    list_display = ["id", "kind", "key", "created_at", "attempts", "sent_at", "due_at", "last_error"]
    list_filter = ["kind", ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["=key"]
    date_hierarchy = "created_at"
