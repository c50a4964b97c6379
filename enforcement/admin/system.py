"""Records the system keeps about itself: who looked at what, the scheduled jobs' runs, the outgoing messages.
Superusers read them; nobody changes them here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from enforcement import selectors
from enforcement.admin.base import SuperuserReadsAdmin
from enforcement.models import AccessLogEntry, JobRun, OutboxMessage
from enforcement.services.outbox import outbox_retry


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


class OutboxStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("Waiting to be sent")),
            ("sent", _("Sent")),
            ("failed", _("Given up (dead letter)")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(sent_at__isnull=True, failed_at__isnull=True)
        if self.value() == "sent":
            return queryset.filter(sent_at__isnull=False)
        if self.value() == "failed":
            return queryset.filter(pk__in=selectors.failed_messages().values("pk"))
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserReadsAdmin):
    """What left, or waits to leave: a message with attempts and an error is being retried with back-off; one
    given up after the last attempt (a dead letter) is listed under "Given up" and can be queued once more."""

    list_display = ["id", "kind", "key", "status_label", "created_at", "attempts", "sent_at", "due_at", "last_error"]
    list_filter = [OutboxStatusFilter, "kind"]
    search_fields = ["=key"]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.display(description=_("status"))
    def status_label(self, message) -> str:
        return {
            "sent": _("Sent"),
            "failed": _("Given up (dead letter)"),
            "pending": _("Waiting to be sent"),
        }[message.status]

    @admin.action(description=_("Queue the selected given-up messages once more"))
    def retry(self, request, queryset):
        count = outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d messages queued again.") % {"n": count})
