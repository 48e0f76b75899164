"""A Channel is one connected account on one provider; credentials are encrypted at rest."""

import secrets

from django.db import models

from heedful.core.crypto import EncryptedJSONField
from heedful.core.models import TimeStamped


class ChannelStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_REAUTH = "needs_reauth", "Needs re-authorisation"
    DISABLED = "disabled", "Disabled"


class Channel(TimeStamped):
    provider = models.CharField(max_length=32, db_index=True)
    name = models.CharField(max_length=120)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="channels")
    credentials = EncryptedJSONField(blank=True, default=dict)
    settings = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.ACTIVE)
    status_detail = models.CharField(max_length=500, blank=True)
    retention_days = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self):
        return f"{self.name} ({self.provider})"

    def credential(self, key: str, default: str = "") -> str:
        return str(self.credentials.get(key, default) or default)

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)
