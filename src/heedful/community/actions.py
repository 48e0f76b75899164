"""Every write to the forum's members, categories, topics and posts (moderation: moderation.py).

Each action runs in one transaction; events and notification mails go out after commit. A
`viewer` (members.Viewer) says who acts: a member, staff, or nobody (refused).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.postgres.search import SearchVector
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.text import slugify

from heedful.community import markdown, trust
from heedful.community.members import Viewer
from heedful.community.models import (
    Category,
    Flag,
    FlagReason,
    MemberProfile,
    MemberToken,
    Post,
    PostStatus,
    Subscription,
    Tag,
    Topic,
    TopicRead,
    Vote,
)
from heedful.core import jobs
from heedful.core.clock import now
from heedful.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{3,30}$")
MAX_BODY = 32_000


def _own_host() -> str:
    return urlsplit(settings.HEEDFUL_BASE_URL).netloc


# -- members -------------------------------------------------------------------------------

def signup(username: str, email: str, password: str | None) -> MemberProfile:
    """A new member. `password=None` (the CLI) leaves a random one: they sign in after a reset."""
    username, email = (username or "").strip(), (email or "").strip().lower()
    if not USERNAME.match(username):
        raise ValidationError("a username is 3-30 letters, digits, '.', '_' or '-'")
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ValidationError("that is not an email address") from None
    if password is not None:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            raise ValidationError(" ".join(exc.messages)) from None
    users = get_user_model().objects
    with transaction.atomic():
        # An existing desk user is never turned into a member, nor a member's email reused.
        if users.filter(username__iexact=username).exists():
            raise Conflict("that username is taken")
        if MemberProfile.objects.filter(user__email__iexact=email).exists():
            raise Conflict("a member with that email exists")
        try:
            user = users.create_user(username, email, None)  # unusable: no workspace login
        except IntegrityError:
            raise Conflict("that username is taken") from None
        return MemberProfile.objects.create(user=user, password=make_password(password))


def set_password(member: MemberProfile, password: str) -> None:
    try:
        validate_password(password, member.user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages)) from None
    member.password = make_password(password)
    member.save(update_fields=["password"])


def issue_token(member: MemberProfile) -> str:
    """A new API key for the member, shown once."""
    key = MemberToken.new_key()
    MemberToken.objects.create(member=member, digest=MemberToken.hash(key), prefix=key[:8])
    return key


# -- categories ----------------------------------------------------------------------------

def _require_staff(viewer: Viewer) -> None:
    if not viewer.staff:
        raise PermissionDenied("only staff may do this")


def create_category(viewer: Viewer, *, slug: str, name: str, support: bool = False,
                    escalate_after_minutes: int = 60, description: str = "") -> Category:
    _require_staff(viewer)
    slug, name = slugify(slug or name)[:80], (name or "").strip()[:120]
    if not slug or not name:
        raise ValidationError("a category needs a slug and a name")
    if escalate_after_minutes < 0:
        raise ValidationError("escalate_after_minutes is 0 or more")
    try:
        with transaction.atomic():
            category = Category.objects.create(
                slug=slug, name=name, support=support, description=description[:500],
                escalate_after_minutes=escalate_after_minutes, position=Category.objects.count())
            emit(names.COMMUNITY_CATEGORY_CREATED, category_id=category.pk)
    except IntegrityError:
        raise Conflict(f"a category {slug!r} exists") from None
    return category


# -- topics and posts ----------------------------------------------------------------------

def _author(viewer: Viewer) -> Viewer:
    if not viewer.authenticated:
        raise PermissionDenied("sign in to write in the community")
    return viewer


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError("a post needs some text")
    if len(body) > MAX_BODY:
        raise ValidationError(f"a post is at most {MAX_BODY} characters")
    if "\x00" in body:
        raise ValidationError("a post cannot hold NUL characters")
    return body


def _locked_member(viewer: Viewer) -> MemberProfile | None:
    if viewer.member is None:
        return None
    return MemberProfile.objects.select_for_update().get(pk=viewer.member.pk)


def _first_day_counts(member: MemberProfile) -> tuple[int, int]:
    since = member.created_at
    posts = Post.objects.filter(author_id=member.user_id, created_at__gte=since)
    return posts.filter(number=1).count(), posts.filter(number__gt=1).count()


def _check_limits(member: MemberProfile | None, *, topic: bool) -> None:
    if member is None or member.trust_level > 0 or now() >= member.created_at + timedelta(days=1):
        return
    topics, replies = _first_day_counts(member)
    trust.check_new_member_limits(member, topics_today=topics, replies_today=replies, topic=topic)


def _new_post(topic: Topic, viewer: Viewer, member, body: str, *, at, desk_key=None) -> Post:
    staff = viewer.staff
    reason = trust.review_reason(member, staff=staff, links=markdown.count_links(body))
    topic.highest_number += 1
    return Post.objects.create(
        topic=topic, number=topic.highest_number, author=viewer.user, author_name=viewer.name[:150],
        staff=staff, body=body, created_at=at, desk_key=desk_key,
        body_html=markdown.render(body, nofollow=trust.nofollow(member, staff=staff), own_host=_own_host()),
        status=PostStatus.REVIEW if reason else PostStatus.VISIBLE, review_reason=reason,
    )


def search_text(topic: Topic, question: Post | None = None, answer: Post | None = None) -> str:
    question = question or topic.posts.filter(number=1).first()
    answer = answer or topic.accepted_post
    parts = [topic.title, markdown.plain_text(question.body) if question else ""]
    if answer is not None and answer.status == PostStatus.VISIBLE:
        parts.append(markdown.plain_text(answer.body))
    return "\n".join(p for p in parts if p)[:20_000]


def refresh_search_vector(topic_id: int) -> None:
    """Rebuild the stored tsvector from title and search_text (PostgreSQL; nothing on SQLite)."""
    if connection.vendor == "postgresql":
        Topic.objects.filter(pk=topic_id).update(
            search_vector=SearchVector("title", weight="A", config="english")
            + SearchVector("search_text", weight="B", config="english"))


def _subscribe(topic: Topic, user) -> None:
    if user is not None:
        Subscription.objects.get_or_create(topic=topic, user=user)


def _tags(names_: list[str]) -> list[Tag]:
    found = []
    for name in names_[:5]:
        slug = slugify(name)[:40]
        if slug:
            found.append(Tag.objects.get_or_create(name=slug)[0])
    return found


def create_topic(viewer: Viewer, *, category: str, title: str, body: str, tags: list[str] = ()) -> Topic:
    """A new topic with its opening post. A TL0 member's post with too many links waits for
    review (the topic is not listed until then); their 4th topic on day one is a 429."""
    _author(viewer)
    title, body = (title or "").strip(), _clean_body(body)
    if not 3 <= len(title) <= 200:
        raise ValidationError("a title is 3 to 200 characters")
    cat = Category.objects.filter(slug=category).first()
    if cat is None:
        raise NotFound(f"no category {category!r}")
    with transaction.atomic():
        member = _locked_member(viewer)
        _check_limits(member, topic=True)
        at = now()
        topic = Topic.objects.create(
            category=cat, author=viewer.user, title=title, slug=slugify(title)[:80] or "topic",
            created_at=at, last_posted_at=at,
            escalate_at=at + timedelta(minutes=cat.escalate_after_minutes) if cat.support else None)
        post = _new_post(topic, viewer, member, body, at=at)
        topic.visible = post.status == PostStatus.VISIBLE
        topic.search_text = search_text(topic, post)
        topic.save(update_fields=["highest_number", "visible", "search_text"])
        refresh_search_vector(topic.pk)
        topic.tags.set(_tags(list(tags)))
        _subscribe(topic, viewer.user)
        if member is not None:
            MemberProfile.objects.filter(pk=member.pk).update(topics_created=F("topics_created") + 1)
        emit(names.COMMUNITY_TOPIC_CREATED, topic_id=topic.pk, post_id=post.pk)
    return topic


def lock_topic(topic_id: int) -> Topic:
    topic = Topic.objects.select_for_update().filter(pk=topic_id).first()
    if topic is None:
        raise NotFound("topic not found")
    return topic


def _after_visible_post(topic: Topic, post: Post) -> None:
    """Counters of a post that became visible; call with the topic row locked."""
    if post.number > 1:
        topic.replies_count += 1
        if topic.first_reply_at is None and post.author_id != topic.author_id:
            topic.first_reply_at = post.created_at
        if post.staff:
            topic.answered_by_staff = True
    topic.last_posted_at = max(topic.last_posted_at, post.created_at)
    jobs.enqueue("heedful.community.notify", post.pk)


def create_post(viewer: Viewer, topic_id: int, body: str) -> Post:
    """A reply. A closed topic takes none; a TL0 member's 11th reply on day one is a 429."""
    _author(viewer)
    body = _clean_body(body)
    with transaction.atomic():
        topic = lock_topic(topic_id)
        if not topic.visible and not viewer.staff:
            raise NotFound("topic not found")
        if topic.closed:
            raise PermissionDenied("this topic is closed")
        member = _locked_member(viewer)
        _check_limits(member, topic=False)
        post = _new_post(topic, viewer, member, body, at=now())
        if post.status == PostStatus.VISIBLE:
            _after_visible_post(topic, post)
        topic.save()
        _subscribe(topic, viewer.user)
        if member is not None:
            MemberProfile.objects.filter(pk=member.pk).update(replies_created=F("replies_created") + 1)
        emit(names.COMMUNITY_POST_CREATED, topic_id=topic.pk, post_id=post.pk)
    return post


