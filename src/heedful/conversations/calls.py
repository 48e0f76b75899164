"""Logging a phone call by hand: one message in the contact's phone thread.

Kept like Twilio's call events (a message in the caller's thread whose text says what happened
and whose metadata holds the call's facts), so the timeline, search and the reports treat a
logged call as one more contact on the `phone` channel. An inbound call is the customer's
message; an outbound call is the agent's (it counts as a reply, and an answered inbound call
with nothing else to do may be resolved by the agent as usual).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from heedful.conversations import labels
from heedful.conversations.actions import append_message, open_conversation
from heedful.conversations.models import Conversation, Delivery, Direction, Message, Status
from heedful.core.clock import now
from heedful.core.errors import ValidationError

PROVIDER = "phone"  # the channel of logged calls (channels/providers/phone)
DIRECTIONS = ("inbound", "outbound")
OUTCOMES = ("answered", "missed", "voicemail")
MAX_NOTES = 5000
MAX_DURATION = 24 * 3600
SUMMARY = {
    ("inbound", "answered"): "Inbound call, answered",
    ("inbound", "missed"): "Missed inbound call",
    ("inbound", "voicemail"): "Inbound call: voicemail left",
    ("outbound", "answered"): "Outbound call, answered",
    ("outbound", "missed"): "Outbound call, not answered",
    ("outbound", "voicemail"): "Outbound call: left a voicemail",
}


def thread_key(contact_id: int) -> str:
    """One running phone conversation per contact (a new one after resolve), like Twilio's
    one thread per caller."""
    return f"phone:contact:{int(contact_id)}"


def summary(direction: str, outcome: str, duration_seconds: int) -> str:
    text = SUMMARY[(direction, outcome)]
    if duration_seconds:
        minutes, seconds = divmod(int(duration_seconds), 60)
        text += f" ({minutes}m {seconds:02d}s)"
    return text


def _checked(direction: str, outcome: str, duration_seconds, notes: str, at) -> tuple[int, str, datetime]:
    if direction not in DIRECTIONS:
        raise ValidationError("direction must be inbound or outbound")
    if outcome not in OUTCOMES:
        raise ValidationError("outcome must be answered, missed or voicemail")
    try:
        duration = int(duration_seconds or 0)
    except (TypeError, ValueError):
        raise ValidationError("duration_seconds must be a whole number") from None
    if not 0 <= duration <= MAX_DURATION:
        raise ValidationError("duration_seconds must be between 0 and 86400")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise ValidationError(f"notes are longer than {MAX_NOTES} characters")
    at = at or now()
    if at > now():
        raise ValidationError("a call cannot be logged in the future")
    return duration, notes, at


def log_call(user, channel, contact, *, direction: str, outcome: str, duration_seconds=0, notes: str = "",
             topic: str = "", at=None) -> Message:
    """Store one logged call in `contact`'s running phone conversation on `channel` (a new one
    when none is open). The caller checked the user may read the contact."""
    duration, notes, at = _checked(direction, outcome, duration_seconds, notes, at)
    text = summary(direction, outcome, duration) + (f"\n\n{notes}" if notes else "")
    inbound = direction == "inbound"
    with transaction.atomic():
        conversation = (Conversation.objects.select_for_update()
                        .filter(channel=channel, contact=contact, thread_key=thread_key(contact.pk))
                        .exclude(status=Status.RESOLVED).order_by("-last_activity_at").first())
        if conversation is None:
            conversation = open_conversation(channel, contact, thread_key=thread_key(contact.pk), at=at,
                                             subject=topic[:500])
        name = user.get_full_name() or user.get_username()
        message = append_message(
            conversation, direction=Direction.IN if inbound else Direction.OUT, text=text, sent_at=at,
            author_user=None if inbound else user, author_name=(contact.name or "Caller") if inbound else name,
            delivery_status=Delivery.RECEIVED if inbound else Delivery.SENT,
            metadata={"call": {"direction": direction, "outcome": outcome, "duration_seconds": duration,
                               "topic": topic[:60], "logged_by": user.pk}},
        )
        if topic.strip():
            current = list(conversation.labels.values_list("name", flat=True))
            labels.set_labels(user, conversation, [*current, topic])
    return message
