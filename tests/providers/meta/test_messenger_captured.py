"""Replay Messenger callbacks captured from the live platform through the real endpoint.

Most captured files hold one `messaging[]` event: each is wrapped in the page envelope Meta
sends around it. Two files list the variants of a sub-object (payment credentials, policy
enforcement actions): each variant is wrapped in its event, then in the envelope.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.conftest import shared_data

from .meta_hooks import APP_SECRET, PAGE_TOKEN, VERIFY_TOKEN

PAGE = "234554838031189"
CUSTOMER = "1739141089378194"

# file -> (what it becomes, text or reason it must produce)
EXPECTED = {
    "account_linking_callback.json": ("ignored", "account linking"),
    "app_role_callback.json": ("ignored", "app roles changed"),
    "attachment_callback_fallback.json": ("message", "Shared a link: Check us out! https://www.facebook.com/Thisisus/"),
    "attachment_callback_location.json": ("message", "Location: Someone's Location (52.376232, 4.838296)"),
    "attachment_callback_template.json": ("message", "Shared: <SOME_TITLE> https://www.example.com/"),
    "checkout_update.json": ("ignored", "checkout update"),
    "delivery_callback.json": ("status", "delivered"),
    "echo_callback_fallback.json": ("echo", "some optional text\nShared a link: <FALLBACK TITLE>"),
    "echo_callback_text.json": ("echo", "test test"),
    "pass_thread_control.json": ("ignored", "thread control passed"),
    "payment_credential_types.json": ("ignored", "payment callback"),
    "policy_enforcement_types.json": ("ignored", "policy enforcement"),
    "postback_callback_referral.json": ("message", "Aan de slag"),
    "pre_checkout_callback.json": ("ignored", "pre-checkout"),
    "referral_callback.json": ("ignored", "referral"),
    "regular_text_callback.json": ("message", "This is a text message"),
    "standby_callback.json": ("ignored", "standby"),
    "text_callback_prior_message.json": ("message", "Thanks for messaging me!"),
}


def envelope(events: list[dict]) -> dict:
    return {"object": "page", "entry": [{"id": PAGE, "time": 1700000000000, "messaging": events}]}


def captured(name: str) -> list[bytes]:
    """The bodies to post for one captured file (comment line stripped)."""
    text = shared_data("webhooks", "meta_messenger", name).read_text()
    data = json.loads(text.split("\n", 1)[1] if text.startswith("#") else text)
    if isinstance(data, dict) and "object" in data:
        return [json.dumps(data).encode()]
    if name == "payment_credential_types.json":
        events = [{"sender": {"id": CUSTOMER}, "recipient": {"id": PAGE}, "timestamp": 1473208792799,
                   "payment": {"payload": "DEVELOPER_DEFINED_PAYLOAD", "payment_credential": variant,
                               "amount": {"currency": "USD", "amount": "2.70"}}} for variant in data]
    elif name == "policy_enforcement_types.json":
        events = [{"recipient": {"id": PAGE}, "timestamp": 1458692752478, "policy-enforcement": variant}
                  for variant in data]
    else:
        events = [data]
    return [json.dumps(envelope([event])).encode() for event in events]


@pytest.fixture
def page(make_channel):
    return make_channel("facebook", {"page_id": PAGE, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN,
                                     "page_access_token": PAGE_TOKEN}, name="Captured Page")


def test_every_captured_file_has_an_expectation():
    folder = shared_data("webhooks", "meta_messenger")
    assert {p.name for p in folder.glob("*.json")} == set(EXPECTED)


def _customer_writes_now(hook, page, mid="m_prelude_now") -> None:
    now_ms = int(time.time() * 1000)
    event = hook(page, envelope([{"sender": {"id": CUSTOMER}, "recipient": {"id": PAGE}, "timestamp": now_ms,
                                  "message": {"mid": mid, "text": "Hello, anyone there?"}}]))
    assert event["status"] == "done"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_captured_callback(name, hook, api, page, find_message):
    kind, expected = EXPECTED[name]
    if kind in ("echo", "status"):
        _customer_writes_now(hook, page)  # an echo or a receipt needs a conversation to land in
    if kind == "status":
        with _fake_for(page) as fake:
            fake.answer_with_ids("mid.1488128564673:5e67fce3a6")
            conversation = find_message("m_prelude_now")["conversation"]
            sent = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "We are here."},
                            content_type="application/json").json()
            assert sent["delivery_status"] in ("queued", "sent")
    events = [hook(page, body) for body in captured(name)]
    for event in events:
        assert event["status"] in ("done", "ignored"), event
        if kind == "ignored":
            assert event["status"] == "ignored"
            assert any(expected in reason for reason in event["result"]["ignored"]), event["result"]
    if kind == "ignored":
        assert api.get("/api/v1/messages").json()["count"] == 0
    elif kind == "status":
        assert events[0]["result"]["statuses"] == 1
        assert find_message("mid.1488128564673:5e67fce3a6")["delivery_status"] == "delivered"
    else:
        (event,) = events
        assert len(event["result"]["created"]) == 1
        (created,) = [m for m in api.get("/api/v1/messages").json()["results"]
                      if m["id"] == event["result"]["created"][0]]
        assert created["text"] == expected
        assert created["direction"] == ("out" if kind == "echo" else "in")
        if kind == "echo":
            assert created["conversation"] == find_message("m_prelude_now")["conversation"]


def _fake_for(channel):
    from heedful.channels.providers.meta.fake import FakeGraphAPI

    fake = FakeGraphAPI(token=PAGE_TOKEN)
    channel.settings = {"api_base_url": fake.base_url}
    channel.save()
    return fake
