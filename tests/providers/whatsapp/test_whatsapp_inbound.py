"""WhatsApp Cloud API webhooks through the real endpoint and pipeline (own fixtures)."""

from __future__ import annotations

import pytest

from tests.providers.meta.meta_hooks import VERIFY_TOKEN

from .whatsapp_hooks import cases

WA = cases()


def test_handshake_echoes_the_challenge(client, whatsapp):
    ok = client.get(f"/hooks/meta/{whatsapp.pk}", {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                    "hub.challenge": "314159"})
    assert (ok.status_code, ok.content) == (200, b"314159")
    refused = client.get(f"/hooks/meta/{whatsapp.pk}", {"hub.mode": "subscribe", "hub.verify_token": "nope",
                                                         "hub.challenge": "314159"})
    assert refused.status_code == 403


def test_unsigned_or_missigned_bodies_are_refused(post_hook, api, whatsapp):
    assert post_hook(whatsapp, WA["text"], signed=False).status_code == 401
    assert post_hook(whatsapp, WA["text"], signature="sha256=" + "ab" * 32).status_code == 401
    assert api.get("/api/v1/inbound-events").json()["count"] == 0


def test_text_opens_a_conversation_for_the_e164_number(hook, api, whatsapp, find_message):
    event = hook(whatsapp, WA["text"])
    assert event["status"] == "done", event
    message = find_message("wamid.TEXT001")
    assert message["text"] == "Hi, my washing machine leaks"
    assert message["author"] == "Priya Shah"
    conversation = api.get(f"/api/v1/conversations/{message['conversation']}").json()
    assert conversation["public"] is False
    identity = api.get(f"/api/v1/contacts/{conversation['contact']}").json()["identities"][0]
    assert (identity["kind"], identity["handle"], identity["display_name"]) == (
        "whatsapp", "+447700900123", "Priya Shah")


@pytest.mark.parametrize("case, mid, text, attachment", [
    ("image_caption", "wamid.IMAGE001", "Water under the door", ("image/jpeg", "whatsapp-media:1480000000000001")),
    ("document", "wamid.DOC001", "[Document: receipt-2023.pdf]", ("application/pdf", "whatsapp-media:1480000000000002")),
    ("voice", "wamid.VOICE001", "[Voice message]", ("audio/ogg", "whatsapp-media:1480000000000003")),
    ("location", "wamid.LOC001", "Location: Home, 1 Example Road, London (51.5033, -0.1196)", None),
    ("button", "wamid.BUTTON001", "Book an engineer", None),
    ("button_reply", "wamid.BREPLY001", "Morning", None),
])
def test_each_message_type_reads_sensibly_and_joins_the_thread(hook, whatsapp, find_message, case, mid, text,
                                                                attachment):
    hook(whatsapp, WA["text"])
    event = hook(whatsapp, WA[case])
    assert len(event["result"]["created"]) == 1, event
    message = find_message(mid)
    assert message["text"] == text
    assert message["conversation"] == find_message("wamid.TEXT001")["conversation"]
    if attachment:
        (item,) = message["attachments"]
        assert (item["content_type"], item["url"]) == attachment
    else:
        assert message["attachments"] == []


def test_a_reaction_is_kept_but_never_reopens_the_conversation(hook, api, whatsapp, find_message):
    hook(whatsapp, WA["text"])
    conversation = find_message("wamid.TEXT001")["conversation"]
    api.post(f"/api/v1/conversations/{conversation}/resolve")
    hook(whatsapp, WA["reaction"])
    reaction = find_message("wamid.REACT001")
    assert reaction["text"] == "Reacted \N{THUMBS UP SIGN}" and reaction["automated"] is True
    assert reaction["conversation"] == conversation
    assert api.get(f"/api/v1/conversations/{conversation}").json()["status"] == "resolved"


def test_a_system_notice_alone_opens_nothing(hook, api, whatsapp):
    event = hook(whatsapp, WA["system"])
    assert event["status"] == "ignored"
    assert api.get("/api/v1/conversations").json()["count"] == 0


@pytest.mark.parametrize("case, reason", [
    ("other_number", "not this channel's"),
    ("template_status", "account or template notice"),
    ("unknown_status", "'deleted' is not tracked"),
])
def test_notices_and_foreign_events_are_ignored(hook, api, whatsapp, case, reason):
    event = hook(whatsapp, WA[case])
    assert event["status"] == "ignored"
    assert any(reason in r for r in event["result"]["ignored"]), event["result"]
    assert api.get("/api/v1/conversations").json()["count"] == 0
