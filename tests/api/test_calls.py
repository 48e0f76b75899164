"""Logged phone calls through the API: they land in the contact's phone thread, show in the
timeline, count as the `phone` channel in the reports, and refuse wrong values."""

from __future__ import annotations

import pytest

from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    return Contact.objects.create(name="Ann Caller")


def log(api, contact, **body):
    return api.post(f"/api/v1/contacts/{contact.pk}/calls", body, content_type="application/json")


def test_a_logged_call_joins_the_contacts_phone_thread_and_timeline(api, ann):
    first = log(api, ann, direction="inbound", outcome="answered", duration_seconds=245,
                notes="Wants a refund for order 77", topic="refund")
    assert first.status_code == 201, first.content
    call = first.json()
    assert (call["direction"], call["outcome"], call["duration_seconds"], call["topic"]) == \
        ("inbound", "answered", 245, "refund")
    assert call["text"] == "Inbound call, answered (4m 05s)\n\nWants a refund for order 77"
    again = log(api, ann, direction="outbound", outcome="voicemail").json()
    assert again["conversation"] == call["conversation"]  # one running phone thread per contact
    conversation = Conversation.objects.get(pk=call["conversation"])
    assert conversation.channel.provider == "phone" and conversation.contact == ann
    assert list(conversation.labels.values_list("name", flat=True)) == ["refund"]
    assert [m.direction for m in Message.objects.order_by("pk")] == ["in", "out"]
    timeline = api.get(f"/api/v1/contacts/{ann.pk}").json()["timeline"]
    assert [(t["id"], t["provider"]) for t in timeline] == [(conversation.pk, "phone")]
    listed = api.get(f"/api/v1/contacts/{ann.pk}/calls").json()
    assert listed["count"] == 2 and listed["results"][0]["outcome"] == "voicemail"


def test_phone_calls_are_a_phone_row_in_the_reports(api, ann):
    log(api, ann, direction="inbound", outcome="answered", duration_seconds=60)
    conversation = Conversation.objects.get()
    api.post(f"/api/v1/conversations/{conversation.pk}/resolve")
    rows = api.get("/api/v1/reports/resolution").json()["rows"]
    [phone] = [r for r in rows if r["channel"] == "phone"]
    assert phone["conversations"] == 1 and phone["resolved"] == 1


def test_a_written_reply_on_a_phone_thread_is_refused(api, ann):
    log(api, ann, direction="inbound", outcome="missed")
    conversation = Conversation.objects.get()
    response = api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "hi"},
                        content_type="application/json")
    assert response.status_code == 400 and "log the call" in response.json()["detail"]


@pytest.mark.parametrize("body", [
    {"direction": "sideways", "outcome": "answered"},
    {"direction": "inbound", "outcome": "hung up"},
    {"direction": "inbound", "outcome": "answered", "duration_seconds": -5},
    {"direction": "inbound", "outcome": "answered", "recording": "x"},  # unknown field: 422
    {"direction": "inbound", "outcome": "answered", "at": "2999-01-01T00:00:00Z"},
])
def test_wrong_values_are_refused_and_nothing_is_logged(api, ann, body):
    assert log(api, ann, **body).status_code in (400, 422)
    assert not Message.objects.exists()


def test_an_unknown_contact_is_not_found(api, ann):
    assert api.post("/api/v1/contacts/999999/calls", {"direction": "inbound", "outcome": "missed"},
                    content_type="application/json").status_code == 404


def test_the_call_body_is_documented_in_the_openapi_schema(api):
    schema = api.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/contacts/{contact_id}/calls"]["post"]["requestBody"]
    properties = body["content"]["application/json"]["schema"]["properties"]
    assert {"direction", "outcome", "duration_seconds", "notes", "topic", "at"} <= set(properties)
