from django.contrib import admin

from heedful.conversations.models import CannedResponse, Conversation, Label, Message, Note


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("id", "channel", "contact", "status", "priority", "public", "team", "assignee", "last_activity_at")
    list_filter = ("status", "public", "channel")
    raw_id_fields = ("contact", "assignee")


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ("id", "conversation", "direction", "delivery_status", "sent_at")
    list_filter = ("direction", "delivery_status")
    raw_id_fields = ("conversation", "author_identity", "author_user")


admin.site.register(Note)
admin.site.register(Label)
admin.site.register(CannedResponse)
