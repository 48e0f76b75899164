"""The visitor API: sessions, sending, reading only one's own chat, origins, limits."""

from __future__ import annotations

import pytest

from heedful.contacts.models import Identity
from heedful.conversations.models import Conversation, Message
from heedful.ingestion.models import InboundEvent
from heedful.outbound.replies import reply
from heedful.widget import tokens
from tests.widget.conftest import SITE

pytestmark = pytest.mark.django_db


def test_a_visitor_message_lands_in_the_queue_and_the_agent_reply_comes_back(visitor, agent_user):
    ann = visitor()
    assert ann.session["channel"]["greeting"] == "Hi! How can we help?"
    sent = ann.say("Where is my order 981?", name="Ann")
    event = InboundEvent.objects.get(pk=sent["event"])
    assert event.provider == "webchat" and event.status == "done"  # stored raw, then the pipeline
    conversation = Conversation.objects.get()
    assert conversation.channel.provider == "webchat" and conversation.contact.name == "Ann"
    assert Identity.objects.get(kind="webchat").contact == conversation.contact

    reply(agent_user, conversation, "It left our warehouse this morning.")
    shown = ann.messages()
    assert [(m["author"], m["text"]) for m in shown] == [
        ("visitor", "Where is my order 981?"), ("agent", "It left our warehouse this morning.")]
    assert shown[0]["client_id"] == sent["client_id"]
    assert shown[1]["name"] == "Alice" and shown[1]["status"] == "sent"


def test_a_repeated_client_id_creates_nothing_new(visitor):
    ann = visitor()
    body = {"text": "hello", "client_id": "same-id-123"}
    first, again = ann.post("/widget/v1/messages", body), ann.post("/widget/v1/messages", body)
    assert first.status_code == again.status_code == 202
    assert again.json()["duplicate"] is True
    assert Message.objects.count() == 1 and InboundEvent.objects.count() == 1


def test_a_second_visitor_sees_nothing_of_the_first(visitor, agent_user):
    ann, bob = visitor(), visitor()
    ann.say("My card number is on the invoice")
    reply(agent_user, Conversation.objects.get(), "Thanks Ann")
    assert bob.messages() == []
    bob.say("Hello from Bob")
    assert [m["text"] for m in bob.messages()] == ["Hello from Bob"]
    assert [m["text"] for m in ann.messages()] == ["My card number is on the invoice", "Thanks Ann"]
    assert Conversation.objects.count() == 2


def test_notes_and_unreleased_replies_are_not_shown(visitor, agent_user):
    from heedful.conversations import actions

    ann = visitor()
    ann.say("Hi")
    conversation = Conversation.objects.get()
    actions.add_note(agent_user, conversation, "internal: VIP customer")
    assert [m["text"] for m in ann.messages()] == ["Hi"]


@pytest.mark.parametrize("token", ["", "Bearer", "Bearer nonsense", "Token abc"])
def test_a_missing_or_forged_token_gets_401(visitor, token):
    ann = visitor()
    ann.say("private")
    forged = ann.token[:-4] + ("AAAA" if not ann.token.endswith("AAAA") else "BBBB")
    for value in (token, f"Bearer {forged}"):
        headers = {"HTTP_ORIGIN": SITE, **({"HTTP_AUTHORIZATION": value} if value else {})}
        for path in ("/widget/v1/messages", "/widget/v1/stream"):
            assert ann.client.get(path, **headers).status_code == 401
        assert ann.client.post("/widget/v1/messages", {"text": "x"}, content_type="application/json",
                               **headers).status_code == 401
    assert Message.objects.count() == 1


def test_a_token_for_a_handle_the_visitor_does_not_own_is_refused(visitor, settings):
    """The token is the only claim: changing the handle inside it breaks the signature."""
    ann = visitor()
    ann.say("mine")
    data = tokens.read(ann.token)
    settings.SECRET_KEY = "someone-elses-key"  # a token signed with any other key
    forged = tokens.issue(tokens.Visitor(channel_id=data.channel_id, handle=data.handle))
    settings.SECRET_KEY = "insecure-embedded-default-change-me"
    assert ann.get("/widget/v1/messages", token=forged).status_code == 401


