"""Pigeon post: JSON notes posted to `/hooks/pigeon/<channel>` with a bearer token; replies are
kept in `SENT` (a pigeon loft has no API)."""

from __future__ import annotations

import hmac
import json

from heedful.channels.base import (
    BaseProvider,
    Credentials,
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
from heedful.core.errors import ValidationError

PIGEON = IdentityKind(
    key="pigeon", label="Pigeon post", one_account_per_person=True,
    glyph='<circle data-glyph="pigeon" cx="8" cy="8" r="5" fill="currentColor"/>',
)
SENT: list[OutboundRequest] = []


class PigeonCredentials(Credentials):
    loft_token: str = ""
    wingspan_cm: int | None = None


class PigeonProvider(BaseProvider):
    key = "pigeon"
    family = "pigeon"
    identity_kinds = (PIGEON,)
    max_text_length = 140  # a small scroll
    credentials = PigeonCredentials

    def verify(self, channel, request: WebhookRequest) -> None:
        scheme, _, token = request.header("authorization").partition(" ")
        expected = channel.credential("loft_token")
        if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
            raise WebhookAuthError("wrong loft token")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return "pigeon:" + str(json.loads(request.body).get("ring", ""))

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        try:
            note = json.loads(raw)
        except ValueError as exc:
            raise PayloadError("not JSON") from exc
        sender = Handle(kind="pigeon", handle=str(note["from"]), display_name=note.get("name", ""))
        return ParsedEvent(messages=[InboundMessage(
            provider_message_id=str(note["ring"]), sender=sender, text=note.get("text", ""),
            thread_key=f"loft:{note['from']}")])

    def check_reply(self, channel, payload: dict, text: str) -> None:
        if len(text) > self.max_text_length:  # private notes are scrolls too
            raise ValidationError(f"a pigeon carries at most {self.max_text_length} characters")

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        SENT.append(request)
        return ProviderReceipt(provider_message_id=f"reply-{request.outbound_id}")
