"""API channel.

Inbound: `POST /api/v1/channels/<id>/messages` (or `/hooks/api/<id>`) with
`Authorization: Bearer <inbound_token>` and a JSON message:
    {"id": "m-1", "from": {"id": "u-42", "name": "Ann", "email": "ann@example.com"},
     "text": "...", "thread": "order-981", "in_reply_to": "m-0", "sent_at": "2026-01-01T10:00:00Z",
     "attachments": [{"filename": "a.png", "content_type": "image/png", "url": "https://..."}]}
Outbound: each agent reply is POSTed as JSON to the channel's `outbound_url`, signed with
`X-Heedful-Signature: sha256=<hex HMAC-SHA256(signing_secret, body)>`. A reply with files adds
`"attachments": [{"filename", "content_type", "size", "url"}]`, each url a signed Heedful link
that expires after an hour: fetch the files when the reply arrives.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime

import httpx

from heedful.channels.base import (
    MB,
    BaseProvider,
    Credentials,
    FileRules,
    Handle,
    IdentityKind,
    InboundAttachment,
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
from heedful.channels.registry import register
from heedful.core.safe_urls import refusal

# The brand's own back end fetches the files by link, so any type goes.
REPLY_FILES = FileRules("The API channel", {"*/*": 25 * MB}, max_files=10)


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _parse_time(value) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise PayloadError(f"sent_at is not an ISO 8601 time: {value!r}") from exc
    return parsed if parsed.tzinfo else None


API = IdentityKind(
    key="api", label="API", trusted_email=True,  # the brand's own back end vouches for its users
    glyph='<path d="M5.5 4 2 8l3.5 4M10.5 4 14 8l-3.5 4" fill="none" stroke="currentColor" '
          'stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round"/>',
)


class ApiCredentials(Credentials):
    inbound_token: str = ""
    outbound_url: str = ""
    signing_secret: str = ""


@register
class ApiChannel(BaseProvider):
    key = "api"
    family = "api"
    identity_kinds = (API,)
    credentials = ApiCredentials

    def handshake(self, channel, request: WebhookRequest):
        return None

    def verify(self, channel, request: WebhookRequest) -> None:
        expected = channel.credential("inbound_token")
        given = request.header("authorization").removeprefix("Bearer ").strip()
        if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookAuthError("wrong or missing bearer token")

    def event_key(self, channel, request: WebhookRequest) -> str:
        try:
            message_id = json.loads(request.body).get("id")
        except (ValueError, AttributeError):
            message_id = None
        return f"api:{message_id}" if message_id else body_digest(request.body)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise PayloadError("body is not JSON") from exc
        if not isinstance(data, dict) or not isinstance(data.get("from"), dict):
            raise PayloadError('a message needs a "from" object')
        sender = data["from"]
        if not sender.get("id"):
            raise PayloadError('"from.id" is required')
        message = InboundMessage(
            provider_message_id=str(data.get("id") or body_digest(raw)),
            sender=Handle(kind="api", handle=str(sender["id"]), display_name=str(sender.get("name", ""))),
            text=str(data.get("text") or ""), subject=str(data.get("subject") or ""),
            sent_at=_parse_time(data.get("sent_at")),
            reply_to_ids=[str(data["in_reply_to"])] if data.get("in_reply_to") else [],
            thread_key=f"api:{data['thread']}" if data.get("thread") else "",
            attachments=[
                InboundAttachment(filename=str(a.get("filename", "attachment")),
                                  content_type=str(a.get("content_type", "")), url=str(a.get("url", "")))
                for a in (data["attachments"] if isinstance(data.get("attachments"), list) else []) if isinstance(a, dict)
            ],
            metadata={"email": sender["email"]} if sender.get("email") else {},
        )
        return ParsedEvent(messages=[message])

    def check_attachments(self, channel, payload: dict, files) -> None:
        REPLY_FILES.check(files)

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        url = channel.credential("outbound_url")
        if not url:
            raise PermanentSendError("the channel has no outbound_url")
        if why := refusal(url):  # checked at each send: the name may point elsewhere now
            raise PermanentSendError(f"outbound_url refused: {why}")
        body = json.dumps({
            "id": request.idempotency_key, "to": request.payload.get("to"),
            "in_reply_to": request.payload.get("reply_to_id"),
            "thread": request.payload.get("thread_key", "").removeprefix("api:"),
            "conversation": request.payload.get("conversation_id"), "text": request.text,
            **({"attachments": [{"filename": a.filename, "content_type": a.content_type, "size": a.size,
                                 "url": a.url} for a in request.attachments]} if request.attachments else {}),
        }).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": request.idempotency_key,
                   "X-Heedful-Signature": sign(channel.credential("signing_secret"), body)}
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10.0, follow_redirects=False)
        except httpx.HTTPError as exc:
            raise TemporarySendError(f"could not reach {httpx.URL(url).host}: {type(exc).__name__}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = response.headers.get("Retry-After")
            raise TemporarySendError(f"brand endpoint answered {response.status_code}",
                                     retry_after=float(retry_after) if retry_after and retry_after.isdigit() else None,
                                     provider_status=str(response.status_code))
        if response.status_code >= 400:
            raise PermanentSendError(f"brand endpoint refused the message ({response.status_code})",
                                     provider_status=str(response.status_code))
        try:
            remote_id = str(response.json().get("id") or request.idempotency_key)
        except (ValueError, AttributeError):
            remote_id = request.idempotency_key
        return ProviderReceipt(provider_message_id=remote_id)