def test_another_site_is_refused_and_gets_no_cors_grant(client, webchat, visitor):
    ann = visitor()
    response = ann.client.get("/widget/v1/messages", HTTP_ORIGIN="https://evil.example",
                              HTTP_AUTHORIZATION=f"Bearer {ann.token}")
    assert response.status_code == 403 and "Access-Control-Allow-Origin" not in response
    ok = ann.get("/widget/v1/messages")
    assert ok.status_code == 200 and ok["Access-Control-Allow-Origin"] == SITE
    preflight = client.options("/widget/v1/messages", HTTP_ORIGIN=SITE,
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204 and "Authorization" in preflight["Access-Control-Allow-Headers"]
    from heedful.channels.providers.webchat.provider import public_key

    session = client.post("/widget/v1/sessions", {"channel": public_key(webchat)}, content_type="application/json",
                          HTTP_ORIGIN="https://evil.example")
    assert session.status_code == 403


def test_an_unknown_channel_key_is_not_found(client, webchat):
    response = client.post("/widget/v1/sessions", {"channel": f"{webchat.pk}.forged"},
                           content_type="application/json", HTTP_ORIGIN=SITE)
    assert response.status_code == 404


def test_a_token_for_one_channel_reads_nothing_on_another(client, make_channel, visitor):
    ann = visitor()
    ann.say("on the first channel")
    other = make_channel("webchat", {}, {"allowed_origins": ["*"]})
    from tests.widget.conftest import Visitor

    cy = Visitor(client, other)
    assert cy.messages() == []
    hybrid = tokens.issue(tokens.Visitor(channel_id=other.pk, handle=tokens.read(ann.token).handle))
    # Even a validly signed token naming the first visitor's handle on another channel reads nothing.
    assert cy.get("/widget/v1/messages", token=hybrid).json()["results"] == []


def test_too_many_messages_get_429_with_retry_after(visitor, settings):
    settings.HEEDFUL_WIDGET_LIMITS = {"message_visitor": 3}
    ann = visitor()
    for n in range(3):
        ann.say(f"message {n}")
    response = ann.post("/widget/v1/messages", {"text": "one more", "client_id": "client-over-limit"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    assert Message.objects.count() == 3


def test_too_many_sessions_from_one_address_get_429(client, webchat, settings):
    from heedful.channels.providers.webchat.provider import public_key

    settings.HEEDFUL_WIDGET_LIMITS = {"session_ip": 2}
    statuses = [client.post("/widget/v1/sessions", {"channel": public_key(webchat)},
                            content_type="application/json", HTTP_ORIGIN=SITE).status_code for _ in range(3)]
    assert statuses == [201, 201, 429]


def test_bad_bodies_are_400(visitor):
    ann = visitor()
    for body in ({"text": ""}, {"text": 5}, {"text": "x" * 5001}, {"text": "hi", "client_id": "<script>"},
                 {"text": "hi", "email": "not-an-email"}):
        assert ann.post("/widget/v1/messages", body).status_code == 400, body
    assert Message.objects.count() == 0


def test_the_webhook_path_refuses_web_chat(client, webchat):
    response = client.post(f"/hooks/webchat/{webchat.pk}", b'{"id":"x","visitor":"1.a","text":"hi"}',
                           content_type="application/json")
    assert response.status_code == 401 and InboundEvent.objects.count() == 0


def test_the_channel_json_carries_the_embed_snippet(api, webchat, settings):
    from heedful.channels.providers.webchat.provider import public_key

    data = api.get(f"/api/v1/channels/{webchat.pk}").json()
    assert data["embed"] == (f'<script src="{settings.HEEDFUL_BASE_URL}/widget.js" '
                             f'data-channel="{public_key(webchat)}" async></script>')
    created = api.post("/api/v1/channels", {"provider": "webchat", "name": "Site", "credentials": {
        "identity_secret": "s3"}, "settings": {"allowed_origins": [SITE]}}, content_type="application/json")
    assert created.status_code == 201 and 'data-channel="' in created.json()["embed"]
    bad = api.post("/api/v1/channels", {"provider": "webchat", "name": "Site", "credentials": {"secret": "s"}},
                   content_type="application/json")
    assert bad.status_code == 422
