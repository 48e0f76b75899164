from django.contrib import admin, messages
from django.db import transaction

from heedful.ingestion import actions
from heedful.ingestion.models import DetailLookup, InboundEvent


@admin.register(InboundEvent)
class InboundEventAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "provider", "status", "attempts", "received_at", "next_attempt_at", "short_error")
    list_filter = ("status", "provider", "channel")
    search_fields = ("event_key", "last_error")
    readonly_fields = ("channel", "provider", "event_key", "content_type", "status", "attempts", "last_error",
                       "received_at", "next_attempt_at", "processed_at", "result", "size")
    exclude = ("raw",)  # raw bodies may hold personal data: not shown in the list or form
    actions = ["retry_events"]

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.last_error or "")[:80]

    @admin.display(description="raw size (bytes)")
    def size(self, obj):
        return len(obj.raw or b"")

    @admin.action(description="Retry the selected events")
    def retry_events(self, request, queryset):
        with transaction.atomic():
            for event in queryset:
                actions.retry(event)
        self.message_user(request, f"{queryset.count()} event(s) queued again.", messages.SUCCESS)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")


@admin.register(DetailLookup)
class DetailLookupAdmin(admin.ModelAdmin):
    """Provider reads after a webhook (an Instagram mention's text): a failed one shows why."""

    list_display = ("id", "channel", "key", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status", "channel")
    search_fields = ("key", "last_error")
    readonly_fields = ("channel", "event", "key", "params", "status", "attempts", "next_attempt_at", "last_error",
                       "created_at", "done_at")
