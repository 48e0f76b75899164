"""Apply a provider's `Deletion` (the author deleted a tweet): the message's text and media go
from every place Heedful stored them, app by app (conversations: body, attachments, previews, so
search no longer finds it; ingestion: the raw webhook bodies it came in; integrations: webhook
deliveries quoting it), a stub stays, and the audit log records ids and counts only."""

from __future__ import annotations

from heedful.audit.actions import record as audit
from heedful.channels.base import Deletion
from heedful.contacts.normalize import handle as normalized_handle
from heedful.conversations.deletions import redact_deleted
from heedful.conversations.erasure import inbound_events_of
from heedful.conversations.models import Message
from heedful.integrations.erasure import erase_for_messages as erase_webhook_deliveries

NOTHING_STORED = "deleted on the provider: no stored message has this id"


def apply_deletion(channel, deletion: Deletion, outcome) -> None:
    """Call inside the pipeline's transaction; counts go on the event's outcome."""
    found = list(Message.objects.select_related("author_identity")
                 .filter(channel=channel).with_provider_ids([deletion.provider_message_id]))
    if not found:
        outcome.ignored.append(NOTHING_STORED)
        return
    mine = [m for m in found if _by_author(m, deletion)]
    if not mine:
        outcome.ignored.append("deleted on the provider: the message has another author")
        return
    fresh = [m for m in mine if not (m.metadata or {}).get("deleted_by_author")]
    outcome.duplicates += len(mine) - len(fresh)  # a replayed deletion
    if not fresh:
        return
    # a late import: ingestion.actions imports the pipeline, which imports this module
    from heedful.ingestion.actions import erase_events

    ids = [m.pk for m in fresh]
    raw = erase_events(inbound_events_of(ids))
    attachments = redact_deleted(fresh, deletion.stub, deletion.at)
    deliveries = erase_webhook_deliveries(ids)
    for message in fresh:
        audit(None, "message.deleted_by_author", "message", message.pk, channel=channel.pk,
              conversation=message.conversation_id, attachments=attachments, raw_events=raw,
              webhook_deliveries=deliveries)
    outcome.deletions += len(fresh)


def _by_author(message: Message, deletion: Deletion) -> bool:
    """Only the author's own message: a customer's post by its sender, the brand's by the brand
    (the provider only reports deletions by the subscribed account and the people it hears)."""
    if deletion.author is None or message.direction == "out":
        return True
    identity = message.author_identity
    return identity is not None and identity.kind == deletion.author.kind and \
        identity.handle == normalized_handle(deletion.author.kind, deletion.author.handle)
