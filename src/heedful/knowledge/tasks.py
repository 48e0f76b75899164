"""Help-centre jobs (Celery tasks in production, in-process in embedded mode)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import transaction

from heedful.core import jobs
from heedful.knowledge import actions, embeddings, encoder
from heedful.knowledge.models import Article, ArticleRevision


def _semantic() -> bool:
    return getattr(settings, "HEEDFUL_SEMANTIC_SEARCH", True) and encoder.available()


@shared_task(name="heedful.knowledge.embed")
@jobs.job("heedful.knowledge.embed")
def embed_revision(revision_id: int) -> bool:
    """Compute and store one revision's embedding; idempotent (a stored one is kept). Runs the
    encoder outside any transaction: it takes milliseconds per paragraph, not a row lock's time."""
    if not _semantic():
        return False
    revision = ArticleRevision.objects.filter(pk=revision_id).only("title", "body", "embedding_model").first()
    if revision is None or revision.embedding_model == embeddings.MODEL:
        return False
    data = embeddings.to_bytes(embeddings.embed(revision.title, revision.body))
    with transaction.atomic():
        return actions.store_embedding(revision_id, data, embeddings.MODEL)


@shared_task(name="heedful.knowledge.settle_deflections")
@jobs.job("heedful.knowledge.settle_deflections")
def settle_deflections() -> int:
    with transaction.atomic():
        return actions.settle_deflections()


@shared_task(name="heedful.knowledge.embed_missing")
@jobs.job("heedful.knowledge.embed_missing")
def embed_missing(limit: int = 100) -> int:
    """The sweeper's part: published revisions whose embedding a crash or an install of the model
    package after publishing left uncomputed."""
    if not _semantic():
        return 0
    ids = list(Article.objects.filter(status=Article.Status.PUBLISHED)
               .exclude(published_revision__embedding_model=embeddings.MODEL)
               .values_list("published_revision_id", flat=True)[:limit])
    return sum(bool(embed_revision(i)) for i in ids if i)
