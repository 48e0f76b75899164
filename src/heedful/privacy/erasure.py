"""Erase a customer (right to erasure) while keeping every row, so report totals do not change.

What goes, app by app: the contact, its merged shells, their handles, notes, merge snapshots
and link suggestions (contacts); the text, HTML, subject, author name, metadata and attachment
files of every message in the customer's conversations and of every message they wrote
elsewhere, conversation subjects, previews and thread keys, conversation notes
(conversations); queued replies and delivery payloads (outbound); the raw webhook bodies those
messages came from, their event keys hashed (ingestion); the bodies of integration webhook
deliveries about them (integrations); the forum account linked to the contact, its posts kept
as "deleted member" (community). The audit log holds ids and counts only.
"""

from __future__ import annotations

from heedful.audit.actions import record as audit
from heedful.community import erasure as community_erasure
from heedful.contacts import erasure as contact_erasure
from heedful.contacts.models import Contact
from heedful.conversations import erasure as conversation_erasure
from heedful.events import names
from heedful.events.dispatcher import emit
from heedful.ingestion.actions import erase_events
from heedful.integrations.erasure import erase_for_contacts as erase_webhook_deliveries
from heedful.outbound.erasure import erase_for_messages


def erase(actor, contact: Contact) -> dict:
    """Erase one customer. Call inside a transaction; the caller has checked the gates."""
    contact, people, identities = contact_erasure.lock_for_erasure(contact)
    message_ids = conversation_erasure.messages_of(people, [i.pk for i in identities])
    counts = {"identities": len(identities), "messages": len(message_ids)}
    counts["raw_events"] = erase_events(conversation_erasure.inbound_events_of(message_ids))
    counts.update(conversation_erasure.erase_for_contacts(people, message_ids))
    erase_for_messages(message_ids)
    counts["webhook_deliveries"] = erase_webhook_deliveries(people)
    forum = [i.handle for i in identities if i.kind == community_erasure.MEMBER_IDENTITY_KIND and not i.blocked]
    counts["forum_members"] = community_erasure.erase_members(community_erasure.member_user_ids(forum))
    contact_erasure.erase_contacts(people, identities)
    audit(actor, "contact.erased", "contact", contact.pk, merged_contacts=people[1:], **counts)
    emit(names.CONTACT_ERASED, contact_id=contact.pk)
    return counts
