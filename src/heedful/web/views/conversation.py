"""The conversation page and the partials that live updates fetch."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from heedful.accounts.access import access_conversation
from heedful.analytics import bypass
from heedful.conversations import delivery
from heedful.conversations.models import Direction, Message, Note
from heedful.outbound import replies
from heedful.web import timeline, workspace
from heedful.web.inbox_query import InboxFilter
from heedful.web.views import templates
from heedful.web.views.helpers import page_view
from heedful.web.views.inbox import sidebar_context


@page_view
def conversation_page(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    context = {
        **workspace.chrome_context(request.user, conversation),
        **workspace.reply_context(request.user, conversation),
        **sidebar_context(request.user, InboxFilter.from_query(request.GET)),
        "thread": timeline.thread_page(conversation, before=request.GET.get("before", "")),
        "default_acknowledgement": replies.DEFAULT_ACKNOWLEDGEMENT,
        "back_query": InboxFilter.from_query(request.GET).querystring(),
        "bypass": bypass.of(conversation.pk),
        **templates.offer(conversation),  # outside WhatsApp's window: the approved templates
    }
    # read receipts (the customer's side shows "seen") for the page on screen, not the thread
    delivery.mark_read_by_brand(conversation.pk, since=timeline.oldest_sent_at(context["thread"]))
    return render(request, "heedful/conversation/page.html", context)


@page_view
def older(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    thread = timeline.thread_page(conversation, before=request.GET.get("before", ""))
    return render(request, "heedful/conversation/_entries.html", {"thread": thread, "conversation": conversation})


@page_view
def message_partial(request, conversation_id: int, message_id: int):
    conversation = access_conversation(request.user, conversation_id)
    message = get_object_or_404(timeline.messages_query(conversation), pk=message_id)
    if message.direction == Direction.IN:  # fetched by an open page: on the agent's screen now
        delivery.mark_read_by_brand(conversation.pk, up_to=message.pk)
    return render(request, "heedful/conversation/_message.html", {"m": message, "conversation": conversation})


@page_view
def note_partial(request, conversation_id: int, note_id: int):
    conversation = access_conversation(request.user, conversation_id)
    note = get_object_or_404(Note.objects.select_related("author"), conversation=conversation, pk=note_id)
    return render(request, "heedful/conversation/_note.html", {"n": note, "conversation": conversation})


@page_view
def chrome_partial(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    return render(request, "heedful/conversation/_chrome.html", workspace.chrome_context(request.user, conversation))


def message_by_id(conversation, message_id: int) -> Message:
    return get_object_or_404(timeline.messages_query(conversation), pk=message_id)
