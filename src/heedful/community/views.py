"""The forum's public pages: server-rendered, cacheable by anonymous readers, indexable.

Views are thin: they read through `selectors`/`search`, write through one action each, and map
the actions' typed errors to a status page in one place (`forum_view`).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from heedful.community import actions, moderation, search, selectors
from heedful.community.forms import FlagForm, ReplyForm, TopicForm
from heedful.community.markdown import plain_text
from heedful.community.members import viewer_of
from heedful.community.models import FlagReason, Post, PostStatus
from heedful.core.errors import HeedfulError, PermissionDenied


def forum_view(view):
    """Typed errors become a small status page (429 with Retry-After; 404 for what is hidden)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except HeedfulError as exc:
            if exc.status == 404:
                raise Http404(str(exc)) from None
            response = render(request, "community/error.html", {"message": str(exc), "status": exc.status,
                                                                  "viewer": viewer_of(request)},
                              status=exc.status)
            if getattr(exc, "retry_after", None) is not None:
                response["Retry-After"] = str(exc.retry_after)
            return response

    return wrapper


def _page(request, template: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("viewer", viewer_of(request))
    context.setdefault("categories", selectors.categories())
    return render(request, template, context, status=status)


def _before(request) -> tuple[datetime, int] | None:
    """The keyset of the previous page's last topic, or None (an unreadable one: the first page)."""
    try:
        at = parse_datetime(request.GET.get("before_at", "") or "")
    except ValueError:
        return None
    pk = request.GET.get("before_id", "")
    return (at, int(pk)) if at and pk.isdigit() and len(pk) < 19 else None


@require_GET
@forum_view
def index(request):
    return _page(request, "community/index.html", {"topics": selectors.latest_topics()})


@require_GET
@forum_view
def category(request, slug):
    cat = selectors.category(slug)
    topics = selectors.latest_topics(cat, before=_before(request))
    more = topics[-1] if len(topics) == selectors.PAGE_TOPICS else None
    return _page(request, "community/category.html", {"category": cat, "topics": topics, "more": more})


@forum_view
def new_topic(request, slug):
    cat = selectors.category(slug)
    who = viewer_of(request)
    if not who.authenticated:
        return HttpResponseRedirect(f"/community/login/?next=/community/c/{cat.slug}/new/")
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        topic = actions.create_topic(who, category=cat.slug, title=form.cleaned_data["title"],
                                     body=form.cleaned_data["body"])
        return HttpResponseRedirect(topic.get_absolute_url())
    return _page(request, "community/new_topic.html", {"category": cat, "form": form, "viewer": who})


def _ld_json(data: dict) -> str:
    """JSON for a <script type="application/ld+json">: no '<', '>' or '&' can end the script."""
    text = json.dumps(data, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def _qa_page(request, topic, posts) -> str:
    """schema.org QAPage for a solved topic: the question and its accepted answer."""
    question = next((p for p in posts if p.number == 1), None)
    answer = next((p for p in posts if p.pk == topic.accepted_post_id), None)
    if question is None or answer is None:
        return ""
    url = request.build_absolute_uri(topic.get_absolute_url())
    return _ld_json({
        "@context": "https://schema.org", "@type": "QAPage",
        "mainEntity": {
            "@type": "Question", "name": topic.title, "text": plain_text(question.body),
            "answerCount": max(0, len(posts) - 1), "dateCreated": question.created_at.isoformat(),
            "author": {"@type": "Person", "name": question.author_name},
            "acceptedAnswer": {
                "@type": "Answer", "text": plain_text(answer.body), "upvoteCount": answer.votes_count,
                "dateCreated": answer.created_at.isoformat(), "url": f"{url}#post-{answer.number}",
                "author": {"@type": "Person" if not answer.staff else "Organization", "name": answer.author_name},
            },
        },
    })


@require_GET
@forum_view
def topic(request, topic_id, slug=""):
    who = viewer_of(request)
    found = selectors.topic_for(who, topic_id)
    if found.merged_into_id:
        return HttpResponseRedirect(f"/community/t/{found.merged_into_id}/")
    if slug != found.slug:
        return HttpResponseRedirect(found.get_absolute_url(), status=301)
    page = int(request.GET["page"]) if request.GET.get("page", "").isdigit() else 1
    posts = selectors.posts_for(who, found, page=page)
    if who.member is not None:
        actions.record_read(who.member, found, sum(1 for p in posts if p.status == PostStatus.VISIBLE))
    context = {
        "topic": found, "posts": posts, "viewer": who, "form": ReplyForm(),
        "may_accept": actions.may_accept(who, found), "qa_page": _qa_page(request, found, posts) if found.solved else "",
        "flag_reasons": FlagReason.choices, "page": page,
        "next_page": page + 1 if len(posts) == selectors.PAGE_POSTS else None,
        "canonical": request.build_absolute_uri(found.get_absolute_url()),
    }
    return _page(request, "community/topic.html", context)


@require_POST
@forum_view
def reply(request, topic_id):
    who = viewer_of(request)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        raise PermissionDenied("a reply needs some text")
    post = actions.create_post(who, topic_id, form.cleaned_data["body"])
    return HttpResponseRedirect(f"{post.topic.get_absolute_url()}#post-{post.number}")


def _post_topic_url(post_id: int) -> str:
    post = Post.objects.select_related("topic").filter(pk=post_id).first()
    if post is None:
        raise Http404("post not found")
    return f"{post.topic.get_absolute_url()}#post-{post.number}"


@require_POST
@forum_view
def accept(request, post_id):
    actions.accept(viewer_of(request), post_id)
    return HttpResponseRedirect(_post_topic_url(post_id))


@require_POST
@forum_view
def vote(request, post_id):
    actions.vote(viewer_of(request), post_id)
    return HttpResponseRedirect(_post_topic_url(post_id))


@require_POST
@forum_view
def flag(request, post_id):
    form = FlagForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    actions.flag(viewer_of(request), post_id, reason)
    return HttpResponseRedirect(_post_topic_url(post_id))


@require_POST
@forum_view
def subscribe(request, topic_id):
    actions.subscribe(viewer_of(request), topic_id, on=request.POST.get("on", "1") == "1")
    return HttpResponseRedirect(f"/community/t/{topic_id}/")


@require_POST
@forum_view
def reading(request, topic_id):
    """The topic page's reading beacon (seconds spent reading, at most one minute a report)."""
    who = viewer_of(request)
    seconds = request.POST.get("seconds", "")
    if who.member is not None and seconds.isdigit():
        actions.record_reading_time(who.member, int(seconds))
    return HttpResponse(status=204)


@forum_view
def review(request):
    who = viewer_of(request)
    if not who.staff:
        raise PermissionDenied("only staff see the review queue")
    return _page(request, "community/review.html", {"posts": selectors.review_queue()})


@require_POST
@forum_view
def moderate(request, post_id, verb):
    who = viewer_of(request)
    {"approve": moderation.approve, "hide": moderation.hide, "restore": moderation.restore}[verb](who, post_id)
    return HttpResponseRedirect(request.POST.get("back") if request.POST.get("back") == "/community/review/"
                                else _post_topic_url(post_id))


@require_GET
@forum_view
def search_page(request):
    query = request.GET.get("q", "")[:200]
    results = search.search(query, limit=30) if query else []
    return _page(request, "community/search.html", {"query": query, "results": results})


@require_GET
def sitemap(request):
    base = settings.HEEDFUL_BASE_URL.rstrip("/") if settings.HEEDFUL_BASE_URL else request.build_absolute_uri("/").rstrip("/")
    return render(request, "community/sitemap.xml",
                  {"base": base, "categories": selectors.categories(), "topics": selectors.sitemap_topics()},
                  content_type="application/xml")
