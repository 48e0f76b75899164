"""Shared test support for the contacts, accounts and privacy tests: people, teams, channels, and
messages put through the real ingestion pipeline.

Channels whose provider package has its own webhook tests are fed here with the normalized
InboundMessage objects those providers produce (pipeline.apply), so these tests exercise
identity resolution and linking without depending on each provider's wire format; the API
channel goes through its real HTTP endpoint.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

from django.db import transaction

from heedful.accounts.models import ApiToken, Profile, Role, Team
from heedful.channels.base import Handle, InboundAttachment, InboundMessage, ParsedEvent
from heedful.channels.models import Channel
from heedful.ingestion import pipeline
from heedful.ingestion.models import EventStatus, InboundEvent

API_TOKEN = "inbound-api-token"
PASSWORD = "a-long-test-password"
_ids = itertools.count(1)
BASE_TIME = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def channel(provider: str, team: Team | None = None, **settings) -> Channel:
    credentials = {"inbound_token": API_TOKEN, "outbound_url": "", "signing_secret": "s"} if provider == "api" else {}
    return Channel.objects.create(provider=provider, name=f"{provider} {next(_ids)}", team=team,
                                  credentials=credentials, settings=settings)


def team(slug: str) -> Team:
    return Team.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def user(django_user_model, username: str, role: str = Role.AGENT, teams=()):
    person = django_user_model.objects.create_user(username, f"{username}@staff.example", PASSWORD)
    profile = Profile.objects.create(user=person, role=role)
    profile.teams.set(teams)
    return person


def token_client(client_class, person):
    client = client_class()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {ApiToken.issue(person)}"
    return client


def message(kind: str, handle: str, text: str, *, name: str = "", username: str = "", public: bool = False,
            thread: str = "", metadata: dict | None = None, minutes: int | None = None, pid: str = "",
            attachments: list[InboundAttachment] | None = None, followers: int | None = None,
            sent_at: datetime | None = None) -> InboundMessage:
    n = next(_ids)
    return InboundMessage(
        provider_message_id=pid or f"{kind}-msg-{n}",
        sender=Handle(kind=kind, handle=handle, display_name=name, username=username, followers_count=followers),
        text=text, public=public, thread_key=thread, metadata=metadata or {},
        sent_at=sent_at or BASE_TIME + timedelta(minutes=n if minutes is None else minutes),
        attachments=attachments or [],
    )


def ingest(channel: Channel, *messages: InboundMessage) -> pipeline.Outcome:
    """Run the pipeline's steps (identify, thread, enrich, store, link) for one stored event."""
    with transaction.atomic():
        event = InboundEvent.objects.create(channel=channel, provider=channel.provider,
                                            event_key=f"test:{next(_ids)}", raw=b'{"test": true}')
        event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
        outcome = pipeline.apply([event], {event.pk: ParsedEvent(messages=list(messages))})[event.pk]
        InboundEvent.objects.filter(pk=event.pk).update(status=EventStatus.DONE, result=outcome.as_dict())
    return outcome


def post_api_message(client, channel: Channel, body: dict):
    """The API channel's real inbound endpoint (a webhook: stored, then processed after commit)."""
    response = client.post(f"/api/v1/channels/{channel.pk}/messages", json.dumps(body).encode(),
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {API_TOKEN}")
    assert response.status_code == 200, response.content
    return response
