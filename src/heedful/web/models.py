"""Workspace preferences. Conversation data lives in the domain apps, never here."""

from django.conf import settings
from django.db import models


class SavedFilter(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, help_text="inbox query string, e.g. view=public&sentiment=negative")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")]

    def __str__(self):
        return self.name
