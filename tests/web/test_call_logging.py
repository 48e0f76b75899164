"""Logging a phone call from the contact page and the conversation page (workspace HTTP)."""

from __future__ import annotations

import pytest

from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation, Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(client, agent):
    client.force_login(agent)
    return client


def test_the_contact_page_logs_a_call_into_the_phone_thread(desk):
    ann = Contact.objects.create(name="Ann")
    page = desk.get(f"/contacts/{ann.pk}/").content.decode()
    assert 'data-heedful="log-call"' in page and f'action="/contacts/{ann.pk}/calls/"' in page
    response = desk.post(f"/contacts/{ann.pk}/calls/", {"direction": "outbound", "outcome": "answered",
                                                        "minutes": "3", "seconds": "7", "topic": "billing",
                                                        "notes": "<script>alert(1)</script> called back"})
    conversation = Conversation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/conversations/{conversation.pk}/"
    message = Message.objects.get()
    assert message.metadata["call"]["duration_seconds"] == 187 and message.direction == "out"
    shown = desk.get(f"/conversations/{conversation.pk}/").content.decode()
    assert "Outbound call, answered (3m 07s)" in shown
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;" in shown  # notes are text
    assert 'data-heedful="log-call"' in shown  # the conversation page logs calls too
    assert "Phone" in desk.get(f"/contacts/{ann.pk}/").content.decode()  # in the timeline


def test_a_wrong_value_logs_nothing_and_says_why(desk):
    ann = Contact.objects.create(name="Ann")
    response = desk.post(f"/contacts/{ann.pk}/calls/", {"direction": "inbound", "outcome": "maybe"},
                         HTTP_HX_REQUEST="true")
    assert response.status_code == 400 and "outcome" in response.content.decode()
    assert not Message.objects.exists()


def test_logging_needs_a_post(desk):
    ann = Contact.objects.create(name="Ann")
    assert desk.get(f"/contacts/{ann.pk}/calls/").status_code == 405
