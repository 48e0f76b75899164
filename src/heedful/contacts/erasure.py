"""Erase a customer (right to erasure) while keeping every row, so report totals do not change.

What goes: the contact's name, attributes and reach; every handle (replaced by a keyed one-way
hash and blocked, so the handle is recognised but never linked again); the text, HTML, subject,
author name and metadata (provider ids hashed) of every message in the customer's conversations and of every message
they wrote elsewhere ("[erased]"); notes on those conversations and on the contact; attachment
files; conversation subjects, previews and thread keys (hashed); queued replies (failed, payload
dropped); the raw webhook bodies that produced those messages (their event keys hashed); merge snapshots and link
suggestions that mention the customer. The audit log holds ids and counts only.

A new message from an erased handle is stored anonymised under the erased contact ("[erased]",
no attachments, no metadata, its thread key hashed so it threads like before): the brand still
sees that the customer wrote and the totals stay true, but nothing personal is stored again.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from django.db.models import Q

from heedful.audit.actions import record as audit
from heedful.channels.base import Handle, InboundMessage
from heedful.contacts import keys
from heedful.contacts.models import Contact, ContactNote, Identity, LinkSuggestion, MergeRecord
from heedful.conversations.models import Attachment, Conversation, Message, Note
from heedful.core.clock import now
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.ingestion.models import EventStatus, InboundEvent
from heedful.outbound.models import DeliveryAttempt, OutboundMessage, OutboundStatus

log = logging.getLogger(__name__)
ERASED = "[erased]"


def _merged_shells(contact: Contact) -> list[int]:
    """Contacts merged (directly or through others) into this one: they still hold a name."""
    found, frontier = [], [contact.pk]
    while frontier:
        frontier = list(Contact.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        found += frontier
    return found


def erase(actor, contact: Contact) -> dict:
    """Erase one customer. Call inside a transaction; the caller has checked the gates."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.merged_into_id:
        raise ValidationError(f"this contact was merged into #{contact.merged_into_id}: erase that one")
    people = [contact.pk, *_merged_shells(contact)]
    identities = list(Identity.objects.filter(contact__in=people))
    conversations = Conversation.objects.filter(contact__in=people)
    messages = Message.objects.filter(Q(conversation__in=conversations) | Q(author_identity__in=identities))
    message_ids = list(messages.values_list("pk", flat=True))
    counts = {"identities": len(identities), "conversations": conversations.count(),
              "messages": len(message_ids)}
    counts["raw_events"] = _erase_raw_events(message_ids)
    counts["attachments"] = _erase_attachments(message_ids)
    _erase_messages(message_ids)
    _erase_conversations(conversations)
    _refresh_previews(message_ids, people)
    Note.objects.filter(conversation__in=conversations).update(text=ERASED)
    ContactNote.objects.filter(contact__in=people).update(text=ERASED)
    _erase_identities(identities)
    MergeRecord.objects.filter(Q(source__in=people) | Q(target__in=people)).update(
        before={}, after={}, erased=True)
    LinkSuggestion.objects.filter(Q(contact__in=people) | Q(other__in=people)).delete()
    Contact.objects.filter(pk__in=people).update(
        name="", attributes={}, followers_count=0, verified=False, erased_at=now(), updated_at=now())
    audit(actor, "contact.erased", "contact", contact.pk, merged_contacts=people[1:], **counts)
    emit(names.CONTACT_ERASED, contact_id=contact.pk)
    return counts


def _erase_messages(message_ids: list[int]) -> None:
    for chunk in _chunks(message_ids):
        Message.objects.filter(pk__in=chunk).update(
            text=ERASED, html=ERASED, display_text=ERASED, author_name=ERASED, metadata={"erased": True})
        Message.objects.filter(pk__in=chunk).exclude(subject="").update(subject=ERASED)
        _hash_provider_ids(chunk)
        outbound = OutboundMessage.objects.filter(message_id__in=chunk)
        outbound.filter(status=OutboundStatus.QUEUED).update(
            status=OutboundStatus.FAILED, next_attempt_at=None, last_error="the customer was erased")
        outbound.update(payload={"erased": True})
        DeliveryAttempt.objects.filter(outbound__message_id__in=chunk).exclude(error="").update(error=ERASED)


def _hash_provider_ids(message_ids: list[int]) -> None:
    """Provider ids point at the customer's posts (a tweet id finds the tweet): keep them only as
    keyed hashes, unique as before. A replay of an erased message is then stored anonymised."""
    rows = list(Message.objects.filter(pk__in=message_ids)
                .exclude(provider_message_id__startswith=keys.ERASED_PREFIX).only("pk", "provider_message_id",
                                                                                    "reply_to_provider_id"))
    for row in rows:
        row.provider_message_id = keys.erased_text_key(row.provider_message_id)
        row.reply_to_provider_id = keys.erased_text_key(row.reply_to_provider_id)
    Message.objects.bulk_update(rows, ["provider_message_id", "reply_to_provider_id"], batch_size=500)


