"""Agents turn a reply (or any answer) into a draft help-centre article: two clicks.

Click one: "Make article" on a message in the conversation page opens this form, prefilled
with the customer's question as the title and the reply as the body. Click two: "Save draft".
`knowledge/drafts/new/` is the same form for text from elsewhere: an accepted forum answer's
button posts `title`, `body`, `source=post:<id>` and `prefill=1` to it.
"""

from __future__ import annotations

import re

from django.contrib import messages as flash
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from heedful.accounts.access import access_conversation, require_text_reader
from heedful.conversations.models import Direction, Message
from heedful.core.errors import HeedfulError, NotFound
from heedful.knowledge import actions, search
from heedful.knowledge.models import Category
from heedful.web.views.helpers import page_view

DEFAULT_CATEGORY = "From conversations"
SOURCE = re.compile(r"[a-z]+:\d{1,18}")


def _question(message: Message) -> str:
    """The customer's words just before the reply: the article's title to start from."""
    if message.direction == Direction.IN:
        text = message.display_text or message.text
    else:
        earlier = (Message.objects.filter(conversation_id=message.conversation_id, direction=Direction.IN,
                                          sent_at__lte=message.sent_at).exclude(pk=message.pk)
                   .order_by("-sent_at", "-pk").first())
        text = (earlier.display_text or earlier.text) if earlier else ""
    text = " ".join((text or message.conversation.subject or "").split())
    return text if len(text) <= 120 else text[:117].rsplit(" ", 1)[0] + "..."


def _source(value: str) -> str:
    """A reference like "post:12"; anything else is dropped."""
    return value[:40] if SOURCE.fullmatch(value or "") else ""


def _form(request, initial: dict, back: str, *, posted_source: bool = False):
    saving = request.method == "POST" and not request.POST.get("prefill")
    data = request.POST if saving else initial
    source = _source(request.POST.get("source", "")) if saving and posted_source else initial.get("source", "")
    if saving:
        try:
            with transaction.atomic():
                article = actions.create_article(request.user, title=data.get("title", ""), body=data.get("body", ""),
                                                 category=data.get("category", "") or DEFAULT_CATEGORY,
                                                 source=source)
        except HeedfulError as exc:
            if isinstance(exc, NotFound):
                raise
            flash.error(request, str(exc))
        else:
            flash.success(request, f"Draft article #{article.pk} saved: “{article.title}”. "
                                   "Publish it from the help-centre API when it is ready.")
            return redirect(back)
    return render(request, "heedful/knowledge/draft.html", {
        "form": {k: data.get(k, "") for k in ("title", "body", "category")} | {"category": data.get("category") or DEFAULT_CATEGORY},
        "categories": Category.objects.values_list("name", flat=True), "back": back,
        "source": source if posted_source else "",
    })


@page_view
def draft_from_message(request, conversation_id: int, message_id: int):
    conversation = access_conversation(request.user, conversation_id)
    require_text_reader(request.user)
    message = Message.objects.filter(conversation=conversation, pk=message_id).select_related("conversation").first()
    if message is None:
        raise NotFound("message not found")
    initial = {"title": _question(message), "body": message.display_text or message.text,
               "source": f"message:{message.pk}"}
    return _form(request, initial, f"/conversations/{conversation.pk}/")


@page_view
def draft_new(request):
    """GET with `title`, `body`, `source` in the query, or a POST of them with `prefill=1` (a
    button on a page, for long answers): the prefilled form. A POST without `prefill` saves."""
    require_text_reader(request.user)
    params = request.POST if request.method == "POST" and request.POST.get("prefill") else request.GET
    initial = {"title": params.get("title", "")[:200], "body": params.get("body", "")[:20_000],
               "category": params.get("category", "")[:120], "source": _source(params.get("source", ""))}
    nxt = params.get("next", "") or request.POST.get("next", "")  # the saving POST carries it too
    back = nxt if nxt.startswith("/") and url_has_allowed_host_and_scheme(nxt, allowed_hosts=None) else "/inbox/"
    return _form(request, initial, back, posted_source=True)


@page_view
def suggested_articles(request, conversation_id: int):
    """Beside the reply box: published articles for the customer's latest message (a partial)."""
    conversation = access_conversation(request.user, conversation_id)
    require_text_reader(request.user)
    latest = (Message.objects.filter(conversation=conversation, direction=Direction.IN)
              .order_by("-sent_at", "-pk").values_list("display_text", "text").first())
    question = (latest[0] or latest[1]) if latest else conversation.subject
    return render(request, "heedful/knowledge/_suggested.html",
                  {"articles": search.suggest_articles(question or "", limit=3), "conversation": conversation})
