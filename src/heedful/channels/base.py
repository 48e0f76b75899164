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

import fnmatch
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from heedful.core.errors import AttachmentRefused, InvalidFields, PayloadError, WebhookAuthError

__all__ = [
    "Handle",
    "InboundAttachment",
    "InboundMessage",
    "StatusUpdate",
    "EngagementUpdate",
    "ParsedEvent",
    "Deletion",
    "DetailRequest",
    "OutboundRequest",
    "OutboundAttachment",
    "FileRules",
    "AttachmentRefused",
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
class Deletion:
    """The author deleted a post or message on the provider (a tweet delete event): its text and
    media go everywhere Heedful stored them, and `stub` (the provider's words) stays instead."""

    provider_message_id: str
    author: Handle | None = None  # who deleted it; only the author's own message is touched
    stub: str = "Deleted by the author."
    at: datetime | None = None


@dataclass
class DetailRequest:
    """A further read a provider needs before a notification becomes a message (an Instagram
    mention names only a comment id). The pipeline records it; a job after the commit calls
    `fetch_details` outside any transaction and stores the answer as an event of its own."""

    key: str  # unique per channel: the same notification delivered twice is fetched once
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ParsedEvent:
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    engagements: list[EngagementUpdate] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    lookups: list[DetailRequest] = field(default_factory=list)
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
class OutboundAttachment:
    """A file on a reply. Before queueing (`check_attachments`) only its facts are known; at send
    time `content` holds the bytes and `url` a signed, expiring Heedful link to them, for
    providers that fetch media themselves (Twilio MMS)."""

    key: str  # stable for this file across tries: names its remembered upload
    filename: str
    content_type: str
    size: int
    content: bytes | None = None
    url: str = ""


@dataclass
class OutboundRequest:
    outbound_id: int
    idempotency_key: str
    text: str
    html: str = ""
    subject: str = ""
    # Frozen at queue time by the core: recipient handle, reply target, mode (public/private/dm).
    payload: dict[str, Any] = field(default_factory=dict)
    attachments: list[OutboundAttachment] = field(default_factory=list)
    # Steps of a multi-call send (a media upload, the text before the files) finished by an
    # earlier try, by name; `remember(name, value)` stores one durably at once, so a retry after
    # a crash skips it instead of uploading or sending it twice.
    progress: dict[str, str] = field(default_factory=dict)
    remember: Callable[[str, str], None] = field(default=lambda name, value: None, repr=False)

    def done(self, name: str) -> str:
        return self.progress.get(name, "")

    def record(self, name: str, value: str) -> str:
        self.progress[name] = value
        self.remember(name, value)
        return value


@dataclass
class ProviderReceipt:
    provider_message_id: str
    status: str = "sent"
    raw: dict[str, Any] = field(default_factory=dict)
    # The customer's handle on the private thread this message opened, when the provider names
    # one the brand could not address directly (the Messenger PSID a private reply to a comment
    # went to): the core links it to the customer and follows that thread.
    recipient: Handle | None = None


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
class FileRules:
    """A channel's limits for files on a reply, checked before queueing.

    `types` maps a content type pattern ("image/png", "video/*", "*") to the largest file of that
    type in bytes; the first matching pattern applies.
    """

    platform: str
    types: dict[str, int]
    max_files: int = 10
    max_total: int | None = None

    def check(self, files: list[OutboundAttachment]) -> None:
        if len(files) > self.max_files:
            raise AttachmentRefused(f"{self.platform} takes at most {self.max_files} "
                                    f"file{'s' if self.max_files != 1 else ''} per reply")
        for item in files:
            limit = self.limit_for(item.content_type)
            if limit is None:
                raise AttachmentRefused(
                    f"{self.platform} does not accept {item.content_type or 'untyped'} files "
                    f"({item.filename}); it accepts {', '.join(self.types)}")
            if item.size > limit:
                raise AttachmentRefused(f"{item.filename} is {megabytes(item.size)}: {self.platform} takes "
                                        f"{item.content_type} files of at most {megabytes(limit)}")
        total = sum(item.size for item in files)
        if self.max_total is not None and total > self.max_total:
            raise AttachmentRefused(f"the files come to {megabytes(total)}: {self.platform} takes at most "
                                    f"{megabytes(self.max_total)} of files per reply")

    def limit_for(self, content_type: str) -> int | None:
        content_type = (content_type or "").lower()
        for pattern, limit in self.types.items():
            if fnmatch.fnmatchcase(content_type, pattern):
                return limit
        return None


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{size / 1024:.0f} kB"


MB = 1024 * 1024


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
    # The private thread is a conversation of its own, linked to the public one, instead of the
    # public conversation turning private (a forum topic stays the public's thread).
    private_opens_conversation: ClassVar[bool] = False

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

    def ordering_key(self, channel, msg: InboundMessage) -> str | None:
        """The thread `msg` belongs to, known from the message alone (an email's root Message-ID).

        The pipeline applies messages with the same key one batch at a time and lets batches
        of other threads of the same channel run beside them; None (the default) orders the
        message against the whole channel, for providers whose answers may come from someone
        the parent never named (another customer answering the brand's public reply).
        """
        return None

    def parent_event_keys(self, channel, msg: InboundMessage) -> list[str]:
        """The event keys under which the messages `msg` answers are stored when they came in
        through this channel: a reply whose parent is stored but not processed yet waits for it
        instead of opening a conversation of its own."""
        return []

    def fetch_new(self, channel, cursor: dict) -> tuple[list[tuple[str, bytes]], dict]:
        """For a provider that `polls`: new raw items [(event key, body)] after `cursor`, and
        the cursor to keep. Network work; called outside any transaction."""
        return [], cursor

    def fetch_details(self, channel, request: DetailRequest) -> tuple[bytes, str]:
        """For a provider whose `parse` asks for `lookups`: read what the request names and
        return (raw body, content type), which is stored and parsed like a webhook. Network
        work, outside any transaction; raise TemporarySendError to be retried later,
        PermanentSendError (or ReauthRequired) to give up."""
        raise NotImplementedError(f"{self.key} fetches no details")

    # -- sign-in (OAuth authorization code, e.g. a Google or Microsoft mailbox) -------------
    def sign_in_url(self, channel, *, redirect_uri: str, state: str, verifier: str) -> str | None:
        """Where the channel's owner signs in to grant access (the provider's consent page), or
        None when the channel signs in with what its credentials already hold. `verifier` is
        the PKCE code verifier the caller keeps for `complete_sign_in`."""
        return None

    def complete_sign_in(self, channel, *, code: str, redirect_uri: str, verifier: str) -> dict:
        """Exchange the code the consent page returned: the credentials to store (tokens).
        Network work, outside any transaction; raise ReauthRequired when refused."""
        raise NotImplementedError(f"{self.key} has no sign-in")

    def renewal_due(self, credentials: dict) -> bool:
        """True when short-lived credentials (an OAuth access token) must be renewed before the
        channel is used; cheap, no network. Default: credentials do not expire."""
        return False

    def renew(self, credentials: dict) -> dict:
        """The renewed credentials to store (`channels.actions.renewed` stores them under the
        channel's lock). Network work; raise ReauthRequired when the provider refuses."""
        raise NotImplementedError(f"{self.key} has nothing to renew")

    # -- outbound --------------------------------------------------------------------------
    def check_reply(self, channel, payload: dict, text: str) -> None:
        """Refuse a reply the provider would refuse (a closed window, a text too long for a DM)
        with a ValidationError, before it is queued."""

    def check_attachments(self, channel, payload: dict, files: list[OutboundAttachment]) -> None:
        """Refuse, before anything is stored, files this channel would refuse (too many, too big,
        a type it cannot carry, a public post that takes none) with AttachmentRefused naming the
        limit. `files` carry their facts, not their bytes. Default: the channel sends no files."""
        if files:
            raise AttachmentRefused(f"{self.display_name} replies cannot carry files")

    def private_thread_key(self, channel, payload: dict) -> str:
        """For a provider that `can_go_private`: the thread key of the customer's private
        thread, so their private messages continue the same conversation."""
        raise NotImplementedError(f"{self.key} has no private channel")

    def private_email(self, channel, payload: dict) -> str:
        """An email address the brand's own system knows for the customer (a forum member's
        sign-up address), which a move to private prefers when an email channel exists."""
        return ""

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        """Deliver one outbound message, or raise a SendError subclass."""
        raise NotImplementedError

    # -- message templates (pre-approved messages, e.g. WhatsApp outside its window) ---------
    # True for a provider with approved templates: only then is a reply payload built to ask
    # `needs_template` (three reads of the thread, on every conversation page).
    has_templates: bool = False

    def needs_template(self, channel, payload: dict) -> bool:
        """True when a free-form reply would be refused now and only an approved template may
        go (WhatsApp outside its 24-hour window). Default: free-form replies always go."""
        return False

    def message_templates(self, channel) -> list[dict]:
        """The channel's approved templates, read from the provider: `[{"name", "language",
        "category", "components": [{"type", "text", "parameters" (how many variables), "index"
        (buttons)}]}]`. Network work: call outside any transaction (the core caches the answer).
        Raise a SendError when the provider cannot be read. Default: the channel has none."""
        return []

    def check_template(self, channel, template: dict, approved: list[dict]) -> tuple[dict, str]:
        """Check a template message (`{"name", "language", "components"}`) against the approved
        ones: what to send, and its text as the customer will read it. Raise InvalidFields naming
        the problem (an unknown template, a wrong number of variables)."""
        raise InvalidFields(f"{self.display_name} has no message templates")

    # -- setup -----------------------------------------------------------------------------
    def embed_snippet(self, channel, base_url: str) -> str | None:
        """HTML a brand pastes into its own site to connect this channel (the web chat
        `<script>` tag), given Heedful's public base URL; None for a channel without one."""
        return None

    # -- privacy ---------------------------------------------------------------------------
    def deletion_request(self, channel, request: WebhookRequest) -> Handle | None:
        """A provider's user data deletion callback (Meta's `signed_request`): verify it (raise
        WebhookAuthError when it is not authentic) and name the customer whose data must go.
        None: this channel has no such callback (the view answers 404)."""
        return None


def body_digest(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()