def publish_staff_reply(topic_id: int, *, text: str, key: str, author=None, author_name: str = "") -> Post:
    """The desk's answer on the topic as a staff post, exactly once per `key` (the outbound
    idempotency key): a resend returns the post made the first time."""
    existing = Post.objects.filter(desk_key=key).first()
    if existing is not None:
        return existing
    viewer = Viewer(user=author, staff=True)
    name = author_name or viewer.name or "Staff"
    try:
        with transaction.atomic():
            topic = lock_topic(topic_id)
            post = _new_post(topic, viewer, None, _clean_body(text), at=now(), desk_key=key)
            if post.author_name != name[:150]:
                post.author_name = name[:150]
                post.save(update_fields=["author_name"])
            _after_visible_post(topic, post)
            topic.save()
            emit(names.COMMUNITY_POST_CREATED, topic_id=topic.pk, post_id=post.pk)
    except IntegrityError:  # a concurrent resend won the race: that post is the answer
        return Post.objects.get(desk_key=key)
    return post


def may_accept(viewer: Viewer, topic: Topic) -> bool:
    """The asker on an open topic, staff, and members of the configured groups."""
    if viewer.staff:
        return True
    if viewer.user is None:
        return False
    if viewer.member is not None and topic.author_id == viewer.user.pk and not topic.closed:
        return True
    groups = getattr(settings, "HEEDFUL_COMMUNITY_ACCEPT_GROUPS", [])
    return bool(groups) and viewer.user.groups.filter(name__in=groups).exists()


