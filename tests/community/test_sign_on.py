"""One sign-in for the forum, the help centre and the web chat: a member signed in at
/community/ is recognised on /help/ (votes are theirs, once per member) and in the web chat,
whose conversations land on the same contact as their forum posts."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.test import Client

from heedful.channels.providers.webchat.provider import public_key
from heedful.community import actions
from heedful.community.members import member_viewer
from heedful.contacts.models import Identity
from heedful.conversations.models import Conversation
from heedful.knowledge import actions as knowledge_actions
from heedful.knowledge.models import ArticleVote

pytestmark = pytest.mark.django_db
SITE = "http://testserver"
SECRET = "brand-identity-secret"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def article(staff):
    article = knowledge_actions.create_article(staff, title="Refunds take 5 days", body="They do.",
                                               category="Billing", publish=True)
    return article


@pytest.fixture
def chat(make_channel):
    return make_channel("webchat", {"identity_secret": SECRET}, {"allowed_origins": [SITE]}, name="Site chat")


def _member_client(member, **kw):
    client = Client(**kw)
    client.get("/community/login/")  # sets the CSRF cookie, as in a browser
    token = client.cookies["csrftoken"].value
    response = client.post("/community/login/", {"username": member.user.username, "password": "member-pass-123",
                                                 "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    return client


def test_the_help_centre_recognises_the_member_and_counts_one_vote_each(make_member, article):
    member = make_member("carla")
    laptop, phone = _member_client(member), _member_client(member)
    page = laptop.get(article.url).content.decode()
    assert 'data-heedful="help-member"' in page and "carla" in page
    assert laptop.post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes"}).status_code == 302
    assert phone.post(f"/help/articles/{article.pk}/vote/", {"helpful": "no"}).status_code == 302
    votes = list(ArticleVote.objects.filter(article=article))
    assert len(votes) == 1 and votes[0].user_id == member.user_id and votes[0].helpful is False
    # Another device of the same member shows the vote they made; a visitor votes apart.
    assert 'aria-pressed="true" data-heedful="helpful-no"' in laptop.get(article.url).content.decode()
    visitor = Client()
    assert "help-member" not in visitor.get(article.url).content.decode()
    visitor.post(f"/help/articles/{article.pk}/vote/", {"helpful": "yes"})
    assert ArticleVote.objects.filter(article=article).count() == 2
    assert ArticleVote.objects.filter(article=article, user__isnull=True).count() == 1
    # Signed out, the member is a visitor again.
    laptop.post("/community/logout/")
    assert "help-member" not in laptop.get(article.url).content.decode()


def test_the_chat_claim_needs_a_signed_in_member_and_the_csrf_token(make_member, chat):
    key = public_key(chat)
    assert Client().post("/community/chat-identity/", {"channel": key}).status_code == 401
    strict = _member_client(make_member("erin"), enforce_csrf_checks=True)
    assert strict.post("/community/chat-identity/", {"channel": key}).status_code == 403
    token = strict.cookies["csrftoken"].value
    assert strict.post("/community/chat-identity/", {"channel": key}, HTTP_X_CSRFTOKEN=token).status_code == 200
    assert _member_client(make_member("fay")).post("/community/chat-identity/", {"channel": "nope"}).status_code == 404
    assert _member_client(make_member("gus")).get("/community/chat-identity/").status_code == 405


def test_the_members_chat_lands_on_the_contact_of_their_forum_posts(make_member, chat, support):
    member = make_member("carla")
    browser = _member_client(member)
    browser.get("/community/")  # the page sets the CSRF cookie, as in a browser
    claim = browser.post("/community/chat-identity/", {"channel": public_key(chat)})
    assert claim.status_code == 200 and claim["Cache-Control"] == "private, no-store"
    body = claim.json()
    assert body["id"] == f"community-{member.user_id}" and "email" not in body
    assert body["hash"] == hmac.new(SECRET.encode(), body["id"].encode(), hashlib.sha256).hexdigest()
    # The widget's own API, with the claim: an identified visitor.
    widget = Client()
    headers = {"HTTP_ORIGIN": SITE}
    session = widget.post("/widget/v1/sessions", json.dumps({"channel": public_key(chat), "identity": body}),
                          content_type="application/json", **headers)
    assert session.status_code == 201 and session.json()["verified"] is True
    token = session.json()["token"]
    sent = widget.post("/widget/v1/messages", json.dumps({"text": "Is my refund on its way?", "client_id": "abcdefgh1"}),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}", **headers)
    assert sent.status_code == 202, sent.content
    in_chat = Conversation.objects.get(channel=chat)
    # Their forum topic reaches the desk on the same contact.
    actions.create_topic(member_viewer(member), category="help", title="Refund missing", body="Still nothing")
    in_forum = Conversation.objects.get(channel__provider="community")
    assert in_chat.contact_id == in_forum.contact_id
    forum_identity = Identity.objects.get(kind="forum", handle=str(member.user_id))
    assert forum_identity.contact_id == in_chat.contact_id
    # A forged claim (someone else's id with a wrong hash) is refused by the widget.
    forged = {**body, "id": "community-999999"}
    refused = Client().post("/widget/v1/sessions", json.dumps({"channel": public_key(chat), "identity": forged}),
                            content_type="application/json", **headers)
    assert refused.status_code == 401
