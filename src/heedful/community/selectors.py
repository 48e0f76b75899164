"""Reads for the forum's pages, API and the desk bridge. No writes here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from heedful.community.members import Viewer
from heedful.community.models import (
    Category,
    MemberProfile,
    Post,
    PostStatus,
    PrivateMessage,
    Topic,
)
from heedful.core.clock import now
from heedful.core.errors import NotFound

PAGE_POSTS = 50
PAGE_TOPICS = 30


def categories() -> QuerySet[Category]:
    return Category.objects.all()


def category(slug: str) -> Category:
    found = Category.objects.filter(slug=slug).first()
    if found is None:
        raise NotFound("category not found")
    return found


def latest_topics(cat: Category | None = None, *, before: tuple | None = None,
                  limit: int = PAGE_TOPICS) -> list[Topic]:
    """Listed topics, newest activity first; `before` = (last_posted_at, id) of the previous
    page's last row (keyset pagination on the category index)."""
    qs = Topic.objects.filter(visible=True, merged_into__isnull=True)
    if cat is not None:
        qs = qs.filter(category=cat)
    if before is not None:
        at, pk = before
        qs = qs.filter(Q(last_posted_at__lt=at) | Q(last_posted_at=at, id__lt=pk))
    return list(qs.select_related("category").order_by("-last_posted_at", "-id")[:limit])


def topic_for(viewer: Viewer, topic_id: int) -> Topic:
    """The topic if this viewer may read it: listed ones for everybody, the rest for staff and
    for the author whose question waits for review."""
    topic = Topic.objects.select_related("category", "author").filter(pk=topic_id).first()
    if topic is None:
        raise NotFound("topic not found")
    if topic.visible or viewer.staff or topic.merged_into_id:  # a merged one redirects to its target
        return topic
    if viewer.user is not None and topic.author_id == viewer.user.pk and topic.merged_into_id is None:
        question = topic.posts.filter(number=1).values_list("status", flat=True).first()
        if question == PostStatus.REVIEW:
            return topic
    raise NotFound("topic not found")


def posts_for(viewer: Viewer, topic: Topic, *, page: int = 1) -> list[Post]:
    """Visible posts in order; staff see every post, an author also their own waiting ones."""
    qs = Post.objects.filter(topic=topic)
    if not viewer.staff:
        mine = Q(author_id=viewer.user.pk, status=PostStatus.REVIEW) if viewer.user is not None else Q(pk__in=[])
        qs = qs.filter(Q(status=PostStatus.VISIBLE) | mine)
    start = (max(1, page) - 1) * PAGE_POSTS
    return list(qs.order_by("number")[start:start + PAGE_POSTS])


def review_queryset() -> QuerySet[Post]:
    """Posts waiting for a moderator, oldest first."""
    return Post.objects.filter(status=PostStatus.REVIEW).select_related("topic").order_by("created_at", "id")


def review_queue(*, limit: int = 100) -> list[Post]:
    return list(review_queryset()[:limit])


def due_for_desk(*, limit: int = 200) -> list[int]:
    """Topics that should become a conversation now: a support topic nobody answered within its
    category's time, or one a member flagged for staff. Not yet escalated, still listed."""
    base = Topic.objects.filter(escalated_at__isnull=True, visible=True, merged_into__isnull=True)
    unanswered = base.filter(escalate_at__lte=now(), first_reply_at__isnull=True,
                             accepted_post__isnull=True)
    requested = base.filter(staff_requested_at__isnull=False)
    ids = list(unanswered.order_by("escalate_at").values_list("pk", flat=True)[:limit])
    ids += [pk for pk in requested.values_list("pk", flat=True)[:limit] if pk not in ids]
    return ids[:limit]


def is_due(topic: Topic) -> bool:
    if topic.escalated_at is not None or not topic.visible or topic.merged_into_id:
        return False
    if topic.staff_requested_at is not None:
        return True
    return (topic.escalate_at is not None and topic.escalate_at <= now()
            and topic.first_reply_at is None and topic.accepted_post_id is None)


def question(topic: Topic) -> Post | None:
    return topic.posts.filter(number=1).first()


def member_of(user) -> MemberProfile | None:
    return MemberProfile.objects.filter(user=user).first() if user is not None else None


def sitemap_topics(*, limit: int = 50_000) -> QuerySet:
    return (Topic.objects.filter(visible=True, merged_into__isnull=True)
            .order_by("-last_posted_at").values("id", "slug", "last_posted_at")[:limit])


def private_messages(member: MemberProfile, *, limit: int = 200) -> list[PrivateMessage]:
    """The member's private thread with staff, oldest first (the latest `limit`)."""
    latest = PrivateMessage.objects.filter(member=member).order_by("-created_at", "-id")[:limit]
    return list(reversed(latest))
