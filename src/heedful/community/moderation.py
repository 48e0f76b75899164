"""Moderation writes: the review queue, hide and restore, edit, close, merge. Staff only."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from heedful.community import markdown, trust
from heedful.community.actions import (
    _after_visible_post,
    _clean_body,
    _own_host,
    hide_locked,
    lock_topic,
    refresh_search_vector,
    search_text,
)
from heedful.community.members import Viewer
from heedful.community.models import MemberProfile, Post, PostStatus, Topic
from heedful.core.clock import now
from heedful.core.errors import NotFound, PermissionDenied, ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit


def _staff(viewer: Viewer) -> None:
    if not viewer.staff:
        raise PermissionDenied("only staff moderate the community")


def _post(post_id: int) -> Post:
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        raise NotFound("post not found")
    return post


def approve(viewer: Viewer, post_id: int) -> Post:
    """A post from the review queue goes live (and its topic, when it is the question)."""
    _staff(viewer)
    with transaction.atomic():
        topic = lock_topic(_post(post_id).topic_id)
        post = Post.objects.select_for_update().get(pk=post_id)
        if post.status != PostStatus.REVIEW:
            raise ValidationError("this post is not waiting for review")
        post.status, post.review_reason = PostStatus.VISIBLE, ""
        post.save(update_fields=["status", "review_reason"])
        if post.number == 1:
            topic.visible = True
        _after_visible_post(topic, post)
        topic.save()
        emit(names.COMMUNITY_POST_APPROVED, topic_id=topic.pk, post_id=post.pk)
    return post


def hide(viewer: Viewer, post_id: int, reason: str = "hidden by a moderator") -> Post:
    """Hide a post (also how a moderator rejects one from the review queue)."""
    _staff(viewer)
    with transaction.atomic():
        topic = lock_topic(_post(post_id).topic_id)
        post = Post.objects.select_for_update().get(pk=post_id)
        hide_locked(topic, post, reason)
    return post


def restore(viewer: Viewer, post_id: int) -> Post:
    _staff(viewer)
    with transaction.atomic():
        topic = lock_topic(_post(post_id).topic_id)
        post = Post.objects.select_for_update().get(pk=post_id)
        if post.status != PostStatus.HIDDEN:
            raise ValidationError("this post is not hidden")
        post.status, post.hidden_reason, post.flag_score = PostStatus.VISIBLE, "", 0
        post.save(update_fields=["status", "hidden_reason", "flag_score"])
        if post.number == 1:
            topic.visible = True
        else:
            topic.replies_count += 1
        topic.save()
    return post


def edit(viewer: Viewer, post_id: int, body: str) -> Post:
    """Staff edit any post; a member edits their own while it is not hidden."""
    body = _clean_body(body)
    with transaction.atomic():
        topic = lock_topic(_post(post_id).topic_id)
        post = Post.objects.select_for_update().get(pk=post_id)
        own = viewer.user is not None and post.author_id == viewer.user.pk and post.status != PostStatus.HIDDEN
        if not (viewer.staff or own):
            raise PermissionDenied("you may edit only your own posts")
        member = MemberProfile.objects.filter(user_id=post.author_id).first()
        post.body, post.edited_at = body, now()
        post.body_html = markdown.render(body, nofollow=trust.nofollow(member, staff=post.staff), own_host=_own_host())
        post.save(update_fields=["body", "body_html", "edited_at"])
        if post.number == 1 or topic.accepted_post_id == post.pk:
            topic.search_text = search_text(topic)
            topic.save(update_fields=["search_text"])
            refresh_search_vector(topic.pk)
    return post


def close(viewer: Viewer, topic_id: int, *, closed: bool = True) -> Topic:
    _staff(viewer)
    with transaction.atomic():
        topic = lock_topic(topic_id)
        topic.closed = closed
        topic.save(update_fields=["closed"])
    return topic


def merge(viewer: Viewer, source_id: int, target_id: int) -> Topic:
    """Move every post of `source` to the end of `target`; `source` is closed and points there."""
    _staff(viewer)
    if source_id == target_id:
        raise ValidationError("a topic cannot be merged into itself")
    with transaction.atomic():
        first, second = sorted([source_id, target_id])  # lock in id order: no deadlock
        locked = {first: lock_topic(first), second: lock_topic(second)}
        source, target = locked[source_id], locked[target_id]
        moved = list(Post.objects.filter(topic=source).order_by("number"))
        for post in moved:
            target.highest_number += 1
            post.topic, post.number = target, target.highest_number
        Post.objects.filter(topic=source).update(number=F("number") + 1_000_000)  # free the numbers
        Post.objects.bulk_update(moved, ["topic", "number"])
        target.replies_count += sum(1 for p in moved if p.status == PostStatus.VISIBLE)
        target.last_posted_at = max([target.last_posted_at, *(p.created_at for p in moved)])
        target.save()
        source.closed, source.visible, source.merged_into = True, False, target
        source.replies_count, source.accepted_post = 0, None
        source.save()
    return target
