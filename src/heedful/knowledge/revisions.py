"""Revision history and the difference between two revisions."""

from __future__ import annotations

import difflib

from heedful.knowledge.models import ArticleRevision


def diff(older: ArticleRevision, newer: ArticleRevision, context: int = 3) -> str:
    """A unified diff of title and body, as `diff -u` prints it."""
    a = [f"# {older.title}", ""] + older.body.splitlines()
    b = [f"# {newer.title}", ""] + newer.body.splitlines()
    return "\n".join(difflib.unified_diff(a, b, f"revision {older.number}", f"revision {newer.number}",
                                          n=context, lineterm=""))


def history(article) -> list[dict]:
    published = article.published_revision_id
    return [{"number": r.number, "title": r.title, "author": r.author_id, "created_at": r.created_at.isoformat(),
             "published_at": r.published_at.isoformat() if r.published_at else None,
             "current": r.pk == published, "embedded": bool(r.embedding_model)}
            for r in article.revisions.order_by("number").defer("body", "embedding")]
