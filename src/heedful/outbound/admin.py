from django.contrib import admin, messages
from django.db import transaction

from heedful.outbound import actions
from heedful.outbound.models import DeliveryAttempt, OutboundMessage


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    readonly_fields = ("number", "started_at", "duration_ms", "outcome", "error", "provider_status")
    can_delete = False


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "status", "attempts", "next_attempt_at", "created_at", "sent_at")
    list_filter = ("status", "channel")
    readonly_fields = ("message", "channel", "idempotency_key", "payload", "status", "attempts",
                       "next_attempt_at", "last_error", "created_at", "sent_at")
    inlines = [DeliveryAttemptInline]
    actions = ["retry_deliveries"]

    @admin.action(description="Retry the selected deliveries")
    def retry_deliveries(self, request, queryset):
        with transaction.atomic():
            for outbound in queryset.exclude(status="sent"):
                actions.retry(outbound)
        self.message_user(request, "Queued again.", messages.SUCCESS)
