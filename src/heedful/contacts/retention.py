"""Retention: blank message bodies older than their channel's `retention_days`.

Rows stay (report totals do not change); text, HTML, display text and attachment files go, as do
the conversation previews and the raw webhook bodies of that age. Work is done in small chunks,
each in its own transaction, so a large first purge never holds long locks.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q

from heedful.audit.actions import record as audit
from heedful.channels.models import Channel
from heedful.conversations.models import Attachment, Conversation, Message
from heedful.core.clock import now
from heedful.ingestion.models import EventStatus, InboundEvent

CHUNK = 1000


def purge(at=None) -> dict[int, int]:
    """Purge every channel with a retention period. Returns {channel id: messages blanked}."""
    at = at or now()
    done = {}
    for channel in Channel.objects.filter(retention_days__gt=0).order_by("pk"):
        done[channel.pk] = purge_channel(channel, at - timedelta(days=channel.retention_days))
    return done


def purge_channel(channel: Channel, cutoff) -> int:
    old = Message.objects.filter(channel=channel, sent_at__lt=cutoff)
    unblanked = old.filter(~Q(text="") | ~Q(html="") | ~Q(display_text=""))
    total = 0
    while ids := list(unblanked.order_by("pk").values_list("pk", flat=True)[:CHUNK]):
        with transaction.atomic():
            for attachment in Attachment.objects.filter(message_id__in=ids).exclude(file=""):
                attachment.file.delete(save=False)
                attachment.file = ""
                attachment.save(update_fields=["file"])
            total += Message.objects.filter(pk__in=ids).update(text="", html="", display_text="")
    with transaction.atomic():
        Conversation.objects.filter(channel=channel, last_activity_at__lt=cutoff).exclude(preview="").update(preview="")
        raw = InboundEvent.objects.filter(channel=channel, received_at__lt=cutoff,
                                          status__in=[EventStatus.DONE, EventStatus.IGNORED, EventStatus.FAILED])
        raw.exclude(raw=b"").update(raw=b"")
        if total:
            audit(None, "retention.purged", "channel", channel.pk, messages=total,
                  retention_days=channel.retention_days)
    return total
