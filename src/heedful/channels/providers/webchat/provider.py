"""Web chat provider.

Inbound: the widget's visitor API (an edge, `heedful.widget`) stores each visitor message as an
InboundEvent whose body it builds itself, from the visitor's signed token and what they typed:
    {"id": "<visitor handle>:<client message id>", "visitor": "<handle>", "name": "Ann",
     "text": "...", "sent_at": "2026-01-01T10:00:00+00:00", "verified_email": "...",
     "email": "...", "client_id": "...", "page": "https://brand.example/pricing",
     "attachments": [{"filename": "receipt.pdf", "content_type": "application/pdf", "size": 1234,
                      "content_base64": "..."}]}
Attachments (images and PDF, typed by their bytes: files.py) become the message's conversation
attachments through the pipeline, like an email's.
`verified_email` is present only when the brand's identity hash checked out. There is no public
webhook: `/hooks/webchat/<id>` refuses every request.

Outbound: an agent reply is released to the visitor by `send`: the visitor API shows a brand
message once its delivery is `sent`, and the status change is the live notice the visitor's
stream wakes on. The visitor reads it from the durable messages table, never from the notice.
A reply to a visitor who wrote while nobody was there (`continue_by_email`) is also mailed to
them, and their answer by mail comes back through the channel's polled mailbox
(continuation.py).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.core import signing

from heedful.channels.base import (
    MB,
    BaseProvider,
    Credentials,
    FileRules,
    Handle,
    IdentityKind,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    ProviderReceipt,
    WebhookAuthError,
    WebhookRequest,
)
from heedful.channels.providers.webchat import continuation, files
from heedful.channels.registry import register

KIND = "webchat"
THREAD_PREFIX = "webchat:"
_KEY_SALT = "heedful.webchat.public-key"
MAX_TEXT = 5000

WEBCHAT = IdentityKind(
    key=KIND, label="Web chat visitor",
    glyph='<path d="M2 3h12v8H7l-3 3v-3H2z" fill="none" stroke="currentColor" stroke-width="1.5" '
          'stroke-linejoin="round"/>',
    # A person opens chats from many browsers; several visitor handles on one contact is normal.
    one_account_per_person=False,
    trusted_email=False,  # a typed email is only a claim; verified ones come as verified_email
    links_declared_email=False,  # "my email is ..." from an anonymous visitor is a suggestion
)


class WebchatCredentials(Credentials):
    # HMAC-SHA256 key shared with the brand's back end for Heedful.identify({..., hash}).
    identity_secret: str = ""
    # Continuing a chat by email (optional): the address replies come from and go back to.
    reply_address: str = ""
    smtp_host: str = ""
    smtp_port: int | None = None
    smtp_user: str = ""
    smtp_password: str = ""
    imap_host: str = ""
    imap_port: int | None = None
    imap_user: str = ""
    imap_password: str = ""


def public_key(channel) -> str:
    """The channel's key for the embed snippet: its id, signed, so ids cannot be enumerated."""
    return signing.Signer(salt=_KEY_SALT).sign(str(channel.pk)).replace(":", ".")


def channel_id_from_key(key: str) -> int | None:
    try:
        return int(signing.Signer(salt=_KEY_SALT).unsign(str(key).replace(".", ":")))
    except (signing.BadSignature, ValueError):
        return None


def thread_key(handle: str) -> str:
    """Each visitor handle has one running conversation per channel (a new one after resolve)."""
    return THREAD_PREFIX + handle


def _time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise PayloadError("sent_at is not an ISO 8601 time") from exc
    return parsed if parsed.tzinfo else None


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


@register
class WebchatProvider(BaseProvider):
    key = "webchat"
    family = "webchat"
    identity_kinds = (WEBCHAT,)
    label = "Web chat"
    credentials = WebchatCredentials
    polls = True  # the reply mailbox, when the channel has one (continuation by email)
    # Agents' files reach the visitor through the widget's messages API (a download, images
    # shown inline), so any type goes; the size keeps a visitor's phone download reasonable.
    reply_files = FileRules("Web chat", {"*/*": 10 * MB}, max_files=10)

    def check_attachments(self, channel, payload: dict, items) -> None:
        self.reply_files.check(items)

    def verify(self, channel, request: WebhookRequest) -> None:
        raise WebhookAuthError("web chat messages arrive through the widget API only")

    def event_key(self, channel, request: WebhookRequest) -> str:
        raise WebhookAuthError("web chat messages arrive through the widget API only")

    def fetch_new(self, channel, cursor: dict) -> tuple[list[tuple[str, bytes]], dict]:
        return continuation.fetch(channel, cursor)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        if content_type == "message/rfc822":  # a visitor's answer by email
            return continuation.parse(raw)
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PayloadError("body is not JSON") from exc
        if not isinstance(data, dict):
            raise PayloadError("a web chat message is a JSON object")
        visitor, mid = data.get("visitor"), data.get("id")
        if not isinstance(visitor, str) or not visitor or not isinstance(mid, str) or not mid:
            raise PayloadError('a web chat message needs "id" and "visitor"')
        text = _text(data.get("text"), MAX_TEXT)
        attachments = files.decode(data["attachments"]) if data.get("attachments") else []
        if not text.strip() and not attachments:
            return ParsedEvent(ignored=["empty web chat message"])
        metadata = {k: data[k] for k in ("verified_email", "email", "client_id", "page")
                    if isinstance(data.get(k), str) and data[k]}
        if data.get("continue_by_email") is True and metadata.get("email"):
            metadata["continue_by_email"] = True
        if isinstance(data.get("fields"), dict):  # the pre-chat form's answers (prechat.py)
            metadata["prechat"] = {str(k)[:32]: _text(v, 200) for k, v in list(data["fields"].items())[:5]}
        message = InboundMessage(
            provider_message_id=mid[:255],
            sender=Handle(kind=KIND, handle=visitor, display_name=_text(data.get("name"), 120)),
            text=text, sent_at=_time(data.get("sent_at")), thread_key=thread_key(visitor),
            attachments=attachments, metadata=metadata,
        )
        return ParsedEvent(messages=[message])

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        # The receipt releases the stored reply to the visitor's API and its status change wakes
        # the visitor's open stream; a visitor who left while nobody was there also gets a mail.
        to = continuation.wanted(channel, request)
        if to:
            return ProviderReceipt(provider_message_id=continuation.send(channel, request, to))
        return ProviderReceipt(provider_message_id=f"webchat:{request.idempotency_key}")

    def embed_snippet(self, channel, base_url: str) -> str | None:
        return (f'<script src="{base_url.rstrip("/")}/widget.js" data-channel="{public_key(channel)}" '
                f'async></script>')