def _erase_conversations(conversations) -> None:
    conversations.update(subject=ERASED, preview=ERASED)
    keyed = list(conversations.exclude(thread_key="").exclude(thread_key__startswith=keys.ERASED_PREFIX))
    for conversation in keyed:
        conversation.thread_key = keys.erased_text_key(conversation.thread_key)
    Conversation.objects.bulk_update(keyed, ["thread_key"], batch_size=500)


def _refresh_previews(message_ids: list[int], people: list[int]) -> None:
    """Other customers' conversations the erased customer wrote in (a public thread) may show
    one of those messages as their preview: show the latest message as it is now instead."""
    touched = set()
    for chunk in _chunks(message_ids):
        touched |= set(Message.objects.filter(pk__in=chunk).values_list("conversation_id", flat=True))
    for conversation in Conversation.objects.filter(pk__in=touched).exclude(contact__in=people):
        latest = conversation.messages.order_by("-sent_at", "-pk").first()
        conversation.preview = ((latest.display_text or latest.text) if latest else "")[:280]
        conversation.save(update_fields=["preview"])


def _erase_identities(identities: list[Identity]) -> None:
    for identity in identities:
        if not identity.blocked:
            identity.handle = keys.erased_handle(identity.kind, identity.handle)
        identity.display_name, identity.username = "", ""
        identity.followers_count, identity.verified, identity.blocked = 0, False, True
        identity.linked_via = ""
    Identity.objects.bulk_update(identities, ["handle", "display_name", "username", "followers_count",
                                              "verified", "blocked", "linked_via"], batch_size=500)


def _erase_attachments(message_ids: list[int]) -> int:
    erased = 0
    for chunk in _chunks(message_ids):
        for attachment in Attachment.objects.filter(message_id__in=chunk):
            if attachment.file:
                attachment.file.delete(save=False)
            attachment.filename, attachment.remote_url, attachment.file = ERASED, "", ""
            attachment.save(update_fields=["filename", "remote_url", "file"])
            erased += 1
    return erased


def _erase_raw_events(message_ids: list[int]) -> int:
    """Blank the stored webhook bodies that produced these messages (found by their outcome).

    An event is received before its messages are stored, so only events received in the day
    before each message are read. Events that never produced a message are not found here;
    retention purges them with everything else of their age.
    """
    wanted = set(message_ids)
    rows = Message.objects.filter(pk__in=message_ids, direction="in").values_list("channel_id", "created_at")
    windows: dict[int, list[list]] = {}
    for channel_id, created in sorted(rows, key=lambda r: (r[0], r[1])):
        spans = windows.setdefault(channel_id, [])
        start, end = created - timedelta(days=1), created + timedelta(minutes=1)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    hits = []
    for channel_id, spans in windows.items():
        for start, end in spans:
            events = InboundEvent.objects.filter(channel_id=channel_id, received_at__range=(start, end),
                                                 status__in=[EventStatus.DONE, EventStatus.IGNORED])
            for pk, result in events.values_list("pk", "result").iterator(chunk_size=2000):
                if wanted.intersection((result or {}).get("created") or []):
                    hits.append(pk)
    for chunk in _chunks(hits):
        InboundEvent.objects.filter(pk__in=chunk).update(raw=b"", last_error="")
        events = list(InboundEvent.objects.filter(pk__in=chunk).only("pk", "event_key"))
        for event in events:  # "api:<message id>", a tweet id ...
            if not event.event_key.startswith(keys.ERASED_PREFIX):
                event.event_key = keys.erased_text_key(event.event_key)
        InboundEvent.objects.bulk_update(events, ["event_key"], batch_size=500)
    return len(hits)


def _chunks(ids: list[int], size: int = 1000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def anonymised(msg: InboundMessage) -> InboundMessage:
    """What is kept of a new message from an erased handle. The handle itself stays only in
    memory, so the pipeline can still find the (blocked) identity it already resolved."""
    def mask(handle: Handle | None) -> Handle | None:
        return Handle(kind=handle.kind, handle=handle.handle, display_name=ERASED) if handle else None

    return dataclasses.replace(
        msg, text=ERASED, html="", display_text=None, subject="", attachments=[], metadata={},
        sender=mask(msg.sender) if msg.direction == "in" else msg.sender,
        recipient=mask(msg.recipient) if msg.direction == "out" else msg.recipient,
        thread_key=keys.erased_text_key(msg.thread_key),
    )


def screened(messages: list[tuple[int, InboundMessage]], identity_of) -> list[tuple[int, InboundMessage]]:
    """The pipeline's hook: anonymise messages whose customer was erased, before threading."""
    out = []
    for event_id, msg in messages:
        identity = identity_of(msg)
        out.append((event_id, anonymised(msg) if identity is not None and identity.blocked else msg))
    return out
