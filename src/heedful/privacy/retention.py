"""Retention: blank message bodies older than their channel's `retention_days`.

Rows stay (report totals do not change); text, HTML, display text and attachment files go, as do
the conversation previews and the raw webhook bodies of that age. Each app purges its own rows,
in small chunks (see `conversations.erasure.purge_bodies_before`).
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction

from heedful.audit.actions import record as audit
from heedful.channels.models import Channel
from heedful.conversations.erasure import purge_bodies_before
from heedful.core.clock import now
from heedful.ingestion.actions import purge_raw_before


def purge(at=None) -> dict[int, int]:
    """Purge every channel with a retention period. Returns {channel id: messages blanked}."""
    at = at or now()
    done = {}
    for channel in Channel.objects.filter(retention_days__gt=0).order_by("pk"):
        done[channel.pk] = purge_channel(channel, at - timedelta(days=channel.retention_days))
    return done


def purge_channel(channel: Channel, cutoff) -> int:
    total = purge_bodies_before(channel, cutoff)
    purge_raw_before(channel, cutoff)
    if total:
        with transaction.atomic():
            audit(None, "retention.purged", "channel", channel.pk, messages=total,
                  retention_days=channel.retention_days)
    return total
