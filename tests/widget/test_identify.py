"""Heedful.identify: a valid brand hash joins the visitor to the brand user's contact and shows
their earlier chats; a wrong one attaches nothing."""

from __future__ import annotations

import pytest

from heedful.contacts.models import Contact, Identity
from heedful.conversations.models import Conversation, Status
from heedful.outbound.replies import reply
from heedful.widget.tokens import expected_hash
from tests.contacts.support import channel, ingest, message
from tests.widget.conftest import SECRET, Visitor

pytestmark = pytest.mark.django_db


def identity(user_id="u-42", email="ann@example.com", *, hash_=None):
    return {"id": user_id, "email": email, "name": "Ann Kay",
            "hash": expected_hash(SECRET, user_id) if hash_ is None else hash_}


@pytest.fixture
def ann_by_email(db):
    ingest(channel("email"), message("email", "ann@example.com", "My parcel never arrived", name="Ann Kay"))
    return Identity.objects.get(kind="email", handle="ann@example.com").contact


def live_contacts():
    return Contact.objects.filter(merged_into__isnull=True, erased_at__isnull=True)


def test_a_valid_hash_links_the_visitor_to_the_existing_contact(client, webchat, ann_by_email):
    ann = Visitor(client, webchat, identity=identity())
    assert ann.session["verified"] is True
    ann.say("Hi, it's me again")
    visitor = Identity.objects.get(kind="webchat")
    assert visitor.handle == f"{webchat.pk}.u.u-42" and visitor.linked_via == ""
    assert live_contacts().count() == 1  # the visitor's contact was merged into Ann's
    assert Identity.objects.get(kind="webchat").contact == Identity.objects.get(kind="email").contact
    message_row = Conversation.objects.get(channel=webchat).messages.get()
    assert message_row.metadata["verified_email"] == "ann@example.com"


@pytest.mark.parametrize("bad", ["0" * 64, expected_hash("another-secret", "u-42"), "", "not hex"])
def test_a_wrong_hash_is_refused_and_attaches_no_email(client, webchat, ann_by_email, bad):
    response = client.post("/widget/v1/sessions", {"channel": _key(webchat), "identity": identity(hash_=bad)},
                           content_type="application/json", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 401
    ann = Visitor(client, webchat)  # carries on anonymously, typing the email by hand
    ann.say("Hello, it is about my parcel", email="ann@example.com")
    assert live_contacts().count() == 2
    visitor = Identity.objects.get(kind="webchat")
    assert visitor.contact != ann_by_email
    assert not Identity.objects.filter(kind="email", contact=visitor.contact).exists()
    assert "verified_email" not in Conversation.objects.get(channel=webchat).messages.get().metadata


def test_a_hash_for_another_user_id_is_refused(client, webchat):
    claim = {**identity(), "hash": expected_hash(SECRET, "someone-else")}
    response = client.post("/widget/v1/sessions", {"channel": _key(webchat), "identity": claim},
                           content_type="application/json", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 401


def test_a_channel_without_identity_secret_verifies_nobody(client, make_channel):
    bare = make_channel("webchat", {}, {"allowed_origins": ["*"]})
    response = client.post("/widget/v1/sessions", {"channel": _key(bare), "identity": {
        "id": "u-1", "hash": expected_hash("", "u-1")}}, content_type="application/json")
    assert response.status_code == 401


def test_a_verified_visitor_sees_their_earlier_chats_on_a_new_device(client, webchat, agent_user):
    laptop = Visitor(client, webchat, identity=identity())
    laptop.say("Order 981 is wrong")
    first = Conversation.objects.get(channel=webchat)
    reply(agent_user, first, "Fixed, sorry!")
    first.status = Status.RESOLVED
    first.save(update_fields=["status"])

    phone = Visitor(client, webchat, identity=identity())  # another browser, no stored token
    assert [m["text"] for m in phone.messages()] == ["Order 981 is wrong", "Fixed, sorry!"]
    phone.say("One more question")
    assert Conversation.objects.filter(channel=webchat).count() == 2  # the resolved one stays closed
    assert [m["text"] for m in laptop.messages()][-1] == "One more question"
    stranger = Visitor(client, webchat)
    assert stranger.messages() == []


def test_identify_after_an_anonymous_chat_keeps_that_chat(client, webchat):
    ann = Visitor(client, webchat)
    ann.say("Anonymous question")
    response = ann.post("/widget/v1/sessions", {"channel": _key(webchat), "identity": identity()})
    assert response.status_code == 201
    ann.token = response.json()["token"]
    ann.say("Now logged in")
    assert [m["text"] for m in ann.messages()] == ["Anonymous question", "Now logged in"]


def _key(channel_):
    from heedful.channels.providers.webchat.provider import public_key

    return public_key(channel_)


def test_a_user_id_too_long_to_keep_whole_is_refused(client, webchat):
    long_id = "u" * 151
    claim = identity(user_id=long_id)
    response = client.post("/widget/v1/sessions", {"channel": _key(webchat), "identity": claim},
                           content_type="application/json", HTTP_ORIGIN="https://shop.example")
    assert response.status_code == 401  # even with a valid hash: never cut into another user's id


def test_an_email_typed_into_the_chat_is_only_a_suggestion(client, webchat, ann_by_email):
    """"My email is ..." links at once on channels whose sender is known; an anonymous visitor
    can type anyone's address, so an agent decides."""
    from heedful.contacts.models import LinkSuggestion

    visitor = Visitor(client, webchat)
    visitor.say("Hi, my email is ann@example.com")
    chat = Identity.objects.get(kind="webchat")
    assert live_contacts().count() == 2 and chat.contact != ann_by_email
    assert not Identity.objects.filter(kind="email", contact=chat.contact).exists()
    suggestion = LinkSuggestion.objects.get(contact=chat.contact)
    assert suggestion.other == ann_by_email and suggestion.reason == "email given by an unverified visitor"
