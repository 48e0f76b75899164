"""Every write of the help centre. Call inside a transaction (the API and views wrap each call);
the embedding job and the index refresh run after commit."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min
from django.utils import timezone
from django.utils.text import slugify

from heedful.core import jobs
from heedful.core.errors import NotFound, ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.knowledge.models import (
    Article,
    ArticleRevision,
    ArticleViewDay,
    ArticleVote,
    Category,
    SuggestionOpen,
)

MAX_TITLE, MAX_BODY = 200, 100_000
SESSION_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _slug(text: str, limit: int = 200) -> str:
    return slugify(text)[:limit].strip("-") or "article"


def _check(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationError("an article needs a title")
    if len(title) > MAX_TITLE:
        raise ValidationError(f"the title is longer than {MAX_TITLE} characters")
    if len(body) > MAX_BODY:
        raise ValidationError(f"the body is longer than {MAX_BODY} characters")
    return title, body


def category_named(name: str) -> Category:
    """The category with this name (case-insensitive), created when new."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError("a category needs a name of 1 to 120 characters")
    found = Category.objects.filter(name__iexact=name).first()
    if found:
        return found
    base, n = _slug(name, 130), 1
    slug = base
    while Category.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return Category.objects.create(name=name, slug=slug)


def create_article(author, *, title: str, body: str, category: str, publish: bool = False,
                   source: str = "") -> Article:
    title, body = _check(title, body)
    article = Article.objects.create(category=category_named(category), title=title, slug=_slug(title),
                                     created_by=author, source=source[:40])
    revision = ArticleRevision.objects.create(article=article, number=1, title=title, body=body, author=author)
    if publish:
        publish_revision(author, article, revision)
    return article


