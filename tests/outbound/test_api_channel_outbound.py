"""Agent replies leave as durable deliveries: sent, retried on temporary failure, never twice."""

import json

import pytest

from heedful.channels.providers.api.provider import sign
from heedful.conversations.models import Conversation, Message
from heedful.core.clock import now
from heedful.devtools.fakeserver import FakeProviderServer, Reply
from heedful.outbound.actions import sweep
from heedful.outbound.models import DeliveryAttempt, OutboundMessage


class BrandEndpoint(FakeProviderServer):
    def setup_routes(self):
        self.route("POST", "/heedful", lambda req, m: Reply(200, {"id": "brand-" + req.json()["id"][:8]}))


@pytest.fixture
def brand(settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True  # the brand's endpoint here is on loopback
    with BrandEndpoint() as server:
        yield server


def test_an_outbound_url_inside_the_network_is_refused(conversation, api, settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = False
    api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "On it"},
             content_type="application/json")
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "failed"
    assert outbound.last_error == ("outbound_url refused: the webhook URL points to a loopback, private or "
                                   "link-local address")


@pytest.fixture
def conversation(client, make_channel, brand):
    channel = make_channel("api", {"inbound_token": "t", "outbound_url": brand.base_url + "/heedful",
                                   "signing_secret": "s3cret"})
    body = json.dumps({"id": "m-1", "from": {"id": "u-1", "name": "Ann"}, "text": "hi"})
    client.post(f"/hooks/api/{channel.pk}", body, content_type="application/json", HTTP_AUTHORIZATION="Bearer t")
    return Conversation.objects.get()


def reply(api, conversation, text="We are on it"):
    return api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": text},
                    content_type="application/json")


def test_reply_is_delivered_signed(api, conversation, brand):
    response = reply(api, conversation)
    assert response.status_code == 201
    sent = brand.requests_to("POST", "/heedful")
    assert len(sent) == 1
    assert sent[0].headers["x-heedful-signature"] == sign("s3cret", sent[0].body)
    assert sent[0].json()["to"] == "u-1" and sent[0].json()["in_reply_to"] == "m-1"
    message = Message.objects.get(direction="out")
    assert message.delivery_status == "sent" and message.provider_message_id.startswith("brand-")
    assert response.json()["delivery_status"] == "queued"  # optimistic: sending happens after commit


def test_temporary_failure_is_retried_and_visible(api, conversation, brand):
    brand.fail_next(503)
    reply(api, conversation)
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and outbound.attempts == 1 and "503" in outbound.last_error
    assert Message.objects.get(direction="out").delivery_status == "queued"
    OutboundMessage.objects.update(next_attempt_at=now())
    sweep()
    outbound.refresh_from_db()
    assert outbound.status == "sent"
    assert list(DeliveryAttempt.objects.order_by("number").values_list("outcome", flat=True)) == ["retry", "sent"]
    assert len(brand.requests_to("POST", "/heedful")) == 2


def test_permanent_failure_is_marked_failed(api, conversation, brand):
    brand.fail_next(400, {"error": "unknown user"})
    reply(api, conversation)
    message = Message.objects.get(direction="out")
    assert message.delivery_status == "failed" and "400" in message.delivery_error
    sweep()
    assert len(brand.requests_to("POST", "/heedful")) == 1  # never sent twice


def test_empty_reply_is_rejected(api, conversation):
    response = reply(api, conversation, text="   ")
    assert response.status_code == 400
    assert Message.objects.filter(direction="out").count() == 0
