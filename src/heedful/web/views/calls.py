"""Logging a phone call from the workspace (the contact page and the conversation page): one
form, one action (`conversations.calls.log_call`), then the phone conversation it landed in."""

from __future__ import annotations

from django.shortcuts import redirect

from heedful.accounts.access import access_contact
from heedful.channels import actions as channel_actions
from heedful.conversations import calls
from heedful.core.errors import ValidationError
from heedful.web.views.helpers import command_view


def _number(value: str, name: str) -> int:
    try:
        return int(value or 0)
    except ValueError:
        raise ValidationError(f"{name} must be a whole number") from None


@command_view
def log_call(request, contact_id: int):
    contact = access_contact(request.user, contact_id, write=True)
    duration = _number(request.POST.get("minutes", ""), "minutes") * 60 + _number(request.POST.get("seconds", ""), "seconds")
    message = calls.log_call(request.user, channel_actions.ensure(calls.PROVIDER, "Phone"), contact,
                             direction=request.POST.get("direction", ""), outcome=request.POST.get("outcome", ""),
                             duration_seconds=duration, notes=request.POST.get("notes", ""),
                             topic=request.POST.get("topic", "").strip()[:60])
    return redirect(f"/conversations/{message.conversation_id}/")
