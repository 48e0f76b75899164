"""Export everything Heedful holds about one customer (right of access), as one JSON document.

The export is complete on purpose: every conversation and message of the contact on every
channel, whoever's team it belongs to, so only users allowed to see everything may run it (the
API checks). Running it is itself audited, and that audit entry is part of the export.
"""

from __future__ import annotations

from django.db.models import Q

from heedful.audit.actions import record as audit
from heedful.audit.models import AuditEntry
from heedful.contacts.models import Contact, ContactNote, MergeRecord
from heedful.conversations.models import Conversation, Message, Note


def _iso(value):
    return value.isoformat() if value else None


def _identity(i) -> dict:
    return {"id": i.pk, "kind": i.kind, "handle": i.handle, "username": i.username,
            "display_name": i.display_name, "followers_count": i.followers_count,
            "verified": i.verified, "blocked": i.blocked, "linked_via": i.linked_via,
            "created_at": _iso(i.created_at)}


def _attachment(a) -> dict:
    return {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size,
            "stored": bool(a.file), "remote_url": a.remote_url, "skipped_reason": a.skipped_reason}


def _message(m) -> dict:
    return {"id": m.pk, "conversation": m.conversation_id, "channel": m.channel_id,
            "direction": m.direction, "author": m.author_name, "author_identity": m.author_identity_id,
            "subject": m.subject, "text": m.text, "html": m.html, "display_text": m.display_text,
            "public": m.public, "provider_message_id": m.provider_message_id, "sent_at": _iso(m.sent_at),
            "delivery_status": m.delivery_status, "metadata": m.metadata,
            "attachments": [_attachment(a) for a in m.attachments.all()]}


def _conversation(c) -> dict:
    return {"id": c.pk, "channel": c.channel_id, "provider": c.channel.provider, "status": c.status,
            "public": c.public, "subject": c.subject, "created_at": _iso(c.created_at),
            "last_activity_at": _iso(c.last_activity_at), "resolved_at": _iso(c.resolved_at),
            "messages_count": c.messages_count}


def _note(n, **extra) -> dict:
    return {"id": n.pk, "author": n.author_id, "text": n.text, "created_at": _iso(n.created_at),
            **extra}


def _audit(e) -> dict:
    return {"id": e.pk, "at": _iso(e.at), "actor": e.actor_label, "action": e.action,
            "object_type": e.object_type, "object_id": e.object_id, "detail": e.detail}


def export(actor, contact: Contact) -> dict:
    """Build the export and audit it. Call inside a transaction; the caller checked the gates."""
    identities = list(contact.identities.order_by("pk"))
    conversations = Conversation.objects.filter(contact=contact).select_related("channel").order_by("created_at", "pk")
    messages = (Message.objects.filter(Q(conversation__in=conversations) | Q(author_identity__in=identities))
                .prefetch_related("attachments").order_by("sent_at", "pk"))
    entry = audit(actor, "contact.exported", "contact", contact.pk, conversations=conversations.count(),
                  messages=messages.count())
    merges = MergeRecord.objects.filter(target=contact, unmerged_at__isnull=True).order_by("pk")
    return {
        "format": "heedful.contact-export/1",
        "exported_at": _iso(entry.at),
        "contact": {"id": contact.pk, "name": contact.name, "attributes": contact.attributes,
                    "followers_count": contact.followers_count, "verified": contact.verified,
                    "created_at": _iso(contact.created_at), "erased_at": _iso(contact.erased_at)},
        "identities": [_identity(i) for i in identities],
        "merged_contacts": [{"id": m.source_id, "merged_at": _iso(m.created_at), "reason": m.reason,
                             **m.before.get("source", {})} for m in merges],
        "conversations": [_conversation(c) for c in conversations],
        "messages": [_message(m) for m in messages.iterator(chunk_size=500)],
        "conversation_notes": [_note(n, conversation=n.conversation_id) for n in Note.objects.filter(conversation__in=conversations).order_by("pk")],
        "contact_notes": [_note(n) for n in ContactNote.objects.filter(contact=contact).order_by("pk")],
        "audit": [_audit(e) for e in AuditEntry.objects.filter(object_type="contact", object_id=str(contact.pk)).order_by("pk")],
    }
