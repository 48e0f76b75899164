"""Channels: connected accounts. Credentials are write-only."""

from __future__ import annotations

from django.db import transaction
from ninja import Router, Schema, Status

from heedful.accounts.access import can_manage_channels
from heedful.api.v1 import serializers
from heedful.api.v1.pagination import paginate
from heedful.channels import actions, registry
from heedful.channels.models import Channel
from heedful.core.errors import NotFound, PermissionDenied

router = Router(tags=["channels"])


class ChannelIn(Schema):
    provider: str
    name: str
    credentials: dict = {}
    settings: dict = {}
    team: int | None = None


class ChannelPatch(Schema):
    name: str | None = None
    credentials: dict | None = None
    settings: dict | None = None
    team: int | None = None


@router.get("/channels")
def list_channels(request):
    return paginate(request, Channel.objects.order_by("pk"), serializers.channel)


@router.post("/channels", response={201: dict})
def create_channel(request, body: ChannelIn):
    if not can_manage_channels(request.auth):
        raise PermissionDenied("only admins connect channels")
    registry.get(body.provider)
    with transaction.atomic():
        channel = actions.connect(request.auth, provider=body.provider, name=body.name,
                                  credentials=body.credentials, settings=body.settings, team_id=body.team)
    return Status(201, serializers.channel(channel))


@router.get("/channels/{channel_id}")
def get_channel(request, channel_id: int):
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("channel not found")
    return serializers.channel(channel)


@router.patch("/channels/{channel_id}")
def update_channel(request, channel_id: int, body: ChannelPatch):
    if not can_manage_channels(request.auth):
        raise PermissionDenied("only admins change channels")
    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("channel not found")
    with transaction.atomic():
        channel = actions.update(request.auth, channel, **body.dict(exclude_unset=True))
    return serializers.channel(channel)
