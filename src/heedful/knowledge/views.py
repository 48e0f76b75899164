"""The public help centre: server-rendered, indexable pages anyone can read.

Agents write articles in the workspace and through the API; these pages only read, apart from
the per-article view count and the "was this helpful?" form (CSRF-protected like every form).
"""

from __future__ import annotations

import json

from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from heedful.knowledge import actions, markdown, search
from heedful.knowledge.models import Article, ArticleVote, Category


def _published(article_id: int) -> Article:
    article = (Article.objects.select_related("category", "published_revision")
               .filter(pk=article_id, status=Article.Status.PUBLISHED, published_revision__isnull=False).first())
    if article is None:
        raise Http404("article not found")
    return article


@require_GET
def index(request):
    query = request.GET.get("q", "").strip()[:200]
    results = search.suggest_articles(query, limit=20) if query else []
    categories = []
    if not query:
        articles = (Article.objects.filter(status=Article.Status.PUBLISHED, published_revision__isnull=False)
                    .order_by("category__position", "category__name", "-views", "title")
                    .values("pk", "slug", "title", "category_id"))
        by_category: dict[int, list] = {}
        for a in articles:
            by_category.setdefault(a["category_id"], []).append({**a, "url": f"/help/articles/{a['pk']}-{a['slug']}/"})
        categories = [{"category": c, "articles": by_category[c.pk]}
                      for c in Category.objects.filter(pk__in=by_category)]
    return render(request, "heedful/knowledge/index.html",
                  {"query": query, "results": results, "categories": categories})


@require_GET
def article_page(request, article_id: int, slug: str):
    article = _published(article_id)
    if slug != article.slug:
        return HttpResponseRedirect(article.url, status=301)
    actions.record_view(article.pk)
    revision = article.published_revision
    voted = None
    member = _member(request)
    voter = (actions.member_voter_key(member.user_id) if member is not None
             else actions.voter_key(request.session.session_key) if request.session.session_key else None)
    if voter:
        voted = ArticleVote.objects.filter(article=article, voter=voter).values_list("helpful", flat=True).first()
    return render(request, "heedful/knowledge/article.html", {
        "article": article, "revision": revision, "html": markdown.render(revision.body),
        "description": markdown.plain(revision.body)[:160], "related": search.related(article),
        "voted": voted, "thanks": request.GET.get("voted") == "1", "ld_json": _ld_json(article, revision),
        "member": member,
    })


def _member(request):
    """The forum member signed in on this browser (set by the forum's middleware), or None:
    one sign-in for the forum and the help centre, without this app importing the forum."""
    return getattr(request, "community_member", None)


def _ld_json(article: Article, revision) -> str:
    data = {"@context": "https://schema.org", "@type": "Article", "headline": revision.title,
            "datePublished": article.published_at.isoformat() if article.published_at else None,
            "dateModified": revision.published_at.isoformat() if revision.published_at else None}
    # Inside <script> only "<", ">" and "&" could end it or start markup: escape them.
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@require_POST
def vote(request, article_id: int):
    article = _published(article_id)
    helpful = request.POST.get("helpful")
    if helpful not in ("yes", "no"):
        return HttpResponseRedirect(article.url)
    member = _member(request)
    if member is None and not request.session.session_key:
        request.session.save()
    with transaction.atomic():
        actions.vote(article, request.session.session_key or "", helpful == "yes",
                     member_user=member.user if member is not None else None)
    return HttpResponseRedirect(f"{article.url}?voted=1#helpful")
