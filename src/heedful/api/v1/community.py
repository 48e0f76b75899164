"""The community forum's API. Members use their member token (`heedful create-member`); staff
their desk token or workspace session. Reads of public topics need no token.

`Authorization: Token <key>` is tried as a member key first, then as a desk key (throttled like
every API token). A session caller must pass the CSRF check on unsafe methods.
"""

from __future__ import annotations

from typing import Annotated

from django.db import transaction
from ninja import Router, Schema, Status
from ninja.security import APIKeyHeader
from ninja.utils import check_csrf
from pydantic import ConfigDict, Field

from heedful.api.v1.auth import TokenAuth
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.community import actions, members, selectors
from heedful.community.members import ANONYMOUS, Viewer
from heedful.community.models import Category, Post, Topic
from heedful.community_desk import bridge
from heedful.core.errors import PermissionDenied, Unauthorized

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped


Text = r"\S"  # at least one character that is not white space


class CategoryIn(_Strict):
    slug: Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")]
    name: Annotated[str, Field(min_length=1, max_length=120, pattern=Text)]
    support: bool = False
    escalate_after_minutes: Annotated[int, Field(ge=0, le=525_600)] = 60


class TopicIn(_Strict):
    category: str = Field(..., description="the category's slug")
    title: Annotated[str, Field(min_length=3, max_length=200, pattern=r"\S.+\S")]
    body: Annotated[str, Field(min_length=1, max_length=32_000, pattern=Text, description="Markdown")]


class PostIn(_Strict):
    body: Annotated[str, Field(min_length=1, max_length=32_000, pattern=Text, description="Markdown")]


class CommunityAuth(APIKeyHeader):
    """Resolves every caller to a `Viewer` before the body is read: a member or staff by
    `Authorization: Token <key>` (a member key first, then a desk key, throttled like every API
    token), else by session (CSRF-checked on unsafe methods), else an anonymous reader."""

    param_name = "Authorization"

    def __call__(self, request):
        header = request.headers.get("Authorization", "")
        if header:
            key = header.removeprefix("Token ").strip() if header.startswith("Token ") else ""
            member = members.member_by_token(key)
            if member is not None:
                return members.member_viewer(member)
            user = TokenAuth().authenticate(request, header)
            if user is None:
                raise Unauthorized("unknown or missing token")
            return members.staff_viewer(user) if members.is_staff(user) else ANONYMOUS
        found = members.viewer_of(request)
        if found.authenticated and request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise PermissionDenied("CSRF check failed: a session must send the X-CSRFToken header")
        return found

    def authenticate(self, request, key):  # every caller is resolved in __call__
        return None


router = Router(tags=["community"], auth=CommunityAuth())


def _writer(request) -> Viewer:
    found = request.auth
    if not found.authenticated:
        raise Unauthorized("a member or staff token is required")
    return found


def category_json(category: Category) -> dict:
    return {"id": category.pk, "slug": category.slug, "name": category.name, "support": category.support,
            "escalate_after_minutes": category.escalate_after_minutes}


def post_json(post: Post) -> dict:
    return {"id": post.pk, "author": post.author_name, "staff": post.staff, "body_html": post.body_html,
            "status": post.status}


def topic_json(request, who: Viewer, topic: Topic) -> dict:
    return {
        "id": topic.pk, "url": request.build_absolute_uri(topic.get_absolute_url()), "title": topic.title,
        "category": topic.category.slug, "solved": topic.solved, "accepted_post": topic.accepted_post_id,
        "conversation": bridge.conversation_id(topic.pk) if who.staff else None,
        "posts": [post_json(p) for p in selectors.posts_for(who, topic)],
    }


@router.post("/community/categories", response={201: dict})
@answers(401, 403, 409)
def create_category(request, body: CategoryIn):
    who = _writer(request)
    category = actions.create_category(who, slug=body.slug, name=body.name, support=body.support,
                                       escalate_after_minutes=body.escalate_after_minutes)
    return Status(201, category_json(category))


@router.post("/community/topics", response={201: dict})
@answers(401, 403, 404, 429)
def create_topic(request, body: TopicIn):
    who = _writer(request)
    topic = actions.create_topic(who, category=body.category, title=body.title, body=body.body)
    return Status(201, topic_json(request, who, selectors.topic_for(who, topic.pk)))


@router.post("/community/topics/{topic_id}/posts", response={201: dict})
@answers(401, 403, 429)
def create_post(request, topic_id: int, body: PostIn):
    who = _writer(request)
    post = actions.create_post(who, topic_id, body.body)
    return Status(201, post_json(post))


@router.post("/community/posts/{post_id}/accept")
@answers(400, 401, 403)
def accept_post(request, post_id: int):
    who = _writer(request)
    topic = actions.accept(who, post_id)
    return topic_json(request, who, topic)


@router.get("/community/topics/{topic_id}", auth=None)
@answers(401)
def get_topic(request, topic_id: int):
    """A public topic; a member or staff token (or session) may be sent to see more."""
    who = CommunityAuth()(request)
    return topic_json(request, who, selectors.topic_for(who, topic_id))


@router.get("/community/review-queue")
@answers(401, 403)
def review_queue(request):
    who = _writer(request)
    if not who.staff:
        raise PermissionDenied("only staff read the review queue")
    waiting = selectors.review_queryset()

    def row(post: Post) -> dict:
        return {**post_json(post), "topic": post.topic_id, "topic_title": post.topic.title,
                "reason": post.review_reason, "created_at": post.created_at.isoformat()}

    with transaction.atomic():
        return paginate(request, waiting, row)

