"""The Meta webhook over real HTTP: a live server, a real client, real sockets."""

from __future__ import annotations

import json

import httpx

from .meta_hooks import VERIFY_TOKEN, cases, sign


def test_handshake_and_signed_message_over_http(live_server, facebook, api):
    url = f"{live_server.url}/hooks/meta/{facebook.pk}"
    challenge = httpx.get(url, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                       "hub.challenge": "8731"})
    assert (challenge.status_code, challenge.text) == (200, "8731")

    body = json.dumps(cases("facebook_cases.json")["comment"]).encode()
    refused = httpx.post(url, content=body, headers={"Content-Type": "application/json"})
    assert refused.status_code == 401
    accepted = httpx.post(url, content=body, headers={"Content-Type": "application/json",
                                                      "X-Hub-Signature-256": sign(body)})
    assert accepted.status_code == 200 and accepted.json()["duplicate"] is False

    found = api.get("/api/v1/messages", {"provider_message_id": "777_9001"}).json()["results"]
    assert [m["text"] for m in found] == ["Still no refund after 3 weeks. Terrible!"]
    assert found[0]["public"] is True