def accept(viewer: Viewer, post_id: int) -> Topic:
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        raise NotFound("post not found")
    with transaction.atomic():
        topic = lock_topic(post.topic_id)
        if not topic.visible and not viewer.staff:
            raise NotFound("post not found")
        if not may_accept(viewer, topic):
            raise PermissionDenied("only the asker, on an open topic, or staff may accept an answer")
        post = Post.objects.get(pk=post_id)
        if post.number == 1 or post.status != PostStatus.VISIBLE:
            raise ValidationError("only a visible reply can be the accepted answer")
        topic.accepted_post, topic.solved_at = post, now()
        topic.search_text = search_text(topic, answer=post)
        topic.save(update_fields=["accepted_post", "solved_at", "search_text"])
        refresh_search_vector(topic.pk)
        emit(names.COMMUNITY_TOPIC_SOLVED, topic_id=topic.pk, post_id=post.pk)
    return topic


def vote(viewer: Viewer, post_id: int) -> Post:
    """A like; a second like by the same person changes nothing."""
    _author(viewer)
    post = Post.objects.filter(pk=post_id, status=PostStatus.VISIBLE).first()
    if post is None:
        raise NotFound("post not found")
    if post.author_id == viewer.user.pk:
        raise ValidationError("you cannot like your own post")
    try:
        with transaction.atomic():
            Vote.objects.create(post=post, user=viewer.user)
            Post.objects.filter(pk=post.pk).update(votes_count=F("votes_count") + 1)
            MemberProfile.objects.filter(user=viewer.user).update(likes_given=F("likes_given") + 1)
            MemberProfile.objects.filter(user_id=post.author_id).update(likes_received=F("likes_received") + 1)
    except IntegrityError:
        pass
    post.refresh_from_db()
    return post


