from django.contrib import admin

from heedful.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is evidence, so nobody edits or deletes entries from the admin."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "actor_label")
    readonly_fields = ("actor", "actor_label", "action", "object_type", "object_id", "detail", "at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        user = request.user
        role = getattr(getattr(user, "profile", None), "role", "")
        return user.is_active and user.is_staff and (user.is_superuser or role == "admin")
