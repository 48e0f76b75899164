"""Agent replies on WhatsApp through the REST API, against the local Cloud API fake."""

from __future__ import annotations

import time

from heedful.channels import registry
from heedful.channels.base import OutboundRequest

from .whatsapp_hooks import ACCESS_TOKEN, CUSTOMER, PHONE_NUMBER_ID, cases, fresh, status_payload

WA = cases()


def _open(hook, whatsapp, find_message, *, age_seconds: float = 0) -> int:
    hook(whatsapp, fresh(WA["text"], age_seconds=age_seconds))
    return find_message("wamid.TEXT001")["conversation"]


def _reply(api, conversation_id, text):
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text},
                    content_type="application/json")


def _newest(api, conversation_id) -> dict:
    return api.get("/api/v1/messages", {"conversation": conversation_id}).json()["results"][0]


def test_reply_goes_to_the_cloud_api_and_quotes_the_customer(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    response = _reply(api, conversation, "Sorry to hear that! Is the leak from the door?")
    assert response.status_code == 201, response.content
    (request,) = cloud_api.sent("messages")
    assert request.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request.json() == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                              "type": "text", "context": {"message_id": "wamid.TEXT001"},
                              "text": {"body": "Sorry to hear that! Is the leak from the door?",
                                       "preview_url": False}}
    assert request.headers["authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["idempotency-key"]
    sent = _newest(api, conversation)
    assert sent["delivery_status"] == "sent" and sent["provider_message_id"].startswith("wamid.FAKE")


def test_quoting_can_be_switched_off(cloud_api, hook, api, whatsapp, find_message):
    whatsapp.settings = {**whatsapp.settings, "quote_replies": False}
    whatsapp.save()
    _reply(api, _open(hook, whatsapp, find_message), "Hello")
    assert "context" not in cloud_api.sent("messages")[0].json()


def test_status_webhooks_update_the_delivery_status(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    cloud_api.answer_with_ids("wamid.OUT_A", "wamid.OUT_B")
    _reply(api, conversation, "An engineer can come on Monday.")
    _reply(api, conversation, "Or Tuesday, if that suits you better.")
    event = hook(whatsapp, status_payload({"id": "wamid.OUT_A", "status": "delivered"}))
    assert event["result"]["statuses"] == 1
    assert find_message("wamid.OUT_A")["delivery_status"] == "delivered"
    hook(whatsapp, status_payload({"id": "wamid.OUT_A", "status": "read"}))
    assert find_message("wamid.OUT_A")["delivery_status"] == "read"
    hook(whatsapp, status_payload({"id": "wamid.OUT_B", "status": "failed", "errors": [
        {"code": 131026, "title": "Message undeliverable",
         "error_data": {"details": "Message Undeliverable."}}]}))
    failed = find_message("wamid.OUT_B")
    assert failed["delivery_status"] == "failed"
    assert failed["delivery_error"] == "Message undeliverable - Message Undeliverable. (131026)"
    late = hook(whatsapp, status_payload({"id": "wamid.OUT_A", "status": "delivered",
                                          "timestamp": str(int(time.time()) + 60)}))
    assert late["result"]["statuses"] == 0  # never backwards
    assert find_message("wamid.OUT_A")["delivery_status"] == "read"


def test_after_24_hours_a_reply_is_refused_with_the_reason(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message, age_seconds=25 * 3600)
    response = _reply(api, conversation, "Are you still there?")
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert "the 24-hour window closed" in detail and "only a template message may be sent" in detail
    assert cloud_api.sent("messages") == []
    assert api.get("/api/v1/messages", {"conversation": conversation}).json()["count"] == 1


def test_a_window_that_closed_in_flight_fails_with_the_explanation(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    cloud_api.close_window()
    _reply(api, conversation, "One more thing")
    message = _newest(api, conversation)
    assert message["delivery_status"] == "failed"
    assert "24-hour window closed" in message["delivery_error"]
    assert len(cloud_api.sent("messages")) == 1


def test_a_text_over_4096_characters_is_refused(cloud_api, hook, api, whatsapp, find_message):
    response = _reply(api, _open(hook, whatsapp, find_message), "x" * 4097)
    assert response.status_code == 400 and "4096" in response.json()["detail"]


def test_rate_limit_is_retried_after_the_retry_after_delay(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    cloud_api.rate_limit(retry_after=1)
    started = time.monotonic()
    _reply(api, conversation, "Thanks for your patience.")
    assert time.monotonic() - started >= 1.0
    assert len(cloud_api.sent("messages")) == 2
    assert _newest(api, conversation)["delivery_status"] == "sent"


def test_an_expired_token_marks_the_channel_for_reauthorisation(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message)
    cloud_api.expire_token()
    _reply(api, conversation, "Hello?")
    assert _newest(api, conversation)["delivery_status"] == "failed"
    assert api.get(f"/api/v1/channels/{whatsapp.pk}").json()["status"] == "needs_reauth"
    # New credentials are the re-authorisation: the channel is active again.
    patched = api.patch(f"/api/v1/channels/{whatsapp.pk}", {"credentials": {"access_token": "fresh"}},
                        content_type="application/json")
    assert patched.json()["status"] == "active"


def test_a_template_message_may_be_sent_outside_the_window(cloud_api, whatsapp):
    provider = registry.get("whatsapp")
    payload = {"to": "+" + CUSTOMER, "last_inbound_at": "2020-01-01T00:00:00+00:00",
               "template": {"name": "repair_follow_up", "language": "en_GB",
                            "components": [{"type": "body", "parameters": [{"type": "text", "text": "Priya"}]}]}}
    provider.check_reply(whatsapp, payload, "")  # no refusal: templates are allowed
    receipt = provider.send(whatsapp, OutboundRequest(outbound_id=1, idempotency_key="k1", text="",
                                                      payload=payload))
    assert receipt.provider_message_id.startswith("wamid.FAKE")
    body = cloud_api.sent("messages")[0].json()
    assert body["type"] == "template"
    assert body["template"] == {"name": "repair_follow_up", "language": {"code": "en_GB"},
                                "components": payload["template"]["components"]}
