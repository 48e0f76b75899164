"""The Twitter/X provider: Account Activity API webhooks in, v2 API replies out."""

from __future__ import annotations

import json

from heedful.channels.base import (
    BaseProvider,
    Credentials,
    IdentityKind,
    OutboundRequest,
    ParsedEvent,
    ProviderReceipt,
    WebhookAuthError,
    WebhookRequest,
    body_digest,
)
from heedful.channels.providers.twitter import client, media
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


TWITTER = IdentityKind(
    key="twitter", label="Twitter/X", one_account_per_person=True,
    glyph='<path d="M3 2.5h3l7 11h-3z" fill="currentColor"/>'
          '<path d="M12.5 2.5 3.5 13.5" stroke="currentColor" stroke-width="1.4"/>',
)


class TwitterCredentials(Credentials):
    """The brand account and the app's OAuth 1.0a keys (developer portal, "Keys and tokens")."""

    user_id: str = ""
    screen_name: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    access_token: str = ""
    access_token_secret: str = ""


@register
class TwitterProvider(BaseProvider):
    key = "twitter"
    family = "twitter"
    identity_kinds = (TWITTER,)
    max_text_length = 280
    credentials = TwitterCredentials
    can_go_private = True

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

    def check_attachments(self, channel, payload: dict, files) -> None:
        media.check(payload, files, private=client.is_private(payload))

    def private_thread_key(self, channel, payload: dict) -> str:
        """After a move to private, the customer's DMs continue the same conversation."""
        return dm_thread_key(str(payload.get("to") or ""))
