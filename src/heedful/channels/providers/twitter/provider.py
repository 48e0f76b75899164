"""The Twitter/X provider: Account Activity API webhooks in, v2 API replies out."""

from __future__ import annotations

import json

from heedful.channels.base import (
    OutboundRequest,
    ParsedEvent,
    ProviderReceipt,
    WebhookAuthError,
    WebhookRequest,
    body_digest,
)
from heedful.channels.providers.twitter import client
from heedful.channels.providers.twitter.activity import load, parse_payload
from heedful.channels.providers.twitter.direct_messages import dm_thread_key
from heedful.channels.providers.twitter.signing import (
    SIGNATURE_HEADER,
    crc_response_token,
    signature_matches,
)
from heedful.channels.registry import register


def _json_answer(status: int, body: dict) -> tuple[int, str, str]:
    return status, "application/json", json.dumps(body)


@register
class TwitterProvider:
    key = "twitter"
    family = "twitter"
    identity_kind = "twitter"
    max_text_length = 280
    credential_keys = ("user_id", "screen_name", "consumer_key", "consumer_secret",
                       "access_token", "access_token_secret")

    def handshake(self, channel, request: WebhookRequest) -> tuple[int, str, str]:
        """The CRC check Twitter runs on registration and then about hourly."""
        token = request.query.get("crc_token") or ""
        secret = channel.credential("consumer_secret")
        if not token:
            return _json_answer(400, {"error": "crc_token is required"})
        if not secret:
            return _json_answer(409, {"error": "the channel has no consumer_secret yet"})
        return _json_answer(200, {"response_token": crc_response_token(secret, token)})

    def verify(self, channel, request: WebhookRequest) -> None:
        given = request.header(SIGNATURE_HEADER)
        if not given:
            raise WebhookAuthError(f"missing {SIGNATURE_HEADER} header")
        if not signature_matches(channel.credential("consumer_secret"), request.body, given):
            raise WebhookAuthError("the webhook signature does not match")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return body_digest(request.body)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        return parse_payload(load(raw), channel.credential("user_id"))

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        return client.send(channel, request)

    def private_thread_key(self, channel, payload: dict) -> str:
        """After a move to private, the customer's DMs continue the same conversation."""
        return dm_thread_key(str(payload.get("to") or ""))
