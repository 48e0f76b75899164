"""Channels: connected accounts. Credentials are write-only.

Channel reads go through the channel gate: an agent sees their teams' channels and the shared
ones. A body's credentials are checked against its provider's credential schema
(`channels.credentials`), and the OpenAPI document describes the body as one schema per
registered provider (`document_bodies`), so every body the schema allows is one Heedful accepts.
"""

from __future__ import annotations

from typing import Annotated

from django.db import transaction
from ninja import Router, Schema, Status
from pydantic import Field

from heedful.accounts.access import access_channel, can_manage_channels, channels_for
from heedful.accounts.models import Team
from heedful.api.v1 import serializers
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.channels import actions, registry
from heedful.core.errors import NotFound, PermissionDenied

router = Router(tags=["channels"])

# Ids are PostgreSQL bigints: a larger number cannot name a team.
TeamId = Annotated[int, Field(ge=1, le=2**63 - 1, description="id of the team that owns the channel")]
ChannelName = Annotated[str, Field(min_length=1, max_length=120)]


class ChannelIn(Schema):
    provider: str = Field(..., description="a registered provider key")
    name: ChannelName
    credentials: dict = Field(default_factory=dict, description="keys of the provider's credential schema")
    settings: dict = Field(default_factory=dict)
    team: TeamId | None = None


class ChannelPatch(Schema):
    name: ChannelName | None = None
    credentials: dict | None = Field(None, description="keys to change, from the provider's credential schema")
    settings: dict | None = None
    team: TeamId | None = None


def _team_id(team_id: int | None) -> int | None:
    if team_id is not None and not Team.objects.filter(pk=team_id).exists():
        raise NotFound("team not found")
    return team_id


@router.get("/channels")
def list_channels(request):
    return paginate(request, channels_for(request.auth).order_by("pk"), serializers.channel)


@router.post("/channels", response={201: dict})
@answers(404)
def create_channel(request, body: ChannelIn):
    if not can_manage_channels(request.auth):
        raise PermissionDenied("only admins connect channels")
    registry.get(body.provider)
    team_id = _team_id(body.team)
    with transaction.atomic():
        channel = actions.connect(request.auth, provider=body.provider, name=body.name,
                                  credentials=body.credentials, settings=body.settings, team_id=team_id)
    return Status(201, serializers.channel(channel))


@router.get("/channels/{channel_id}")
def get_channel(request, channel_id: int):
    return serializers.channel(access_channel(request.auth, channel_id))


@router.patch("/channels/{channel_id}")
def update_channel(request, channel_id: int, body: ChannelPatch):
    channel = access_channel(request.auth, channel_id)  # another team's channel reads as missing
    if not can_manage_channels(request.auth):
        raise PermissionDenied("only admins change channels")
    _team_id(body.team)
    with transaction.atomic():
        channel = actions.update(request.auth, channel, **body.dict(exclude_unset=True))
    return serializers.channel(channel)


def document_bodies(schema: dict) -> dict:
    """Describe the channel bodies by provider in an OpenAPI document: `POST /channels` takes one
    of a schema per registered provider, each with that provider's credential schema; `PATCH`
    takes any provider's credential keys. Run on every schema request, so a provider registered
    later is described too."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    base = components.get("ChannelIn")
    paths = schema.get("paths", {})
    create = paths.get(f"{_prefix(schema)}/channels", {}).get("post")
    update = paths.get(f"{_prefix(schema)}/channels/{{channel_id}}", {}).get("patch")
    if base is None or create is None:
        return schema
    variants, credential_refs, providers = [], [], registry.keys()
    for key in providers:
        model = registry.get(key).credentials  # every provider has one (BaseProvider's default)
        name = f"{model.__name__}"
        components[name] = model.model_json_schema(ref_template="#/components/schemas/{model}")
        credential_refs.append({"$ref": f"#/components/schemas/{name}"})
        variant = {**base, "title": f"ChannelIn ({key})", "properties": {
            **base["properties"], "provider": {"type": "string", "enum": [key], "title": "Provider"},
            "credentials": {"$ref": f"#/components/schemas/{name}"}}}
        components[f"ChannelIn_{key}"] = variant
        variants.append({"$ref": f"#/components/schemas/ChannelIn_{key}"})
    create["requestBody"]["content"]["application/json"]["schema"] = {
        "oneOf": variants, "discriminator": {"propertyName": "provider"}}
    if update is not None and "ChannelPatch" in components:
        components["ChannelPatch"]["properties"]["credentials"] = {
            "anyOf": [*credential_refs, {"type": "null"}],
            "description": "keys to change, from the channel's provider's credential schema"}
    return schema


def _prefix(schema: dict) -> str:
    return next((p.removesuffix("/channels") for p in schema.get("paths", {}) if p.endswith("/channels")), "")
