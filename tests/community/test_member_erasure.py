"""Erasing a contact also erases the forum member behind it: posts stay, signed "deleted
member"; name, email, password, keys and private messages go; the account never signs in."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from heedful.accounts.models import ApiToken, Profile, Role
from heedful.community import actions
from heedful.community.members import member_viewer
from heedful.community.models import Post, PrivateMessage
from heedful.conversations.models import Conversation
from tests.community.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@brand.example", "admin-pass-123", first_name="Ada")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return Api(ApiToken.issue(user))


def test_erasing_the_contact_anonymises_the_forum_member(make_member, support, admin_api):
    member = make_member("carla")
    token = actions.issue_token(member)
    topic = actions.create_topic(member_viewer(member), category="help", title="Charged twice",
                                 body="My card was charged twice")
    bystander = make_member("dave")
    actions.create_post(member_viewer(bystander), topic.pk, "Same thing happened to me")
    public = Conversation.objects.get(channel__provider="community")
    moved = admin_api.post(f"/api/v1/conversations/{public.pk}/move-to-private", {"text": "Refund ref RF-1"})
    assert moved.status_code == 201
    assert Api(token).get(f"/api/v1/community/topics/{topic.pk}").status_code == 200

    erased = admin_api.client.delete(f"/api/v1/contacts/{public.contact_id}", **admin_api.headers)
    assert erased.status_code == 200, erased.content
    assert erased.json()["forum_members"] == 1

    user = get_user_model().objects.get(pk=member.user_id)
    assert not user.is_active and user.email == "" and "carla" not in user.username
    question = Post.objects.get(topic=topic, number=1)
    assert question.author_name == "deleted member" and question.body == "My card was charged twice"
    assert Post.objects.get(author=bystander.user).author_name == "dave"  # others keep their names
    assert not PrivateMessage.objects.filter(body__contains="RF-1").exists()
    page = Client().get(topic.get_absolute_url()).content.decode()
    assert "deleted member" in page and "carla" not in page
    # The account is closed: no sign-in, no API key, no private thread.
    login = Client().post("/community/login/", {"username": "carla@example.org", "password": "member-pass-123"})
    assert login.status_code == 400
    assert Api(token).post(f"/api/v1/community/topics/{topic.pk}/posts", {"body": "still me"}).status_code in (401, 403)


def test_a_contact_without_a_forum_account_erases_nothing_in_the_forum(make_member, support, admin_api):
    member = make_member("erin")
    actions.create_topic(member_viewer(member), category="help", title="Question here",
                         body="hello")
    other = Conversation.objects.get(channel__provider="community").contact
    # A second, unrelated contact (no forum identity) is erased: the member is untouched.
    from heedful.contacts.models import Contact

    stranger = Contact.objects.create(name="Stranger")
    assert admin_api.client.delete(f"/api/v1/contacts/{stranger.pk}", **admin_api.headers).status_code == 200
    assert get_user_model().objects.get(pk=member.user_id).is_active
    assert other.identities.filter(kind="forum").exists()