def flag(viewer: Viewer, post_id: int, reason: str) -> Post:
    """A flag weighs 1 + the flagger's trust level (staff 5); at the threshold the post hides.
    `needs_staff` sends the topic to the desk instead."""
    _author(viewer)
    if reason not in FlagReason.values:
        raise ValidationError(f"reason is one of {', '.join(FlagReason.values)}")
    with transaction.atomic():
        post = Post.objects.select_for_update().filter(pk=post_id).first()
        if post is None or (post.status != PostStatus.VISIBLE and not viewer.staff):
            raise NotFound("post not found")
        topic = lock_topic(post.topic_id)
        weight = trust.flag_weight(viewer.member, staff=viewer.staff)
        try:
            with transaction.atomic():
                Flag.objects.create(post=post, user=viewer.user, reason=reason, weight=weight)
        except IntegrityError:
            raise Conflict("you flagged this post already") from None
        if reason == FlagReason.NEEDS_STAFF:
            if topic.staff_requested_at is None:
                topic.staff_requested_at = now()
                topic.save(update_fields=["staff_requested_at"])
                emit(names.COMMUNITY_STAFF_REQUESTED, topic_id=topic.pk, post_id=post.pk)
            return post
        post.flag_score += weight
        post.save(update_fields=["flag_score"])
        if post.status == PostStatus.VISIBLE and post.flag_score >= trust.hide_threshold():
            hide_locked(topic, post, "hidden after flags from the community")
    return post


def hide_locked(topic: Topic, post: Post, reason: str) -> None:
    """Hide a visible post; call with the topic row locked. Hiding the question unlists the topic."""
    was_visible = post.status == PostStatus.VISIBLE
    post.status, post.hidden_reason = PostStatus.HIDDEN, reason[:200]
    post.save(update_fields=["status", "hidden_reason"])
    if post.number == 1:
        topic.visible = False
    elif was_visible:
        topic.replies_count = max(0, topic.replies_count - 1)
    if topic.accepted_post_id == post.pk:
        topic.accepted_post, topic.solved_at = None, None
    topic.save()


def record_read(member: MemberProfile, topic: Topic, visible_posts: int) -> None:
    """A member opened a topic: topics entered, posts read, days visited; promotion at the threshold."""
    with transaction.atomic():
        member = MemberProfile.objects.select_for_update().get(pk=member.pk)
        read, created = TopicRead.objects.get_or_create(topic=topic, member=member)
        fresh = max(0, visible_posts - read.posts_seen)
        if fresh:
            TopicRead.objects.filter(pk=read.pk).update(posts_seen=visible_posts)
        member.topics_entered += int(created)
        member.posts_read += fresh
        today = now().date()
        if member.last_visited_on != today:
            member.days_visited += 1
            member.last_visited_on = today
        _promote(member)
        member.save()
        Topic.objects.filter(pk=topic.pk).update(views=F("views") + 1)


def record_reading_time(member: MemberProfile, seconds: int) -> None:
    """The page's reading beacon: at most a minute per report."""
    seconds = max(0, min(60, int(seconds)))
    with transaction.atomic():
        member = MemberProfile.objects.select_for_update().get(pk=member.pk)
        member.read_seconds += seconds
        _promote(member)
        member.save(update_fields=["read_seconds", "trust_level"])


def _promote(member: MemberProfile) -> None:
    earned = trust.earned_level(member)
    if earned > member.trust_level and member.trust_level < 4:
        member.trust_level = earned


def set_trust_level(viewer: Viewer, member: MemberProfile, level: int) -> MemberProfile:
    _require_staff(viewer)
    if not 0 <= level <= 4:
        raise ValidationError("a trust level is 0 to 4")
    MemberProfile.objects.filter(pk=member.pk).update(trust_level=level)
    member.trust_level = level
    return member


def subscribe(viewer: Viewer, topic_id: int, *, on: bool = True) -> None:
    _author(viewer)
    topic = Topic.objects.filter(pk=topic_id, visible=True).first()
    if topic is None:
        raise NotFound("topic not found")
    if on:
        _subscribe(topic, viewer.user)
    else:
        Subscription.objects.filter(topic=topic, user=viewer.user).delete()


def mark_escalated(topic_id: int) -> bool:
    """The desk has the topic (its event is stored). True only the first time. Call inside the
    transaction that stores the event, so both or neither are kept."""
    return bool(Topic.objects.filter(pk=topic_id, escalated_at__isnull=True).update(escalated_at=now()))


def link_conversation(topic_id: int, conversation_id: int) -> None:
    """The desk opened `conversation_id` for the topic (staff see the link on the topic)."""
    Topic.objects.filter(pk=topic_id, desk_conversation_id__isnull=True).update(desk_conversation_id=conversation_id)
