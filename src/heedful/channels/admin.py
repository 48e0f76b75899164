from django.contrib import admin

from heedful.channels.models import Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "provider", "team", "status")
    list_filter = ("provider", "status")
    exclude = ("credentials",)  # write-only: set through the API, never displayed
