"""The provider protocol and the normalized types every provider speaks.

A provider package (under channels/providers/) imports only this module and registers itself
with `channels.registry`. The core never imports a provider.

Inbound: the webhook view calls `handshake()` for GETs, then `verify()` and `event_key()`; the
raw body is stored and `acknowledge()` answers; later the pipeline calls `parse()` and works on
the normalized results. A provider that `polls` is read by `fetch_new()` instead of webhooks.
Outbound: the outbound worker calls `send()` with an `OutboundRequest` and gets a receipt, or
one of the typed send errors below; replies are checked first by `check_reply()`.

Every fact about a channel lives on its provider class: the identity kinds it brings (with their
label, glyph and linking facts), its typed `Credentials`, its text limit, whether a public post
can move to a private thread. The core reads these through `channels.registry` and never lists
providers itself. Subclass `BaseProvider`: every optional hook has a default there.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

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
    "BaseProvider",
    "Credentials",
    "IdentityKind",
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

    kind: str  # an IdentityKind key declared by a provider: email, phone, twitter ...
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


@dataclass(frozen=True)
class IdentityKind:
    """A kind of customer handle a provider brings, and the facts the core needs about it.

    `handle_format` says how handles compare: "email" (lower-cased address), "phone" (E.164; two
    phone kinds with the same number are the same person) or "id" (the provider's own id).
    `one_account_per_person`: two different handles of this kind on one contact are probably
    two people, so linking suggests instead of merging. `trusted_email`: an email in this kind's
    message metadata is asserted by the brand's own authenticated back end and links at once.
    `links_declared_email`: "my email is ann@example.com" in a private message links that
    address at once; False where anyone can type anything (an anonymous web chat visitor):
    the address then only becomes a suggestion an agent confirms.
    `glyph` is SVG markup drawn in a 16x16 viewBox with `currentColor`.
    """

    key: str
    label: str
    glyph: str = ""
    handle_format: Literal["email", "phone", "id"] = "id"
    one_account_per_person: bool = False
    trusted_email: bool = False
    links_declared_email: bool = True

    @property
    def phone_like(self) -> bool:
        return self.handle_format == "phone"


class Credentials(BaseModel):
    """What a brand pastes from the provider's console. Subclass with typed, optional fields;
    a key the schema does not know is refused (never silently dropped)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BaseProvider:
    """A channel provider. `key`, `family`, `identity_kinds` and the four abstract hooks are
    required; everything else has a default that suits a channel without the feature."""

    key: ClassVar[str]  # channel provider key: email, twitter, facebook ...
    family: ClassVar[str]  # webhook URL family: /hooks/<family>/<channel>
    # The kinds of handle this channel's customers have; the first is the one replies go to.
    identity_kinds: ClassVar[tuple[IdentityKind, ...]] = ()
    label: ClassVar[str] = ""  # how the channel is named in the workspace; default: its kind's label
    max_text_length: ClassVar[int | None] = None  # of a public reply
    credentials: ClassVar[type[Credentials]] = Credentials
    polls: ClassVar[bool] = False  # read by `fetch_new` (a mailbox) besides webhooks
    can_go_private: ClassVar[bool] = False  # a public post can move to `private_thread_key`

    @property
    def identity_kind(self) -> str:
        return self.identity_kinds[0].key if self.identity_kinds else self.key

    @property
    def display_name(self) -> str:
        return self.label or (self.identity_kinds[0].label if self.identity_kinds else self.key.title())

    # -- inbound ---------------------------------------------------------------------------
    def handshake(self, channel, request: WebhookRequest) -> tuple[int, str, str] | None:
        """Answer a provider's GET challenge: (status, content_type, body), or None (405)."""
        return None

    def verify(self, channel, request: WebhookRequest) -> None:
        """Raise WebhookAuthError unless the request is authentic."""
        raise NotImplementedError

    def event_key(self, channel, request: WebhookRequest) -> str:
        """A key unique per provider event; replays of the same event give the same key."""
        raise NotImplementedError

    def acknowledge(self, channel, request: WebhookRequest, event_id: int) -> tuple[int, str, str] | None:
        """The answer to a stored webhook when the provider expects a particular one (TwiML);
        None gives the default JSON acknowledgement."""
        return None

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        """Turn a stored raw body into normalized items. Raise PayloadError if unreadable."""
        raise NotImplementedError

    def fetch_new(self, channel, cursor: dict) -> tuple[list[tuple[str, bytes]], dict]:
        """For a provider that `polls`: new raw items [(event key, body)] after `cursor`, and
        the cursor to keep. Network work; called outside any transaction."""
        return [], cursor

    # -- outbound --------------------------------------------------------------------------
    def check_reply(self, channel, payload: dict, text: str) -> None:
        """Refuse a reply the provider would refuse (a closed window, a text too long for a DM)
        with a ValidationError, before it is queued."""

    def private_thread_key(self, channel, payload: dict) -> str:
        """For a provider that `can_go_private`: the thread key of the customer's private
        thread, so their private messages continue the same conversation."""
        raise NotImplementedError(f"{self.key} has no private channel")

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        """Deliver one outbound message, or raise a SendError subclass."""
        raise NotImplementedError

    # -- setup -----------------------------------------------------------------------------
    def embed_snippet(self, channel, base_url: str) -> str | None:
        """HTML a brand pastes into its own site to connect this channel (the web chat
        `<script>` tag), given Heedful's public base URL; None for a channel without one."""
        return None


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()
