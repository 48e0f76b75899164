"""Replay every captured WhatsApp Cloud API payload through the real endpoint, one per test.

Each captured file maps case names to full webhook bodies. The channel takes the phone number
id the payload is addressed to; a case that needs an existing conversation (a reaction, a
business echo) is preceded by a customer message from the same number.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import shared_data
from tests.providers.meta.meta_hooks import APP_SECRET, VERIFY_TOKEN

UNSUPPORTED = "Ask the customer to resend it another way.]"
MESSAGES = {
    "message.json:text": "Body Text",
    "message.json:image": "[Image]",
    "message.json:media_with_url": "[Image]",
    "message.json:video": "caption",
    "message.json:document": "caption",
    "message.json:audio": "[Audio]",
    "message.json:voice": "[Voice message]",
    "message.json:static_sticker": "[Sticker]",
    "message.json:animated_sticker": "[Sticker]",
    "message.json:current_location": "Location: (12.25089, 43.90539)",
    "message.json:chosen_location":
        "Location: Facebook HQ, 1 Hacker Way, Menlo Park, CA 94025 (37.4611978, -122.2164385)",
    "message.json:contacts": "Shared contacts: Chandler Bing (+1 555-555-5555); Monica (+1 666-666-6666); "
                             "Rachel Green (+1 777-777-7777)",
    "message.json:order": "Order: 3 x HAMBURGER (30 ILS); 2 x FRENCH_FRIES (35 ILS); 2 x SODA (10 ILS)",
    "message.json:unsupported":
        f"[Unsupported message: Message type unknown - Message type is currently not supported. {UNSUPPORTED}",
    "message.json:unsupported_with_type":
        f"[Unsupported message (pool): Message type unknown - Message type is currently not supported. {UNSUPPORTED}",
    "message.json:reply": "replied text",
    "message.json:forwarded": "forwarded text",
    "message.json:forwarded_many_times": "text forwarded many times",
    "message.json:interactive_message_with_err":
        f"[Unsupported message (interactive): Something went wrong - Unsupported webhook payload. {UNSUPPORTED}",
    "message.json:referral": "BODY",
    "call_permission_update.json:accept": "Call permission: accept",
    "call_permission_update.json:reject": "Call permission: reject",
    "callback_selection.json:callback": "title",
    "callback_selection.json:description": "title - description",
    "edited_message.json:image": "[Edited] Updated image caption",
}
# Stored in an existing conversation, never opening one: (customer who wrote first, text).
FOLLOW_UPS = {
    "message.json:reaction": ("972987654321", "Reacted \N{FACE WITH OPEN MOUTH}"),
    "message.json:unreaction_empty": ("972987654321", "Removed a reaction"),
    "message.json:unreaction_no_emoji": ("972987654321", "Removed a reaction"),
    "outgoing_message.json:edit": ("972123456789", "[Edited] Text was edited"),
}
IGNORED = {
    "outgoing_message.json:text": "business echo without a valid customer number",
    "outgoing_message.json:delete": "the business deleted a message",
    "call_terminate.json:call_terminate": "calls are not handled",
    "template_category_update.json:marketing": "account or template notice",
    "template_quality_update.json:yellow": "account or template notice",
    "user_marketing_preferences.json:resume": "marketing message preference",
    "user_marketing_preferences.json:signup": "marketing message preference",
}
ACCOUNT_UPDATES = ["account_deleted", "account_restriction", "account_violation", "ad_account_linked",
                   "authentication_international_eligibility", "account_disabled",
                   "mm_api_for_wa_terms_of_service", "partner_added", "partner_app_installed",
                   "partner_app_uninstalled", "partner_led_business_verification_status", "partner_removed",
                   "partner_removed_wa_app_disconnection", "primary_business_location_set",
                   "pricing_tiering_update", "account_offboarded", "account_reconnected"]
IGNORED.update({f"account_update.json:{case}": "account or template notice" for case in ACCOUNT_UPDATES})
EVERY_CASE = sorted({*MESSAGES, *FOLLOW_UPS, *IGNORED})


def captured(key: str) -> dict:
    name, case = key.split(":")
    return json.loads(shared_data("webhooks", "whatsapp_cloud", name).read_text())[case]


def number_id(payload: dict) -> str:
    for entry in payload["entry"]:
        for change in entry["changes"]:
            found = change["value"].get("metadata", {}).get("phone_number_id")
            if found:
                return found
    return "1122334455667"


def first_message_from(wa_id: str, phone_number_id: str) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"phone_number_id": phone_number_id},
        "contacts": [{"profile": {"name": "First"}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": f"wamid.FIRST{wa_id}", "timestamp": "1697040000", "type": "text",
                      "text": {"body": "Hello"}}]}}]}]}


def test_every_captured_case_has_an_expectation():
    folder = shared_data("webhooks", "whatsapp_cloud")
    found = {f"{path.name}:{case}" for path in folder.glob("*.json") for case in json.loads(path.read_text())}
    assert found == set(EVERY_CASE)


def _channel(make_channel, payload):
    return make_channel("whatsapp", {"phone_number_id": number_id(payload), "app_secret": APP_SECRET,
                                     "verify_token": VERIFY_TOKEN, "access_token": "t"})


def test_captured_notices_are_accepted_and_ignored_with_a_reason(make_channel, hook, api):
    for key in sorted(IGNORED):  # one test for all: nothing is stored, so the cases cannot interfere
        payload = captured(key)
        event = hook(_channel(make_channel, payload), payload)
        assert event["status"] == "ignored", (key, event)
        assert all(IGNORED[key] in reason for reason in event["result"]["ignored"]), (key, event["result"])
    assert api.get("/api/v1/messages").json()["count"] == 0
    assert api.get("/api/v1/conversations").json()["count"] == 0


@pytest.mark.parametrize("key", sorted({*MESSAGES, *FOLLOW_UPS}))
def test_captured_message(key, make_channel, hook, api, find_message):
    payload = captured(key)
    channel = _channel(make_channel, payload)
    if key in FOLLOW_UPS:
        wa_id, expected = FOLLOW_UPS[key]
        assert hook(channel, first_message_from(wa_id, number_id(payload)))["status"] == "done"
    event = hook(channel, payload)
    assert event["status"] == "done", event
    (created_id,) = event["result"]["created"]
    (message,) = [m for m in api.get("/api/v1/messages").json()["results"] if m["id"] == created_id]
    if key in FOLLOW_UPS:
        assert message["text"] == expected
        assert message["conversation"] == find_message(f"wamid.FIRST{wa_id}")["conversation"]
        assert message["direction"] == ("out" if key.startswith("outgoing") else "in")
    else:
        assert message["text"] == MESSAGES[key]
        assert message["direction"] == "in"


def test_media_points_at_the_media_id_and_is_not_downloaded(make_channel, hook, find_message):
    payload = captured("message.json:document")
    hook(_channel(make_channel, payload), payload)
    (item,) = find_message("wamid.xyzxyz")["attachments"]
    assert item == {**item, "filename": "filename.pdf", "content_type": "application/pdf",
                    "url": "whatsapp-media:1234567890987654321", "size": 0}


def test_sender_name_number_and_quoted_message_are_kept(make_channel, hook, api, find_message):
    payload = captured("message.json:reply")
    hook(_channel(make_channel, payload), payload)
    message = find_message("wamid.xyzxyz")
    assert message["author"] == "Test Name"
    assert message["reply_to_provider_id"] == "wamid.xyzxyz=="
    contact = api.get(f"/api/v1/conversations/{message['conversation']}").json()["contact"]
    identity = api.get(f"/api/v1/contacts/{contact}").json()["identities"][0]
    assert (identity["kind"], identity["handle"]) == ("whatsapp", "+972987654321")
