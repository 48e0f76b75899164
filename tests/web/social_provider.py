"""A small public-social provider that exists only in these tests (key "webtest").

It speaks a tiny JSON format so the web tests can create public conversations through the
real webhook and pipeline while the real social providers are built elsewhere. Replies are
"sent" by posting to the channel's `api_base_url` (a loopback fake) like a real client would.
"""

from __future__ import annotations

import json

import httpx

from heedful.channels.base import (
    BaseProvider,
    Credentials,
    Handle,
    InboundMessage,
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    PermanentSendError,
    ProviderReceipt,
    WebhookAuthError,
    WebhookRequest,
    body_digest,
)
from heedful.channels.providers.twitter.provider import TWITTER
from heedful.channels.registry import register
from heedful.devtools.fakeserver import FakeProviderServer, Reply


class WebTestCredentials(Credentials):
    token: str = ""


@register
class WebTestSocial(BaseProvider):
    key = "webtest"
    family = "webtest"
    identity_kinds = (TWITTER,)  # its customers are Twitter users
    max_text_length = 280
    credentials = WebTestCredentials
    can_go_private = True

    def verify(self, channel, request: WebhookRequest) -> None:
        if request.header("authorization") != f"Bearer {channel.credential('token')}":
            raise WebhookAuthError("wrong token")

    def event_key(self, channel, request: WebhookRequest) -> str:
        return body_digest(request.body)

    def parse(self, channel, raw: bytes, content_type: str = "") -> ParsedEvent:
        try:
            data = json.loads(raw)
            sender = data["from"]
        except (ValueError, KeyError, TypeError) as exc:
            raise PayloadError("not a webtest message") from exc
        return ParsedEvent(messages=[InboundMessage(
            provider_message_id=str(data["id"]),
            sender=Handle(kind="twitter", handle=str(sender["id"]), display_name=sender.get("name", ""),
                          username=sender.get("username", ""), followers_count=sender.get("followers"),
                          verified=sender.get("verified")),
            text=data.get("text", ""), public=bool(data.get("public", True)),
            reply_to_ids=[data["in_reply_to"]] if data.get("in_reply_to") else [],
            thread_key=data.get("thread", ""),
        )])

    def send(self, channel, request: OutboundRequest) -> ProviderReceipt:
        response = httpx.post(channel.settings["api_base_url"] + "/send", timeout=5.0, json={
            "text": request.text, "mode": request.payload.get("mode"), "to": request.payload.get("to"),
        })
        if response.status_code >= 400:
            raise PermanentSendError(f"webtest refused the message ({response.status_code})")
        return ProviderReceipt(provider_message_id=response.json()["id"])

    def private_thread_key(self, channel, payload: dict) -> str:
        return f"dm:{payload.get('to', '')}"


class WebTestServer(FakeProviderServer):
    """The loopback 'social network' the webtest provider sends to."""

    def setup_routes(self):
        self.counter = 0
        self.route("POST", "/send", self._send)

    def _send(self, request, match):
        self.counter += 1
        if "please fail" in request.json()["text"]:
            return Reply(400, {"error": "refused"})
        return Reply(200, {"id": f"sent-{self.counter}"})
