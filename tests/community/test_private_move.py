"""A forum topic's private matter moves to a private conversation with the same contact: by
email when the brand has an email channel (the forum knows the member's address), else as a
private message inside the community that only the member and staff read."""

from __future__ import annotations

import pytest

from heedful.accounts.models import ApiToken, Profile, Role
from heedful.community import actions
from heedful.community.members import member_viewer
from heedful.community.models import Post, PrivateMessage
from heedful.conversations.models import Conversation, Message
from heedful.outbound.models import OutboundMessage
from tests.community.conftest import Api

pytestmark = pytest.mark.django_db
SECRET = "Your refund ref is RF-99812 for card ending 4242"


@pytest.fixture
def admin(django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@brand.example", "admin-pass-123", first_name="Ada")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return user


@pytest.fixture
def admin_api(admin):
    return Api(ApiToken.issue(admin))


def _escalated(make_member):
    member = make_member("carla")
    topic = actions.create_topic(member_viewer(member), category="help", title="Charged twice",
                                 body="My card was charged twice")
    return member, topic, Conversation.objects.get(channel__provider="community")


def _signed_in(client, member):
    client.post("/community/login/", {"username": member.user.username, "password": "member-pass-123"})
    return client


def test_without_email_the_matter_continues_in_a_private_community_thread(make_member, support, admin_api, client):
    member, topic, public = _escalated(make_member)
    moved = admin_api.post(f"/api/v1/conversations/{public.pk}/move-to-private", {"text": SECRET})
    assert moved.status_code == 201, moved.content
    private = Conversation.objects.get(pk=moved.json()["conversation"])
    assert private.pk != public.pk and not private.public
    assert private.contact_id == public.contact_id and private.channel_id == public.channel_id
    assert private.continued_from_id == public.pk
    assert admin_api.get(f"/api/v1/conversations/{private.pk}").json()["continued_from"] == public.pk
    public.refresh_from_db()
    assert public.public and public.notes.filter(text__contains=f"#{private.pk}").exists()
    # The topic says it continued privately, and nothing of the private text.
    staff_posts = list(Post.objects.filter(topic=topic, staff=True))
    assert len(staff_posts) == 1 and "private" in staff_posts[0].body
    assert "RF-99812" not in topic.get_absolute_url() and "RF-99812" not in staff_posts[0].body
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "private message" in page and "RF-99812" not in page
    # The member reads it privately; nobody else does.
    pm = PrivateMessage.objects.get(member=member)
    assert pm.from_staff and "RF-99812" in pm.body
    out = Message.objects.get(conversation=private, direction="out")
    assert out.delivery_status == "sent" and out.provider_message_id == f"pm:{pm.pk}"
    mine = _signed_in(client, member).get("/community/messages/")
    assert mine.status_code == 200 and b"RF-99812" in mine.content
    other = make_member("dave")
    from django.test import Client

    theirs = _signed_in(Client(), other).get("/community/messages/")
    assert theirs.status_code == 200 and b"RF-99812" not in theirs.content
    assert Client().get("/community/messages/").status_code == 302
    # The member's answer continues the private conversation, never the public one.
    answered = client.post("/community/messages/", {"body": "Thanks, my address is 1 High St"})
    assert answered.status_code == 302
    inbound = Message.objects.filter(direction="in", text__contains="1 High St").get()
    assert inbound.conversation_id == private.pk and not inbound.public
    assert not Post.objects.filter(body__contains="High St").exists()


def test_with_an_email_channel_the_matter_continues_by_email(make_member, support, admin_api, make_channel):
    email = make_channel("email", credentials={"address": "help@brand.example"})
    member, topic, public = _escalated(make_member)
    moved = admin_api.post(f"/api/v1/conversations/{public.pk}/move-to-private",
                           {"text": SECRET, "acknowledgement": "We have emailed you to sort this out."})
    assert moved.status_code == 201, moved.content
    private = Conversation.objects.get(pk=moved.json()["conversation"])
    assert private.channel_id == email.pk and private.contact_id == public.contact_id
    assert private.continued_from_id == public.pk and not private.public
    assert public.contact.identities.filter(kind="email", handle="carla@example.org").exists()
    outbound = OutboundMessage.objects.get(message__conversation=private)
    assert outbound.payload["to"] == "carla@example.org"
    assert Post.objects.get(topic=topic, staff=True).body == "We have emailed you to sort this out."
    assert not PrivateMessage.objects.exists()


def test_the_workspace_moves_it_and_opens_the_private_conversation(make_member, support, admin, client):
    _, topic, public = _escalated(make_member)
    client.force_login(admin)
    page = client.get(f"/conversations/{public.pk}/")
    assert b"move-to-private" in page.content
    response = client.post(f"/conversations/{public.pk}/move-to-private/", {"text": SECRET, "acknowledgement": ""})
    private = Conversation.objects.exclude(pk=public.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/conversations/{private.pk}/"
    # An empty acknowledgement still tells the topic's readers, without details.
    ack = Post.objects.get(topic=topic, staff=True)
    assert "RF-99812" not in ack.body and "private" in ack.body


def test_a_member_cannot_write_privately_before_staff_did(make_member, support, client):
    member = make_member("erin")
    _signed_in(client, member)
    response = client.post("/community/messages/", {"body": "hello?"})
    assert response.status_code == 403
    assert not PrivateMessage.objects.exists()


def test_the_survey_after_resolve_goes_privately_never_on_the_topic(make_member, support, admin_api):
    member, topic, public = _escalated(make_member)
    assert admin_api.post(f"/api/v1/conversations/{public.pk}/resolve").status_code == 200
    survey = Message.objects.get(conversation=public, direction="out", automated=True)
    assert "/s/" in survey.text and not survey.public and survey.delivery_status == "sent"
    assert "/s/" in PrivateMessage.objects.get(member=member).body
    assert not Post.objects.filter(topic=topic, body__contains="/s/").exists()
