"""POST endpoints of the conversation page. Each one checks the gate, runs one action in a
transaction, and answers with the partial that changed (or a redirect without JavaScript)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from heedful.accounts.access import access_conversation, assignable_teams
from heedful.conversations import actions, labels, merge, snooze
from heedful.conversations.attachments import NewFile
from heedful.conversations.models import Delivery, Priority
from heedful.core.clock import now
from heedful.core.errors import NotFound, ValidationError
from heedful.outbound import actions as outbound_actions
from heedful.outbound import replies
from heedful.realtime import presence
from heedful.web import workspace
from heedful.web.views.conversation import message_by_id
from heedful.web.views.helpers import command_view, is_fetch, is_htmx


def _wants_partial(request) -> bool:
    return is_htmx(request) or is_fetch(request)


def _chrome(request, conversation):
    """The changed header and side panel; or back to the inbox when the change (a transfer to
    another team) means this agent may no longer read the conversation."""
    try:
        conversation = access_conversation(request.user, conversation.pk)  # fresh from the database
    except NotFound:
        messages.info(request, f"Conversation #{conversation.pk} moved out of your teams.")
        if _wants_partial(request):
            return HttpResponse(status=204, headers={"HX-Redirect": "/inbox/"})
        return redirect("/inbox/")
    if not _wants_partial(request):
        return redirect(f"/conversations/{conversation.pk}/")
    return render(request, "heedful/conversation/_chrome.html", workspace.chrome_context(request.user, conversation))


@command_view
def reply(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    files = [NewFile.from_upload(upload) for upload in request.FILES.getlist("files")]
    message = replies.reply(request.user, conversation, request.POST.get("text", ""), attachments=files)
    if not _wants_partial(request):
        return redirect(f"/conversations/{conversation.pk}/")
    # Re-read: in inline/embedded job modes the delivery may already have happened.
    return render(request, "heedful/conversation/_message.html",
                  {"m": message_by_id(conversation, message.pk), "conversation": conversation})


@command_view
def note(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    with transaction.atomic():
        created = actions.add_note(request.user, conversation, request.POST.get("text", ""))
    if not _wants_partial(request):
        return redirect(f"/conversations/{conversation.pk}/")
    return render(request, "heedful/conversation/_note.html", {"n": created, "conversation": conversation})


@command_view
def resolve(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    with transaction.atomic():
        actions.resolve(request.user, conversation)
    return _chrome(request, conversation)


@command_view
def reopen(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    with transaction.atomic():
        actions.reopen(request.user, conversation)
    return _chrome(request, conversation)


SNOOZE_PRESETS = {"1h": timedelta(hours=1), "4h": timedelta(hours=4), "1d": timedelta(days=1),
                  "1w": timedelta(weeks=1)}


def snooze_until(value: str, custom: str):
    if value in SNOOZE_PRESETS:
        return now() + SNOOZE_PRESETS[value]
    try:
        until = datetime.fromisoformat(custom.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError("choose when the snooze ends") from None
    return until if until.tzinfo else timezone.make_aware(until, timezone.get_current_timezone())


@command_view
def snooze_view(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    until = snooze_until(request.POST.get("for", ""), request.POST.get("until", ""))
    with transaction.atomic():
        snooze.snooze(request.user, conversation, until)
    return _chrome(request, conversation)


@command_view
def assign(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    wanted = request.POST.get("assignee", "")
    if wanted == "me":
        assignee = request.user
    elif wanted == "":
        assignee = None
    else:
        assignee = workspace.agents(request.user).filter(pk=int(wanted) if wanted.isdigit() else 0).first()
        if assignee is None:
            raise ValidationError("no such agent")
    with transaction.atomic():
        actions.assign(request.user, conversation, assignee=assignee)
    return _chrome(request, conversation)


@command_view
def team(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    wanted = request.POST.get("team", "")
    chosen = assignable_teams(request.user).filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if chosen is None:
        raise NotFound("team not found")
    with transaction.atomic():
        actions.assign(request.user, conversation, assignee=False, team=chosen)
    return _chrome(request, conversation)


@command_view
def priority(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    value = request.POST.get("priority", "")
    if not value.isdigit() or int(value) not in Priority.values:
        raise ValidationError("unknown priority")
    with transaction.atomic():
        actions.set_priority(request.user, conversation, int(value))
    return _chrome(request, conversation)


@command_view
def set_labels(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    names = request.POST.getlist("label") + request.POST.get("labels", "").split(",")
    with transaction.atomic():
        labels.set_labels(request.user, conversation, names)
    return _chrome(request, conversation)


@command_view
def move_to_private(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    acknowledgement = request.POST.get("acknowledgement")
    kwargs = {} if acknowledgement is None else {"acknowledgement": acknowledgement.strip()}
    message = replies.move_to_private(request.user, conversation, request.POST.get("text", ""), **kwargs)
    # A forum topic stays public: its private matter is a new, linked conversation to go to.
    target = message.conversation_id
    if not _wants_partial(request):
        return redirect(f"/conversations/{target}/")
    if target != conversation.pk:
        return HttpResponse(status=204, headers={"HX-Redirect": f"/conversations/{target}/"})
    return HttpResponse(status=204, headers={"HX-Refresh": "true"})


@command_view
def merge_into(request, conversation_id: int):
    source = access_conversation(request.user, conversation_id)
    target_id = request.POST.get("target", "")
    target = access_conversation(request.user, int(target_id) if target_id.isdigit() else 0)
    merge.merge(request.user, source, target)
    if not _wants_partial(request):
        return redirect(f"/conversations/{target.pk}/")
    return HttpResponse(status=204, headers={"HX-Redirect": f"/conversations/{target.pk}/"})


@command_view
def typing(request, conversation_id: int):
    conversation = access_conversation(request.user, conversation_id)
    presence.typing(request.user, conversation)
    return HttpResponse(status=204)


@command_view
def retry_delivery(request, conversation_id: int, message_id: int):
    conversation = access_conversation(request.user, conversation_id)
    message = message_by_id(conversation, message_id)
    outbound = getattr(message, "outbound", None) if message.delivery_status == Delivery.FAILED else None
    if outbound is None:
        raise ValidationError("only a failed reply can be sent again")
    with transaction.atomic():
        outbound_actions.retry(outbound)
    if not _wants_partial(request):
        return redirect(f"/conversations/{conversation.pk}/")
    return render(request, "heedful/conversation/_message.html",
                  {"m": message_by_id(conversation, message.pk), "conversation": conversation})
