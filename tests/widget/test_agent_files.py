"""An agent's reply with files reaches the web chat visitor: listed by the visitor's messages
API and fetched with the visitor's token only. Web chat's own limits apply before queueing."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from heedful.accounts.models import ApiToken
from heedful.conversations.models import Conversation
from heedful.outbound.models import OutboundMessage

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n% order confirmation\n%%EOF\n"


@pytest.fixture
def agent_api(agent_user):
    return Client(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(agent_user)}")


def reply(agent_api, conversation_id, text, *files):
    body = {"text": text, "attachments": [
        {"filename": n, "content_type": t, "content_base64": base64.b64encode(c).decode()} for n, t, c in files]}
    return agent_api.post(f"/api/v1/conversations/{conversation_id}/messages", body, content_type="application/json")


def test_the_visitor_sees_and_downloads_the_agents_file(visitor, agent_api):
    ann = visitor()
    ann.say("Can you send my order confirmation?")
    conversation = Conversation.objects.get()
    response = reply(agent_api, conversation.pk, "Here it is.", ("order-1001.pdf", "application/pdf", PDF))
    assert response.status_code == 201, response.content
    assert OutboundMessage.objects.get().status == "sent"

    agent = [m for m in ann.messages() if m["author"] == "agent"]
    assert [m["text"] for m in agent] == ["Here it is."]
    [file] = agent[0]["attachments"]
    assert (file["filename"], file["content_type"], file["size"]) == ("order-1001.pdf", "application/pdf", len(PDF))
    download = ann.get(file["url"])
    assert download.status_code == 200 and download.getvalue() == PDF
    # Another visitor's token reads nothing of it.
    assert visitor().get(file["url"]).status_code == 404


def test_web_chat_file_limits_are_named(visitor, agent_api):
    visitor().say("hello")
    conversation = Conversation.objects.get()
    too_many = reply(agent_api, conversation.pk, "", *[(f"f{n}.pdf", "application/pdf", PDF) for n in range(11)])
    assert too_many.status_code == 422 and "Web chat takes at most 10 files" in too_many.json()["detail"]
    big = reply(agent_api, conversation.pk, "", ("big.pdf", "application/pdf", b"0" * (10 * 1024 * 1024 + 1)))
    assert big.status_code == 422 and "at most 10.0 MB" in big.json()["detail"]
    assert not OutboundMessage.objects.exists()
