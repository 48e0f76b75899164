"""Privacy's own table: deletion requests a provider sent on a customer's behalf (Meta's data
deletion callback), so the person can follow theirs by its confirmation code."""

from __future__ import annotations

from django.db import models


class DeletionRequest(models.Model):
    """Holds no personal data: not the user id it named, only what was done (ids and counts)."""

    code = models.CharField(max_length=32, unique=True)  # the confirmation code Meta shows the person
    provider = models.CharField(max_length=40)
    channel_id = models.BigIntegerField()
    # erased: their data was erased; nothing_stored: Heedful held nothing under that id
    outcome = models.CharField(max_length=20)
    counts = models.JSONField(default=dict)
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"Deletion request {self.code}"
