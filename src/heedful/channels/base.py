"""The provider protocol and the normalized types every provider speaks.

A provider package (under channels/providers/) imports only this module and registers itself
with `channels.registry`. The core never imports a provider.

Inbound: the webhook view calls `handshake()` for GETs, then `verify()` and `event_key()`; the
raw body is stored; later the pipeline calls `parse()` and works on the normalized results.
Outbound: the outbound worker calls `send()` with an `OutboundRequest` and gets a receipt, or
one of the typed send errors below.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from heedful.core.errors import PayloadError, WebhookAuthError

__all__ = [
    "Handle",
    "InboundAttachment",
    "InboundMessage",
    "StatusUpdate",
    "EngagementUpdate",
    "ParsedEvent",
    "OutboundRequest",
    "ProviderReceipt",
    "Provider",
    "WebhookRequest",
    "SendError",
    "TemporarySendError",
    "PermanentSendError",
    "ReauthRequired",
    "WebhookAuthError",
    "PayloadError",
    "body_digest",
]


@dataclass
class Handle:
    """Who sent a message: a handle on one provider (identity kind + normalized id)."""

    kind: str  # contacts.IdentityKind value: email, phone, twitter, facebook ...
    handle: str  # normalized: lower-case email, E.164 phone, provider user id
    display_name: str = ""
    username: str = ""  # screen name (@ann_k) where the provider has one
    followers_count: int | None = None
    verified: bool | None = None


@dataclass
class InboundAttachment:
    filename: str
    content_type: str = "application/octet-stream"
    content: bytes | None = None  # bytes carried in the payload (email)
    url: str = ""  # provider-hosted media (social)
    size: int | None = None


@dataclass
class InboundMessage:
    """One message, normalized. `direction="out"` is an echo: the brand wrote it elsewhere."""

    provider_message_id: str
    sender: Handle
    text: str = ""
    html: str = ""  # already sanitised by the provider package when the source is HTML
    display_text: str | None = None  # quote/signature stripped; None = same as text
    subject: str = ""
    sent_at: datetime | None = None
    direction: str = "in"
    public: bool = False
    # Provider ids this message answers (In-Reply-To then References; in_reply_to_status_id ...).
    reply_to_ids: list[str] = field(default_factory=list)
    # A stable key for the thread when replies carry no ids (DM conversation, chat session).
    thread_key: str = ""
    # A Heedful conversation id found in the message (email subject token); honoured only
    # when the sender is that conversation's contact.
    conversation_hint: int | None = None
    automated: bool = False  # auto-reply, bounce, bulk: never answered, never opens a thread
    recipient: Handle | None = None  # for echoes: the customer the brand wrote to
    attachments: list[InboundAttachment] = field(default_factory=list)
    engagement: dict[str, int] = field(default_factory=dict)  # retweets, likes, replies, quotes
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class StatusUpdate:
    """Delivery news about a message Heedful sent (delivered, read, failed ...)."""

    provider_message_id: str
    status: str  # conversations.Delivery value
    error: str = ""
    at: datetime | None = None
    watermark: datetime | None = None  # Messenger: everything sent before this is delivered/read
    # Whose watermark it is (the customer's handle); None applies it to the whole channel.
    recipient: Handle | None = None


@dataclass
class EngagementUpdate:
    """New reach/engagement figures for a public post already in Heedful."""

    provider_message_id: str
    engagement: dict[str, int] = field(default_factory=dict)


@dataclass
class ParsedEvent:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    engagements: list[EngagementUpdate] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # one reason per ignored item


@dataclass
class WebhookRequest:
    """What a provider may look at to verify a webhook: method, query, headers, exact body."""

    method: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    url: str = ""
    form: dict[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass
class OutboundRequest:
    outbound_id: int
    idempotency_key: str
    text: str
    html: str = ""
    subject: str = ""
    # Frozen at queue time by the core: recipient handle, reply target, mode (public/private/dm).
    payload: dict[str, Any] = field(default_factory=dict)
    attachments: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ProviderReceipt:
    provider_message_id: str
    status: str = "sent"
    raw: dict[str, Any] = field(default_factory=dict)


class SendError(Exception):
    def __init__(self, message: str, *, provider_status: str = ""):
        super().__init__(message)
        self.provider_status = provider_status


class TemporarySendError(SendError):
    """Try again later; `retry_after` seconds when the provider said so (429 Retry-After)."""

    def __init__(self, message: str, *, retry_after: float | None = None, provider_status: str = ""):
        super().__init__(message, provider_status=provider_status)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """The provider refused this message for good (bad recipient, window closed ...)."""


class ReauthRequired(PermanentSendError):
    """The channel's token is expired or revoked: the channel needs re-authorisation."""


class Provider(Protocol):
    key: ClassVar[str]  # channel provider key: email, twitter, facebook ...
    family: ClassVar[str]  # webhook URL family: /hooks/<family>/<channel>
    identity_kind: ClassVar[str]
    max_text_length: ClassVar[int | None]
    credential_keys: ClassVar[tuple[str, ...]]

    def handshake(self, channel, request: WebhookRequest) -> tuple[int, str, str] | None:
        """Answer a provider's GET challenge: (status, content_type, body), or None."""

    def verify(self, channel, request: WebhookRequest) -> None:
        """Raise WebhookAuthError unless the request is authentic."""

    def event_key(self, channel, request: WebhookRequest) -> str:
        """A key unique per provider event; replays of the same event give the same key."""

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        """Turn a stored raw body into normalized items. Raise PayloadError if unreadable."""

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        """Deliver one outbound message, or raise a SendError subclass."""


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()
