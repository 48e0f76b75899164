"""Subscription handshake, signature check and replay protection of the Graph webhook."""

from __future__ import annotations

import json

import pytest

from .meta_hooks import APP_SECRET, VERIFY_TOKEN, cases, sign

TEXT = cases("facebook_cases.json")["text"]


@pytest.mark.parametrize("channel_name", ["facebook", "instagram"])
def test_handshake_echoes_the_challenge_when_the_verify_token_matches(client, request, channel_name):
    channel = request.getfixturevalue(channel_name)
    response = client.get(f"/hooks/meta/{channel.pk}", {"hub.mode": "subscribe",
                                                         "hub.verify_token": VERIFY_TOKEN,
                                                         "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert response.content == b"1158201444"


@pytest.mark.parametrize("query", [
    {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
])
def test_handshake_refuses_anything_else(client, facebook, query):
    response = client.get(f"/hooks/meta/{facebook.pk}", query)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_handshake_refused_when_the_channel_has_no_verify_token(client, make_channel):
    channel = make_channel("facebook", {"page_id": "1", "app_secret": APP_SECRET})
    response = client.get(f"/hooks/meta/{channel.pk}", {"hub.mode": "subscribe", "hub.verify_token": "",
                                                         "hub.challenge": "42"})
    assert response.status_code == 403


@pytest.mark.parametrize("signature", [
    None,  # missing header
    "sha256=" + "0" * 64,
    "sha1=deadbeef",
    "PLACEHOLDER_WRONG_SECRET",
])
def test_bad_signatures_are_refused_and_nothing_is_processed(post_hook, api, facebook, signature):
    body = json.dumps(TEXT).encode()
    if signature == "PLACEHOLDER_WRONG_SECRET":
        signature = sign(body, "another-app-secret")
    response = post_hook(facebook, body, signature=signature, signed=signature is not None)
    assert response.status_code in (401, 403)
    assert api.get("/api/v1/inbound-events").json()["count"] == 0
    assert api.get("/api/v1/messages", {"provider_message_id": "m_fb_text_1"}).json()["count"] == 0


def test_signature_covers_the_exact_bytes(post_hook, api, facebook):
    body = json.dumps(TEXT).encode()
    tampered = body.replace(b"never arrived", b"arrived fine!")
    response = post_hook(facebook, tampered, signature=sign(body))
    assert response.status_code == 401
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_replaying_the_same_body_creates_nothing_new(post_hook, api, facebook):
    body = json.dumps(TEXT).encode()
    first = post_hook(facebook, body)
    again = post_hook(facebook, body)
    assert first.status_code == again.status_code == 200
    assert first.json()["duplicate"] is False
    assert again.json() == {**first.json(), "duplicate": True}
    assert api.get("/api/v1/messages", {"provider_message_id": "m_fb_text_1"}).json()["count"] == 1
    assert api.get("/api/v1/conversations").json()["count"] == 1


def test_same_message_in_a_new_body_is_deduplicated_by_message_id(hook, api, facebook):
    hook(facebook, TEXT)
    redelivered = {**TEXT, "entry": [{**TEXT["entry"][0], "time": TEXT["entry"][0]["time"] + 1}]}
    event = hook(facebook, redelivered)
    assert event["result"]["duplicates"] == 1
    assert event["result"]["created"] == []
    assert api.get("/api/v1/messages", {"provider_message_id": "m_fb_text_1"}).json()["count"] == 1


def test_a_body_that_is_not_json_is_stored_and_marked_failed(hook, facebook):
    event = hook(facebook, b"{not json")
    assert event["status"] == "failed"
    assert "not JSON" in event["last_error"]


def test_an_instagram_body_posted_to_a_facebook_channel_is_ignored(hook, facebook):
    event = hook(facebook, cases("instagram_cases.json")["dm"])
    assert event["status"] == "ignored"
    assert "expects page" in event["result"]["ignored"][0]
