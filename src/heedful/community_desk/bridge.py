"""Forum topics to conversations, and the desk's answers back to the topic."""

from __future__ import annotations

import logging

from django.db import transaction

from heedful.channels import actions as channel_actions
from heedful.channels.cache import get_channel
from heedful.channels.models import Channel
from heedful.channels.providers.community import wire
from heedful.community import actions, private_messages, selectors
from heedful.community.models import Post, PostStatus, PrivateMessage, Topic
from heedful.conversations.models import Conversation
from heedful.core.errors import NotFound
from heedful.events import names
from heedful.events.dispatcher import listen
from heedful.ingestion.store import store_event
from heedful.outbound.models import OutboundMessage

log = logging.getLogger(__name__)
PROVIDER = "community"


def community_channel() -> Channel:
    """The community channel, created with the first category (or on first need)."""
    with transaction.atomic():
        channel = Channel.objects.select_for_update().filter(provider=PROVIDER).order_by("pk").first()
        if channel is None:
            channel = channel_actions.connect(None, provider=PROVIDER, name="Community", credentials={},
                                              settings={})
    return channel


def _absolute(path: str) -> str:
    from django.conf import settings

    return settings.HEEDFUL_BASE_URL.rstrip("/") + path


def _event(kind: str, topic: Topic, post: Post) -> tuple[str, bytes]:
    author = post.author
    return wire.event(
        kind,
        topic={"id": topic.pk, "title": topic.title, "url": _absolute(topic.get_absolute_url()),
               "category": topic.category.slug},
        post={"id": post.pk, "number": post.number, "text": post.body, "created_at": post.created_at.isoformat()},
        author={"id": str(author.pk) if author else f"deleted-{post.pk}",
                "username": author.get_username() if author else "",
                "name": (author.get_full_name() or author.get_username()) if author else post.author_name,
                "email": author.email if author else ""},
    )


def escalate(topic_id: int) -> bool:
    """Hand the topic to the desk if it is due. Idempotent: the topic is marked and its event
    stored in one transaction, and the event key is the topic's, so a rerun creates nothing."""
    channel = community_channel()
    with transaction.atomic():
        try:
            topic = actions.lock_topic(topic_id)
        except NotFound:
            return False
        if not selectors.is_due(topic):
            return False
        question = selectors.question(topic)
        if question is None or question.status != PostStatus.VISIBLE:
            return False
        key, raw = _event("topic", topic, question)
        store_event(channel, PROVIDER, key, raw, "application/json")
        actions.mark_escalated(topic.pk)
    log.info("community topic %s escalated to the desk", topic_id)
    return True


def escalate_due() -> int:
    """Every topic due now; safe to run any number of times, from any number of workers."""
    return sum(1 for topic_id in selectors.due_for_desk() if escalate(topic_id))


def forward_post(post_id: int) -> bool:
    """A visible post by the asker on a topic the desk has continues its conversation."""
    post = Post.objects.select_related("topic__category", "author").filter(pk=post_id).first()
    if post is None or post.number == 1 or post.staff or post.status != PostStatus.VISIBLE:
        return False
    topic = post.topic
    if topic.escalated_at is None or post.author_id != topic.author_id:
        return False
    key, raw = _event("post", topic, post)
    with transaction.atomic():
        store_event(community_channel(), PROVIDER, key, raw, "application/json")
    return True


def forward_private_message(message_id: int) -> bool:
    """A member's private message to staff continues their private conversation."""
    message = PrivateMessage.objects.select_related("author").filter(pk=message_id, from_staff=False).first()
    if message is None or message.author is None:
        return False
    author = message.author
    key, raw = wire.private_event(
        message={"id": message.pk, "text": message.body, "created_at": message.created_at.isoformat()},
        author={"id": str(author.pk), "username": author.get_username(),
                "name": author.get_full_name() or author.get_username()})
    with transaction.atomic():
        store_event(community_channel(), PROVIDER, key, raw, "application/json")
    return True


def conversation_id(topic_id: int) -> int | None:
    """The desk's conversation for a topic (staff only: callers check)."""
    linked = Topic.objects.filter(pk=topic_id).values_list("desk_conversation_id", flat=True).first()
    return linked or (Conversation.objects.filter(channel__provider=PROVIDER, thread_key=wire.thread_key(topic_id))
            .order_by("pk").values_list("pk", flat=True).first())


def topic_of_conversation(conversation) -> Topic | None:
    topic_id = wire.topic_id_of(conversation.thread_key or "")
    return Topic.objects.filter(pk=topic_id).first() if topic_id else None


class ForumAdapter:
    """The community provider's `port.Forum`, on the forum's own action."""

    def publish_staff_reply(self, *, topic_id: int, text: str, idempotency_key: str, outbound_id: int) -> int:
        outbound = (OutboundMessage.objects.select_related("message__author_user")
                    .filter(pk=outbound_id).first())
        author = outbound.message.author_user if outbound else None
        name = outbound.message.author_name if outbound else ""
        try:
            post = actions.publish_staff_reply(topic_id, text=text, key=idempotency_key, author=author,
                                               author_name=name)
        except NotFound as exc:
            raise LookupError(f"community topic {topic_id} no longer exists") from exc
        return post.pk

    def send_private_message(self, *, member: str, text: str, idempotency_key: str, outbound_id: int) -> int:
        outbound = (OutboundMessage.objects.select_related("message__author_user")
                    .filter(pk=outbound_id).first())
        if not member.isdigit():
            raise LookupError("not a forum member's handle")
        try:
            message = private_messages.send_from_staff(
                int(member), text=text, key=idempotency_key,
                author=outbound.message.author_user if outbound else None,
                author_name=outbound.message.author_name if outbound else "")
        except NotFound as exc:
            raise LookupError("that forum member no longer exists") from exc
        return message.pk


def _on_topic(name, payload):
    escalate(payload["topic_id"])


def _on_post(name, payload):
    forward_post(payload["post_id"])


def _on_category(name, payload):
    community_channel()


def _on_conversation(name, payload):
    # Every channel's new conversations come here: skip the others without a query.
    channel = get_channel(payload["channel_id"]) if payload.get("channel_id") else None
    if channel is not None and channel.provider != PROVIDER:
        return
    conversation = Conversation.objects.filter(pk=payload.get("conversation_id"), channel__provider=PROVIDER).first()
    topic_id = wire.topic_id_of(conversation.thread_key) if conversation else None
    if topic_id:
        actions.link_conversation(topic_id, conversation.pk)


def _on_private_message(name, payload):
    forward_private_message(payload["message_id"])


def install_listeners() -> None:
    listen(names.CONVERSATION_CREATED)(_on_conversation)
    listen(names.COMMUNITY_TOPIC_CREATED, names.COMMUNITY_POST_APPROVED, names.COMMUNITY_STAFF_REQUESTED)(_on_topic)
    listen(names.COMMUNITY_POST_CREATED, names.COMMUNITY_POST_APPROVED)(_on_post)
    listen(names.COMMUNITY_CATEGORY_CREATED)(_on_category)
    listen(names.COMMUNITY_PRIVATE_MESSAGE_CREATED)(_on_private_message)
