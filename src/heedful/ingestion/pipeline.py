"""The ingestion pipeline: normalize -> dedupe -> identify -> thread -> enrich -> route -> notify.

Each step is one small function. `process_event` runs them for one stored InboundEvent inside a
savepoint; the event row records the outcome (done / ignored / failed with its error and retry
time) in the same transaction, so a crash anywhere leaves the event pending for the sweeper and
a replay creates nothing twice (messages are unique per channel and provider message id).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from heedful.channels import registry
from heedful.channels.base import InboundMessage, ParsedEvent
from heedful.contacts.actions import resolve_identity
from heedful.conversations import actions as conversation_actions
from heedful.conversations import delivery
from heedful.conversations.models import Conversation, Delivery, Message
from heedful.conversations.threading import find_conversation
from heedful.core.clock import backoff, now
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.ingestion import attachments as attachment_store
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.insights.redaction import redact
from heedful.insights.sentiment import polarity
from heedful.routing.priority import priority_for, score

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    created: list[int] = field(default_factory=list)
    duplicates: int = 0
    statuses: int = 0
    engagements: int = 0
    ignored: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "duplicates": self.duplicates, "statuses": self.statuses,
                "engagements": self.engagements, "ignored": self.ignored}


# -- steps ---------------------------------------------------------------------------------

def normalize(event: InboundEvent) -> ParsedEvent:
    provider = registry.get(event.provider)
    return provider.parse(event.channel, bytes(event.raw), event.content_type)


def is_duplicate(channel, msg: InboundMessage) -> bool:
    return bool(msg.provider_message_id) and Message.objects.filter(
        channel=channel, provider_message_id=msg.provider_message_id
    ).exists()


def identify(msg: InboundMessage):
    who = msg.recipient if msg.direction == "out" else msg.sender
    if who is None:
        return None
    return resolve_identity(who.kind, who.handle, display_name=who.display_name, username=who.username,
                            followers_count=who.followers_count, verified=who.verified)


def thread(channel, identity, msg: InboundMessage, outcome: Outcome) -> Conversation | None:
    contact = identity.contact if identity else None
    conversation = find_conversation(channel, contact, msg)
    if conversation is not None:
        return conversation
    if msg.automated:
        outcome.ignored.append("automated message outside any conversation")
        return None
    if msg.direction == "out":
        outcome.ignored.append("brand message outside any conversation")
        return None
    if contact is None:
        outcome.ignored.append("message without a sender")
        return None
    return conversation_actions.open_conversation(
        channel, contact, public=msg.public, subject=msg.subject or _first_line(msg.text),
        thread_key=msg.thread_key, at=msg.sent_at or now(),
    )


def enrich(msg: InboundMessage) -> dict:
    display = msg.display_text if msg.display_text is not None else msg.text
    display = redact(display)
    return {"display_text": display, "sentiment": polarity(display) if msg.direction == "in" else None}


def route(conversation: Conversation, identity, msg: InboundMessage, sentiment: float | None) -> None:
    if msg.direction != "in" or msg.automated:
        return
    followers = identity.followers_count if identity else 0
    verified = identity.verified if identity else False
    value = score(public=conversation.public, sentiment=sentiment, followers=followers,
                  verified=verified, engagement=msg.engagement)
    fields = {"score": max(conversation.score, value)}
    if sentiment is not None:
        fields["sentiment"] = sentiment
    wanted = priority_for(fields["score"], public=conversation.public)
    if wanted > conversation.priority:
        fields["priority"] = wanted
    Conversation.objects.filter(pk=conversation.pk).update(**fields)


def store_message(conversation: Conversation, identity, msg: InboundMessage, enriched: dict) -> Message:
    fields = dict(
        direction=msg.direction, author_identity=identity if msg.direction == "in" else None,
        author_name=(msg.sender.display_name or msg.sender.username or msg.sender.handle) if msg.sender else "",
        subject=msg.subject[:500], text=msg.text, display_text=enriched["display_text"], html=msg.html,
        provider_message_id=msg.provider_message_id[:255],
        reply_to_provider_id=(msg.reply_to_ids[0] if msg.reply_to_ids else "")[:255],
        public=msg.public, automated=msg.automated, sent_at=msg.sent_at or now(),
        delivery_status=Delivery.RECEIVED if msg.direction == "in" else Delivery.SENT,
        sentiment=enriched["sentiment"],
        metadata={**msg.metadata, **({"engagement": msg.engagement} if msg.engagement else {}),
                  **({"echo": True} if msg.direction == "out" else {})},
    )
    message = conversation_actions.append_message(conversation, **fields)
    attachment_store.save_all(message, msg.attachments)
    return message


# -- the pipeline --------------------------------------------------------------------------

def apply(event: InboundEvent, parsed: ParsedEvent) -> Outcome:
    channel = event.channel
    outcome = Outcome(ignored=list(parsed.ignored))
    for msg in parsed.messages:
        if is_duplicate(channel, msg):
            outcome.duplicates += 1
            continue
        identity = identify(msg)
        conversation = thread(channel, identity, msg, outcome)
        if conversation is None:
            continue
        enriched = enrich(msg)
        route(conversation, identity, msg, enriched["sentiment"])
        outcome.created.append(store_message(conversation, identity, msg, enriched).pk)
    for status in parsed.statuses:
        outcome.statuses += apply_status(channel, status)
    for update in parsed.engagements:
        outcome.engagements += apply_engagement(channel, update)
    return outcome


def apply_status(channel, status) -> int:
    if status.watermark is not None:  # Messenger: all outgoing up to the watermark
        messages = Message.objects.filter(channel=channel, direction="out", sent_at__lte=status.watermark)
        messages = messages.exclude(delivery_status__in=[Delivery.READ, Delivery.FAILED])[:500]
    else:
        messages = Message.objects.filter(channel=channel, provider_message_id=status.provider_message_id)
    return sum(delivery.set_status(m, status.status, error=status.error) for m in messages)


def apply_engagement(channel, update) -> int:
    message = Message.objects.filter(channel=channel, provider_message_id=update.provider_message_id).first()
    if message is None:
        return 0
    message.metadata = {**message.metadata, "engagement": {**message.metadata.get("engagement", {}), **update.engagement}}
    message.save(update_fields=["metadata"])
    emit(names.CONVERSATION_UPDATED, conversation_id=message.conversation_id)
    return 1


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        if line.strip():
            return line.strip()[:120]
    return ""


def _claim(event_id: int) -> InboundEvent | None:
    qs = InboundEvent.objects.select_related("channel").filter(pk=event_id, status=EventStatus.PENDING)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.first()


def process_event(event_id: int) -> str | None:
    """Process one stored event; safe to call any number of times."""
    with transaction.atomic():
        event = _claim(event_id)
        if event is None:
            return None
        event.attempts += 1
        try:
            with transaction.atomic():
                outcome = apply(event, normalize(event))
        except Exception as exc:
            _failed(event, exc)
        else:
            event.status = EventStatus.DONE if (outcome.created or outcome.statuses or outcome.engagements or outcome.duplicates) else EventStatus.IGNORED
            event.result, event.last_error, event.processed_at, event.next_attempt_at = outcome.as_dict(), "", now(), None
        event.save(update_fields=["status", "attempts", "result", "last_error", "processed_at", "next_attempt_at"])
        return event.status


def _failed(event: InboundEvent, exc: Exception) -> None:
    # The error text names the failure, never the payload (it may hold personal data).
    log.warning("inbound event %s failed (attempt %s): %s", event.pk, event.attempts, type(exc).__name__)
    event.last_error = f"{type(exc).__name__}: {exc}"[:4000]
    if event.attempts >= settings.HEEDFUL_INGEST_MAX_ATTEMPTS or getattr(exc, "permanent", False):
        event.status, event.next_attempt_at = EventStatus.FAILED, None
        emit(names.INBOUND_FAILED, event_id=event.pk)
    else:
        event.next_attempt_at = now() + backoff(event.attempts)
