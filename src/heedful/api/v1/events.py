"""Inbound events: see what failed and why, and retry it."""

from __future__ import annotations

from django.db import transaction
from ninja import Router

from heedful.accounts.access import sees_everything
from heedful.api.v1 import serializers
from heedful.api.v1.pagination import paginate
from heedful.core.errors import NotFound
from heedful.ingestion import actions
from heedful.ingestion.models import InboundEvent

router = Router(tags=["inbound events"])


def _events(request):
    if not sees_everything(request.auth):
        return InboundEvent.objects.none()
    return InboundEvent.objects.defer("raw")


@router.get("/inbound-events")
def list_events(request, status: str = "", channel: int | None = None):
    qs = _events(request).order_by("-pk")
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel_id=channel)
    return paginate(request, qs.only("pk", "channel_id", "provider", "event_key", "status", "attempts",
                                     "last_error", "received_at", "next_attempt_at", "processed_at", "result"),
                    serializers.inbound_event)


@router.get("/inbound-events/{event_id}")
def get_event(request, event_id: int):
    event = _events(request).filter(pk=event_id).first()
    if event is None:
        raise NotFound("event not found")
    return serializers.inbound_event(event)


@router.post("/inbound-events/{event_id}/retry")
def retry_event(request, event_id: int):
    event = _events(request).filter(pk=event_id).first()
    if event is None:
        raise NotFound("event not found")
    with transaction.atomic():
        actions.retry(event)
    event.refresh_from_db()
    return serializers.inbound_event(event)