def save_revision(author, article: Article, *, title: str, body: str, publish: bool = False) -> ArticleRevision:
    """A new revision (the history keeps every earlier one); published at once when asked."""
    title, body = _check(title, body)
    article = Article.objects.select_for_update().get(pk=article.pk)
    number = (article.revisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    revision = ArticleRevision.objects.create(article=article, number=number, title=title, body=body, author=author)
    if publish:
        publish_revision(author, article, revision)
    elif article.status == Article.Status.DRAFT:
        Article.objects.filter(pk=article.pk).update(title=title, slug=_slug(title))
    return revision


def publish_revision(author, article: Article, revision: ArticleRevision | None = None) -> ArticleRevision:
    """Publish `revision` (default: the latest one). Its embedding is computed after commit."""
    if revision is None:
        revision = article.revisions.order_by("-number").first()
    if revision is None or revision.article_id != article.pk:
        raise NotFound("revision not found")
    now = timezone.now()
    ArticleRevision.objects.filter(pk=revision.pk, published_at__isnull=True).update(published_at=now)
    Article.objects.filter(pk=article.pk).update(
        status=Article.Status.PUBLISHED, published_revision=revision, title=revision.title,
        slug=_slug(revision.title), published_at=article.published_at or now, indexed_at=now)
    jobs.enqueue("heedful.knowledge.embed", revision.pk)
    _refresh_index_after_commit()
    return revision


def archive(author, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(status=Article.Status.ARCHIVED, indexed_at=timezone.now())
    _refresh_index_after_commit()


def store_embedding(revision_id: int, data: bytes, model: str) -> bool:
    """Store a revision's embedding (the job's result); the index picks it up on its next read."""
    updated = ArticleRevision.objects.filter(pk=revision_id).update(embedding=data, embedding_model=model)
    if updated:
        Article.objects.filter(published_revision_id=revision_id).update(indexed_at=timezone.now())
        _refresh_index_after_commit()
    return bool(updated)


def _refresh_index_after_commit() -> None:
    from heedful.knowledge import search

    transaction.on_commit(search.invalidate)


def voter_key(session_key: str) -> str:
    """Votes keep a digest of the visitor's session, never the session key itself."""
    return hashlib.sha256(f"knowledge-vote:{session_key}".encode()).hexdigest()


def member_voter_key(user_id: int) -> str:
    return hashlib.sha256(f"knowledge-vote:member:{user_id}".encode()).hexdigest()


def vote(article: Article, session_key: str, helpful: bool, *, member_user=None) -> ArticleVote:
    """One vote per visitor and article; voting again changes the answer. A signed-in forum
    member (`member_user`) has one vote per article whatever the session or device."""
    if article.status != Article.Status.PUBLISHED:
        raise NotFound("article not found")
    voter = member_voter_key(member_user.pk) if member_user is not None else voter_key(session_key)
    found, _ = ArticleVote.objects.update_or_create(
        article=article, voter=voter,
        defaults={"helpful": bool(helpful), "revision_id": article.published_revision_id, "user": member_user})
    return found


def record_view(article_id: int) -> None:
    """Count one view (running total and the day's row). Two small UPDATEs, no read first."""
    today = timezone.now().date()
    Article.objects.filter(pk=article_id).update(views=F("views") + 1)
    if ArticleViewDay.objects.filter(article_id=article_id, day=today).update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            ArticleViewDay.objects.create(article_id=article_id, day=today, views=1)
    except IntegrityError:  # another request created the day's row first
        ArticleViewDay.objects.filter(article_id=article_id, day=today).update(views=F("views") + 1)


def record_suggestion_opened(session: str, kind: str, item_id: int, query: str = "",
                             surface: str = "") -> SuggestionOpen:
    session = (session or "").strip()
    if not SESSION_KEY.fullmatch(session):
        raise ValidationError("session must be 1 to 64 letters, digits or . _ : -")
    if kind not in SuggestionOpen.Kind.values:
        raise ValidationError("kind must be article or topic")
    # The item is not looked up: a topic is the forum's row, not ours, and a deflection is
    # counted per session, whatever was opened in it.
    return SuggestionOpen.objects.create(session=session, kind=kind, item_id=item_id,
                                         query=_printable(query)[:200], surface=_printable(surface)[:20],
                                         opened_at=timezone.now())


# Where a suggestion was shown -> the channel provider it kept the customer from.
SURFACE_PROVIDERS = {"widget": "webchat", "new-topic": "community", "community": "community"}


def settle_deflections(now=None, limit: int = 1000) -> int:
    """Close the sessions whose window is over: one `deflection.recorded` event for each that
    opened a suggestion and no conversation (the reports count them). Idempotent: a settled
    session is never counted again. Returns how many deflections it recorded."""
    from heedful.knowledge.deflection import session_window

    now = now or timezone.now()
    due = list(SuggestionOpen.objects.filter(settled_at__isnull=True).values("session")
               .annotate(first=Min("opened_at"), first_id=Min("pk"), escalated=Count("conversation_opened_at"),
                         surface=Min("surface"))
               .filter(first__lte=now - session_window()).order_by("first")[:limit])
    if not due:
        return 0
    SuggestionOpen.objects.filter(session__in=[s["session"] for s in due], settled_at__isnull=True,
                                  opened_at__lte=now).update(settled_at=now)
    deflected = [s for s in due if not s["escalated"]]
    for s in deflected:
        emit(names.DEFLECTION_RECORDED, deflection_id=s["first_id"], at=s["first"].isoformat(),
             provider=SURFACE_PROVIDERS.get(s["surface"], ""), channel_id=0, source=s["surface"] or "knowledge")
    return len(deflected)


def _printable(text: str) -> str:
    return "".join(ch for ch in (text or "") if ch.isprintable())


def record_conversation_opened(session: str, at=None, window: timedelta | None = None) -> int:
    """The customer of `session` opened a conversation after all: their opened suggestions of
    that session did not deflect it. Called by the surface that opens the conversation (web
    chat, new forum topic in a support category). Returns how many opens it marked."""
    from heedful.knowledge.deflection import session_window

    at = at or timezone.now()
    window = window or session_window()
    return SuggestionOpen.objects.filter(
        session=session, conversation_opened_at__isnull=True, opened_at__lte=at,
        opened_at__gte=at - window).update(conversation_opened_at=at)
