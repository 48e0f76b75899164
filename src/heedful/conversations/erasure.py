"""The conversations app's part of erasing a customer and of retention: blank its own rows.

Rows stay (report totals do not change); text, subjects, previews, attachment files and notes
go, provider ids and thread keys are kept only as keyed hashes. `privacy.erasure` and
`privacy.retention` decide whose rows and call these.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from heedful.conversations.models import Attachment, Conversation, Message, Note
from heedful.core.erased import ERASED, ERASED_PREFIX, chunks, erased_text_key

RETENTION_CHUNK = 1000


def messages_of(contact_ids: list[int], identity_ids: list[int]) -> list[int]:
    """Ids of every message in these contacts' conversations and every message they wrote
    elsewhere (a reply in someone else's public thread)."""
    conversations = Conversation.objects.filter(contact__in=contact_ids)
    return list(Message.objects.filter(Q(conversation__in=conversations) | Q(author_identity__in=identity_ids))
                .values_list("pk", flat=True))


def inbound_events_of(message_ids: list[int]) -> list[int]:
    """The stored webhook events these messages came from (each message keeps its event's id)."""
    found: set[int] = set()
    for chunk in chunks(message_ids):
        found.update(Message.objects.filter(pk__in=chunk, inbound_event_id__isnull=False)
                     .values_list("inbound_event_id", flat=True))
    return sorted(found)


def erase_for_contacts(contact_ids: list[int], message_ids: list[int]) -> dict[str, int]:
    """Blank these messages and the contacts' conversations and notes. Call inside a transaction."""
    conversations = Conversation.objects.filter(contact__in=contact_ids)
    counts = {"conversations": conversations.count(), "attachments": _erase_attachments(message_ids)}
    _erase_messages(message_ids)
    _erase_conversations(conversations)
    _refresh_previews(message_ids, contact_ids)
    Note.objects.filter(conversation__in=conversations).update(text=ERASED)
    return counts


def _erase_messages(message_ids: list[int]) -> None:
    for chunk in chunks(message_ids):
        Message.objects.filter(pk__in=chunk).update(
            text=ERASED, html=ERASED, display_text=ERASED, author_name=ERASED, metadata={"erased": True})
        Message.objects.filter(pk__in=chunk).exclude(subject="").update(subject=ERASED)
        _hash_provider_ids(chunk)


def _hash_provider_ids(message_ids: list[int]) -> None:
    """Provider ids point at the customer's posts (a tweet id finds the tweet): keep them only as
    keyed hashes, unique as before. A replay of an erased message is then stored anonymised."""
    rows = list(Message.objects.filter(pk__in=message_ids).exclude(provider_message_id__startswith=ERASED_PREFIX)
                .only("pk", "provider_message_id", "reply_to_provider_id"))
    for row in rows:
        row.provider_message_id = erased_text_key(row.provider_message_id)
        row.reply_to_provider_id = erased_text_key(row.reply_to_provider_id)
    Message.objects.bulk_update(rows, ["provider_message_id", "reply_to_provider_id"], batch_size=500)


def _erase_conversations(conversations) -> None:
    conversations.update(subject=ERASED, preview=ERASED)
    keyed = list(conversations.exclude(thread_key="").exclude(thread_key__startswith=ERASED_PREFIX))
    for conversation in keyed:
        conversation.thread_key = erased_text_key(conversation.thread_key)
    Conversation.objects.bulk_update(keyed, ["thread_key"], batch_size=500)


def _refresh_previews(message_ids: list[int], contact_ids: list[int]) -> None:
    """Other customers' conversations the erased customer wrote in (a public thread) may show
    one of those messages as their preview: show the latest message as it is now instead."""
    touched = set()
    for chunk in chunks(message_ids):
        touched |= set(Message.objects.filter(pk__in=chunk).values_list("conversation_id", flat=True))
    for conversation in Conversation.objects.filter(pk__in=touched).exclude(contact__in=contact_ids):
        latest = conversation.messages.order_by("-sent_at", "-pk").first()
        conversation.preview = ((latest.display_text or latest.text) if latest else "")[:280]
        conversation.save(update_fields=["preview"])


def _erase_attachments(message_ids: list[int]) -> int:
    erased = 0
    for chunk in chunks(message_ids):
        for attachment in Attachment.objects.filter(message_id__in=chunk):
            if attachment.file:
                attachment.file.delete(save=False)
            attachment.filename, attachment.remote_url, attachment.file = ERASED, "", ""
            attachment.save(update_fields=["filename", "remote_url", "file"])
            erased += 1
    return erased


def purge_bodies_before(channel, cutoff) -> int:
    """Retention: blank the bodies and attachment files of a channel's messages sent before
    `cutoff`, and the previews of conversations idle since. Small chunks, each in its own
    transaction, so a large first purge never holds long locks. Returns messages blanked."""
    old = Message.objects.filter(channel=channel, sent_at__lt=cutoff)
    unblanked = old.filter(~Q(text="") | ~Q(html="") | ~Q(display_text=""))
    total = 0
    while ids := list(unblanked.order_by("pk").values_list("pk", flat=True)[:RETENTION_CHUNK]):
        with transaction.atomic():
            for attachment in Attachment.objects.filter(message_id__in=ids).exclude(file=""):
                attachment.file.delete(save=False)
                attachment.file = ""
                attachment.save(update_fields=["file"])
            total += Message.objects.filter(pk__in=ids).update(text="", html="", display_text="")
    with transaction.atomic():
        Conversation.objects.filter(channel=channel, last_activity_at__lt=cutoff).exclude(preview="").update(preview="")
    return total
