"""A forum topic that needs the brand becomes one conversation; the agent's reply comes back as
one staff post, through the real pipeline, outbound queue and provider."""

from __future__ import annotations

from datetime import timedelta

import pytest

from heedful.accounts.models import ApiToken, Profile, Role
from heedful.channels.models import Channel
from heedful.community import actions
from heedful.community.members import member_viewer
from heedful.community.models import Post, Topic
from heedful.community_desk import bridge
from heedful.conversations.models import Conversation, Message
from heedful.ingestion.models import InboundEvent
from heedful.outbound import actions as outbound_actions
from heedful.outbound.models import OutboundMessage
from tests.community.conftest import Api

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(django_user_model):
    user = django_user_model.objects.create_user("ada", "ada@brand.example", "admin-pass-123", first_name="Ada")
    Profile.objects.create(user=user, role=Role.ADMIN)
    return Api(ApiToken.issue(user))


def _ask(make_member, category="help", title="My card was charged twice", body="Please help, order 1234"):
    member = make_member("carla")
    return member, actions.create_topic(member_viewer(member), category=category, title=title, body=body)


def test_the_first_category_creates_the_community_channel(support):
    channel = Channel.objects.get(provider="community")
    assert channel.name == "Community"


def test_an_unanswered_support_topic_becomes_one_conversation(make_member, support):
    member, topic = _ask(make_member)
    conversation = Conversation.objects.get(channel__provider="community")
    assert conversation.subject == "My card was charged twice" and conversation.public
    message = conversation.messages.get()
    assert message.author_identity.kind == "forum" and message.author_identity.handle == str(member.user_id)
    assert f"/community/t/{topic.pk}/" in message.text  # the conversation shows the topic
    assert Topic.objects.get(pk=topic.pk).desk_conversation_id == conversation.pk
    # Reruns, retries and a replayed event make nothing new.
    Topic.objects.filter(pk=topic.pk).update(escalated_at=None)
    assert bridge.escalate(topic.pk) is True
    assert bridge.escalate_due() == 0
    assert InboundEvent.objects.filter(channel__provider="community").count() == 1
    assert Conversation.objects.filter(channel__provider="community").count() == 1


def test_escalation_waits_for_the_category_time_and_skips_answered_topics(make_member, staff, make_channel):
    from heedful.community.members import staff_viewer

    actions.create_category(staff_viewer(staff), slug="slow", name="Slow", support=True, escalate_after_minutes=30)
    _, waiting = _ask(make_member, category="slow")
    other = make_member("helper")
    answered = actions.create_topic(member_viewer(other), category="slow", title="Another question", body="q")
    actions.create_post(member_viewer(make_member("third")), answered.pk, "Try turning it off and on")
    assert bridge.escalate_due() == 0
    Topic.objects.update(escalate_at=Topic.objects.get(pk=waiting.pk).created_at - timedelta(minutes=1))
    assert bridge.escalate_due() == 1
    assert Topic.objects.get(pk=waiting.pk).escalated_at is not None
    assert Topic.objects.get(pk=answered.pk).escalated_at is None
    assert Conversation.objects.count() == 1


def test_a_flag_for_staff_escalates_any_topic(make_member, general):
    _, topic = _ask(make_member, category="lounge")
    assert Conversation.objects.count() == 0
    actions.flag(member_viewer(make_member("worried")), topic.posts.get().pk, "needs_staff")
    assert Conversation.objects.filter(channel__provider="community").count() == 1


def test_the_agents_reply_appears_once_as_a_staff_post_and_can_be_accepted(make_member, support, admin_api):
    member, topic = _ask(make_member)
    conversation = Conversation.objects.get(channel__provider="community")
    sent = admin_api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "We refunded the second charge."})
    assert sent.status_code == 201, sent.content
    staff_posts = Post.objects.filter(topic=topic, staff=True)
    assert staff_posts.count() == 1
    post = staff_posts.get()
    assert post.author_name == "Ada" and post.body_html == "<p>We refunded the second charge.</p>\n"
    reply = Message.objects.get(conversation=conversation, direction="out")
    assert reply.delivery_status == "sent" and reply.provider_message_id == f"post:{post.pk}"
    # A redelivery of the same outbound (a crash after send, a retry) posts nothing new.
    outbound = OutboundMessage.objects.get(message=reply)
    OutboundMessage.objects.filter(pk=outbound.pk).update(status="queued", next_attempt_at=None)
    outbound_actions.deliver(outbound.pk)
    assert Post.objects.filter(topic=topic, staff=True).count() == 1
    topic.refresh_from_db()
    assert topic.answered_by_staff and topic.first_reply_at is not None
    # The asker accepts the staff answer; the topic is solved.
    api = Api(actions.issue_token(member))
    accepted = api.post(f"/api/v1/community/posts/{post.pk}/accept").json()
    assert accepted["solved"] and accepted["accepted_post"] == post.pk
    assert accepted["conversation"] is None  # members never see the desk's conversation
    assert admin_api.get(f"/api/v1/community/topics/{topic.pk}").json()["conversation"] == conversation.pk
    # Staff see the desk conversation on the topic page; members and visitors do not.
    link = f'href="/conversations/{conversation.pk}/"'.encode()
    staff_page = admin_api.client.get(topic.get_absolute_url())  # no session yet: a visitor
    assert staff_page.status_code == 200 and link not in staff_page.content
    from django.contrib.auth import get_user_model

    admin_api.client.force_login(get_user_model().objects.get(username="ada"))
    assert link in admin_api.client.get(topic.get_absolute_url()).content


def test_the_askers_later_posts_continue_the_conversation(make_member, support):
    member, topic = _ask(make_member)
    actions.create_post(member_viewer(member), topic.pk, "It happened again today")
    actions.create_post(member_viewer(make_member("bystander")), topic.pk, "Same here")
    conversation = Conversation.objects.get(channel__provider="community")
    texts = list(conversation.messages.order_by("sent_at", "id").values_list("display_text", flat=True))
    assert len(texts) == 2 and texts[1].startswith("It happened again today")


def test_no_webhook_reaches_the_community_channel(client, support):
    channel = Channel.objects.get(provider="community")
    response = client.post(f"/hooks/community/{channel.pk}", b'{"kind": "topic"}', content_type="application/json")
    assert response.status_code in (401, 403)
    assert not InboundEvent.objects.exists()
