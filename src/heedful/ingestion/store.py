"""Store a raw inbound event durably, once per provider event key, then queue its processing."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from heedful.core import jobs
from heedful.core.clock import now
from heedful.ingestion.models import InboundEvent


def store_event(channel, provider_key: str, event_key: str, raw: bytes, content_type: str = "") -> tuple[InboundEvent, bool]:
    """Returns (event, created). A replayed key returns the stored event and queues nothing."""
    try:
        with transaction.atomic():
            event = InboundEvent.objects.create(
                channel=channel, provider=provider_key, event_key=event_key[:255], raw=raw,
                content_type=content_type[:120], next_attempt_at=now(),
            )
            jobs.enqueue("heedful.ingestion.process", [event.pk])
    except IntegrityError:
        return InboundEvent.objects.get(channel=channel, event_key=event_key[:255]), False
    return event, True
