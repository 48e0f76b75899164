"""Community channel provider.

Inbound: nothing comes over the network. Heedful's own forum stores an event when a topic needs
the brand (see `wire.py` for the body), so a webhook to `/hooks/community/<id>` is always refused.
Outbound: the agent's reply is posted on the topic as a staff post through the `port`, once per
outbound idempotency key; the receipt names the post (`post:<id>`). A topic's matter can move
private: to the member's email when an email channel exists (the forum knows the address), else
to a private thread inside the community (`pm:<id>`), which only the member and staff read. Any
other private reply on a topic (the survey after a resolve) goes to that private thread too.
"""

from __future__ import annotations

import json
from datetime import datetime

from heedful.channels.base import (
    BaseProvider,
    Credentials,
    Handle,
    IdentityKind,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    PermanentSendError,
    ProviderReceipt,
    TemporarySendError,
    WebhookAuthError,
    WebhookRequest,
    body_digest,
)
from heedful.channels.providers.community import port, wire
from heedful.channels.registry import register

FORUM = IdentityKind(
    key="forum", label="Community account", one_account_per_person=True,
    glyph='<circle cx="5.5" cy="5.5" r="2.2" fill="currentColor"/><circle cx="11" cy="6" r="1.8" '
          'fill="currentColor"/><path d="M1.5 13c0-2.5 1.8-4 4-4s4 1.5 4 4zM10 13c0-1.6-.4-2.7-1.1-3.5A3.5 '
          '3.5 0 0 1 14.5 13z" fill="currentColor"/>',
)


class CommunityCredentials(Credentials):
    """The forum is part of Heedful: nothing to paste. Any key is refused."""


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise PayloadError("created_at is not an ISO 8601 time") from exc
    return parsed if parsed.tzinfo else None


def _field(data: dict, name: str) -> dict:
    value = data.get(name)
    if not isinstance(value, dict):
        raise PayloadError(f'a community event needs a "{name}" object')
    return value


@register
class CommunityProvider(BaseProvider):
    key = "community"
    family = "community"
    identity_kinds = (FORUM,)
    label = "Community"
    credentials = CommunityCredentials
    can_go_private = True
    private_opens_conversation = True  # the topic stays public; the private matter is its own conversation

    def verify(self, channel, request: WebhookRequest) -> None:
        raise WebhookAuthError("community events are stored by Heedful itself, not through a webhook")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return body_digest(request.body)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise PayloadError("body is not JSON") from exc
        if not isinstance(data, dict) or data.get("kind") not in ("topic", "post", "private"):
            raise PayloadError('"kind" is "topic", "post" or "private"')
        if data["kind"] == "private":
            return ParsedEvent(messages=[_private_message(data)])
        topic, post, author = _field(data, "topic"), _field(data, "post"), _field(data, "author")
        if not str(topic.get("id", "")).isdigit() or not author.get("id"):
            raise PayloadError("topic.id and author.id are required")
        url = str(topic.get("url", ""))
        text = str(post.get("text", ""))
        first = data["kind"] == "topic"
        message = InboundMessage(
            provider_message_id=f"topic:{topic['id']}" if first else f"post:{post.get('id')}",
            sender=Handle(kind=FORUM.key, handle=str(author["id"]), display_name=str(author.get("name", "")),
                          username=str(author.get("username", ""))),
            text=f"{text}\n\nCommunity topic: {url}" if url else text,
            subject=str(topic.get("title", ""))[:500] if first else "",
            sent_at=_time(post.get("created_at")), public=True,
            reply_to_ids=[] if first else [f"topic:{topic['id']}"],
            thread_key=wire.thread_key(int(topic["id"])),
            metadata={"topic_id": int(topic["id"]), "topic_url": url},
        )
        if author.get("email"):
            message.metadata["email"] = str(author["email"])
        return ParsedEvent(messages=[message])

    def private_thread_key(self, channel, payload: dict) -> str:
        return wire.private_thread_key(str(payload.get("to") or ""))

    def private_email(self, channel, payload: dict) -> str:
        metadata = payload.get("reply_to_metadata") or {}
        return str(metadata.get("email") or "") if isinstance(metadata, dict) else ""

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        member = wire.member_of_private_thread(str(request.payload.get("thread_key", "")))
        if member is None and request.payload.get("mode") == "private":
            # A private reply on a topic (a survey after resolve) goes to the asker's private thread.
            member = str(request.payload.get("to") or "") or None
            if member is None:
                raise PermanentSendError("no member to write to privately")
        if member is not None:
            return _send_private(member, request)
        topic_id = wire.topic_id_of(str(request.payload.get("thread_key", "")))
        if topic_id is None:
            raise PermanentSendError("this conversation is not a community topic")
        forum = port.connected()
        if forum is None:
            raise TemporarySendError("the forum is not connected in this process")
        try:
            post_id = forum.publish_staff_reply(topic_id=topic_id, text=request.text,
                                                idempotency_key=request.idempotency_key,
                                                outbound_id=request.outbound_id)
        except LookupError as exc:  # the topic is gone
            raise PermanentSendError(str(exc)) from exc
        return ProviderReceipt(provider_message_id=f"post:{post_id}")


def _private_message(data: dict) -> InboundMessage:
    message, author = _field(data, "message"), _field(data, "author")
    if not str(message.get("id", "")).isdigit() or not author.get("id"):
        raise PayloadError("message.id and author.id are required")
    return InboundMessage(
        provider_message_id=f"pm:{message['id']}",
        sender=Handle(kind=FORUM.key, handle=str(author["id"]), display_name=str(author.get("name", "")),
                      username=str(author.get("username", ""))),
        text=str(message.get("text", "")), sent_at=_time(message.get("created_at")), public=False,
        thread_key=wire.private_thread_key(str(author["id"])),
    )


def _send_private(member: str, request: OutboundRequest) -> ProviderReceipt:
    forum = port.connected()
    if forum is None:
        raise TemporarySendError("the forum is not connected in this process")
    try:
        message_id = forum.send_private_message(member=member, text=request.text,
                                                idempotency_key=request.idempotency_key,
                                                outbound_id=request.outbound_id)
    except LookupError as exc:  # the member is gone (erased or deactivated)
        raise PermanentSendError(str(exc)) from exc
    return ProviderReceipt(provider_message_id=f"pm:{message_id}")
