"""The ingestion pipeline end to end, through the API channel's public endpoint."""

import json

import pytest

from heedful.conversations.models import Conversation, Message
from heedful.ingestion.models import EventStatus, InboundEvent

TOKEN = "inbound-secret-token"


@pytest.fixture
def channel(make_channel):
    return make_channel("api", {"inbound_token": TOKEN, "outbound_url": "", "signing_secret": "s3cret"})


def post(client, channel, body, token=TOKEN):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post(f"/api/v1/channels/{channel.pk}/messages", raw, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}")


def message(mid, text="My order never arrived", **extra):
    return {"id": mid, "from": {"id": "u-42", "name": "Ann Kay"}, "text": text, **extra}


def test_message_becomes_conversation(client, channel):
    response = post(client, channel, message("m-1"))
    assert response.status_code == 200
    assert response.json()["duplicate"] is False
    conversation = Conversation.objects.get()
    assert conversation.contact.name == "Ann Kay"
    msg = conversation.messages.get()
    assert (msg.text, msg.direction, msg.provider_message_id) == ("My order never arrived", "in", "m-1")
    assert msg.sentiment is not None
    event = InboundEvent.objects.get()
    assert event.status == EventStatus.DONE
    assert msg.inbound_event_id == event.pk == response.json()["event_id"]


def test_replayed_message_creates_nothing_new(client, channel):
    assert post(client, channel, message("m-1")).status_code == 200
    second = post(client, channel, message("m-1"))
    assert second.status_code == 200 and second.json()["duplicate"] is True
    assert Message.objects.count() == 1
    assert InboundEvent.objects.count() == 1


def test_wrong_token_is_refused_and_nothing_stored(client, channel):
    response = post(client, channel, message("m-1"), token="wrong")
    assert response.status_code == 401
    assert InboundEvent.objects.count() == 0 and Message.objects.count() == 0


def test_unknown_channel_is_404(client, db):
    assert client.post("/hooks/api/999", b"{}", content_type="application/json").status_code == 404


def test_thread_key_and_reply_ids_keep_one_conversation(client, channel):
    post(client, channel, message("m-1", thread="order-9"))
    post(client, channel, message("m-2", text="Any news?", thread="order-9"))
    post(client, channel, message("m-3", text="Hello again", in_reply_to="m-2"))
    assert Conversation.objects.count() == 1
    assert Conversation.objects.get().messages_count == 3


def test_bad_payload_is_stored_and_visible_as_failed_then_retryable(client, channel, api):
    response = post(client, channel, b'{"id": "m-9", "text": "no sender"}')
    assert response.status_code == 200  # acknowledged: the raw body is kept
    event = InboundEvent.objects.get()
    assert bytes(event.raw) == b'{"id": "m-9", "text": "no sender"}'
    assert event.status == EventStatus.FAILED
    failed = api.get("/api/v1/inbound-events?status=failed").json()
    assert failed["count"] == 1
    assert "from" in failed["results"][0]["last_error"]
    retried = api.post(f"/api/v1/inbound-events/{event.pk}/retry").json()
    assert retried["status"] == "failed" and retried["attempts"] == 1  # same bytes fail again, visibly


def test_conversation_api_shape(client, channel, api):
    post(client, channel, message("m-1"))
    conversation = Conversation.objects.get()
    body = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    for key in ("id", "channel", "contact", "status", "priority", "public", "assignee", "team",
                "messages_count", "created_at", "last_activity_at"):
        assert key in body
    found = api.get("/api/v1/messages?provider_message_id=m-1").json()
    assert found["count"] == 1 and found["results"][0]["text"] == "My order never arrived"
    contact = api.get(f"/api/v1/contacts/{conversation.contact_id}").json()
    assert contact["identities"][0]["handle"] == "u-42"
    assert [c["id"] for c in contact["timeline"]] == [conversation.pk]


def test_resolve_reopen_assign_and_notes(client, channel, api, agent):
    post(client, channel, message("m-1"))
    cid = Conversation.objects.get().pk
    assert api.post(f"/api/v1/conversations/{cid}/resolve").json()["status"] == "resolved"
    assert api.post(f"/api/v1/conversations/{cid}/reopen").json()["status"] == "open"
    assigned = api.post(f"/api/v1/conversations/{cid}/assign", {"assignee": agent.pk},
                        content_type="application/json").json()
    assert assigned["assignee"] == agent.pk
    note = api.post(f"/api/v1/conversations/{cid}/notes", {"text": "VIP customer"},
                    content_type="application/json")
    assert note.status_code == 201
    assert api.get(f"/api/v1/conversations/{cid}/notes").json()["results"][0]["text"] == "VIP customer"


def test_customer_message_reopens_resolved_conversation(client, channel, api):
    post(client, channel, message("m-1", thread="t"))
    cid = Conversation.objects.get().pk
    api.post(f"/api/v1/conversations/{cid}/resolve")
    post(client, channel, message("m-2", text="Still broken", in_reply_to="m-1"))
    assert Conversation.objects.get(pk=cid).status == "open"


def test_search_finds_conversation_by_message_words(client, channel, api):
    post(client, channel, message("m-1", text="The blender arrived broken"))
    post(client, channel, {"id": "m-2", "from": {"id": "u-7", "name": "Bo"}, "text": "Where is my refund?"})
    found = api.get("/api/v1/conversations?q=blender").json()
    assert [c["preview"] for c in found["results"]] == ["The blender arrived broken"]
    assert api.get("/api/v1/conversations?q=refund").json()["count"] == 1
    assert api.get("/api/v1/conversations?q=nothing-like-this").json()["count"] == 0
