"""The help centre's API: articles and revisions (agents), suggestions and their opens (public).

`GET /knowledge/suggest` is the edge where the two self-service sources meet: published
articles from `knowledge.search` and solved forum topics from `community.search` (when the forum
is installed), merged by score. Neither domain app imports the other.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import cache
from typing import Annotated, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict

from heedful.accounts.models import Role
from heedful.api.v1.pagination import paginate
from heedful.core.errors import NotFound, PermissionDenied
from heedful.knowledge import actions, revisions, search
from heedful.knowledge.models import Article, ArticleRevision
from heedful.knowledge.ranking import MIN_SCORE

router = Router(tags=["knowledge"])
MAX_ID = 2**63 - 1  # past this no row can exist, and SQLite cannot even bind the number
WRITERS = {Role.ADMIN, Role.SUPERVISOR, Role.AGENT}
MAX_LIMIT = 20


class _Strict(Schema):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, never dropped


Title = Annotated[str, Field(min_length=1, max_length=200, pattern=r"\S")]
Body = Annotated[str, Field(max_length=100_000, description="Markdown")]


class ArticleIn(_Strict):
    title: Title
    body: Body = ""
    status: Literal["draft", "published"] = "draft"
    category: str = Field(..., min_length=1, max_length=120, pattern=r"\S",
                          description="a category name; created when new")


class RevisionIn(_Strict):
    title: Title
    body: Body = ""
    status: Literal["draft", "published"] = Field("draft", description="draft keeps the published revision live")


class PublishIn(_Strict):
    revision: int | None = Field(None, ge=1, le=MAX_ID, description="revision number; default the latest")


class OpenedIn(_Strict):
    kind: Literal["article", "topic"]
    id: int = Field(..., ge=1, le=MAX_ID)
    session: str = Field(..., pattern=r"^[A-Za-z0-9._:-]{1,64}$",
                         description="the customer's session key (the widget's or the page's)")
    query: str = Field("", max_length=2000)
    surface: str = Field("", max_length=200, description="where it was shown: widget, new-topic, help, ...")


def _writer(request):
    user = request.auth
    profile = getattr(user, "profile", None)
    role = Role.ADMIN if user.is_superuser else (profile.role if profile else "")
    if role not in WRITERS:
        raise PermissionDenied("only agents write help-centre articles")
    return user


def _article(article: Article, *, full: bool = False) -> dict:
    current = article.published_revision
    latest = article.revisions.order_by("-number").first()
    out = {"id": article.pk, "title": article.title, "slug": article.slug, "status": article.status,
           "category": article.category.name, "url": article.url,
           "published_revision": current.number if current else None,
           "latest_revision": latest.number if latest else None, "views": article.views,
           "created_at": article.created_at.isoformat(),
           "published_at": article.published_at.isoformat() if article.published_at else None}
    if full:
        shown = latest if latest else current
        out["body"] = shown.body if shown else ""
        out["revisions"] = revisions.history(article)
        votes = list(article.votes.values_list("helpful", flat=True))
        out["helpful"] = {"yes": sum(votes), "no": len(votes) - sum(votes)}
    return out


def _get(article_id: int) -> Article:
    if not 0 < article_id <= MAX_ID:
        raise NotFound("article not found")
    article = Article.objects.select_related("category", "published_revision").filter(pk=article_id).first()
    if article is None:
        raise NotFound("article not found")
    return article


@router.get("/knowledge/articles")
def list_articles(request, status: str = "", q: str = ""):
    _writer(request)
    qs = Article.objects.select_related("category", "published_revision").order_by("-created_at", "-pk")
    if status:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(title__icontains=q)
    return paginate(request, qs, _article)


@router.post("/knowledge/articles", response={201: dict})
def create_article(request, body: ArticleIn):
    author = _writer(request)
    publish = body.status == "published"
    with transaction.atomic():
        article = actions.create_article(author, title=body.title, body=body.body, category=body.category,
                                         publish=publish)
    return Status(201, _article(_get(article.pk), full=True))


@router.get("/knowledge/articles/{article_id}")
def get_article(request, article_id: int):
    _writer(request)
    return _article(_get(article_id), full=True)


@router.post("/knowledge/articles/{article_id}/revisions", response={201: dict})
def add_revision(request, article_id: int, body: RevisionIn):
    author = _writer(request)
    publish = body.status == "published"
    article = _get(article_id)
    with transaction.atomic():
        actions.save_revision(author, article, title=body.title, body=body.body, publish=publish)
    return Status(201, _article(_get(article_id), full=True))


@router.post("/knowledge/articles/{article_id}/publish")
def publish(request, article_id: int, body: PublishIn):
    author = _writer(request)
    article = _get(article_id)
    revision = None
    if body.revision is not None:
        revision = article.revisions.filter(number=body.revision).first()
        if revision is None:
            raise NotFound("revision not found")
    with transaction.atomic():
        actions.publish_revision(author, article, revision)
    return _article(_get(article_id), full=True)


@router.get("/knowledge/articles/{article_id}/diff")
def diff(request, article_id: int, a: int, b: int):
    """Unified diff between revisions number `a` and `b` of the article."""
    _writer(request)
    article = _get(article_id)
    if not (0 < a <= MAX_ID and 0 < b <= MAX_ID):
        raise NotFound("revision not found")
    found = {r.number: r for r in ArticleRevision.objects.filter(article=article, number__in=[a, b])}
    if a not in found or b not in found:
        raise NotFound("revision not found")
    return {"article": article.pk, "a": a, "b": b, "diff": revisions.diff(found[a], found[b])}


@cache
def _community_search():
    """community.search when the forum is installed (checked once), else None."""
    if importlib.util.find_spec("heedful.community") is None or \
            importlib.util.find_spec("heedful.community.search") is None:
        return None
    return importlib.import_module("heedful.community.search")


def _topics(query: str, limit: int) -> list[dict]:
    """Solved forum topics from the community app, when it is installed."""
    module = _community_search()
    return list(module.suggest_topics(query, limit)) if module is not None else []


@router.get("/knowledge/suggest", auth=None)
def suggest(request, response: HttpResponse, q: str = "", limit: int = 5):
    """Published articles and solved community topics for a customer's question (public)."""
    # Public data, no credentials: any site may ask (the web chat runs on the brand's pages).
    response["Access-Control-Allow-Origin"] = "*"
    limit = max(1, min(MAX_LIMIT, limit))
    q = q.strip()[:500]
    if not q:
        return {"results": []}
    base = _base_url(request)
    articles = [{**a, "url": base + a["url"]} for a in search.suggest_articles(q, limit)]
    topics = [{"kind": "topic", "id": t["id"], "title": t["title"],
               "url": base + t["url"] if t["url"].startswith("/") else t["url"], "score": float(t["score"])}
              for t in _topics(q, limit)]
    # The forum ranks by its own full text: bring its scores onto the articles' blended scale.
    topics = [t for t in search.rescore(q, topics) if t["score"] >= MIN_SCORE]
    results = sorted(articles + topics, key=lambda r: -r["score"])
    return {"results": results[:limit]}


def _base_url(request) -> str:
    """Links work from any page that shows them (the web chat runs on the brand's own site)."""
    return (settings.HEEDFUL_BASE_URL or request.build_absolute_uri("/")).rstrip("/")


@router.post("/knowledge/suggestions/opened", auth=None, response={201: dict})
def suggestion_opened(request, body: OpenedIn):
    """A customer opened a suggestion; it counts as a deflection unless a conversation opens in
    the same session (knowledge.actions.record_conversation_opened)."""
    with transaction.atomic():
        opened = actions.record_suggestion_opened(body.session, body.kind, body.id, body.query, body.surface)
    return Status(201, {"id": opened.pk})
