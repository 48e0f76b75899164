"""The contacts app's part of erasing a customer, and how new messages from an erased handle
are kept anonymised. The whole erasure (every app's rows) is `privacy.erasure.erase`.

What goes here: the contact's name, attributes and reach; every handle (replaced by a keyed
one-way hash and blocked, so the handle is recognised but never linked again); notes on the
contact; merge snapshots and link suggestions that mention the customer.

A new message from an erased handle is stored anonymised under the erased contact ("[erased]",
no attachments, no metadata, its thread key hashed so it threads like before): the brand still
sees that the customer wrote and the totals stay true, but nothing personal is stored again.
"""

from __future__ import annotations

import dataclasses

from django.db.models import Q

from heedful.channels.base import Handle, InboundMessage
from heedful.contacts import keys
from heedful.contacts.models import Contact, ContactNote, Identity, LinkSuggestion, MergeRecord
from heedful.core.clock import now
from heedful.core.erased import ERASED
from heedful.core.errors import ValidationError


def lock_for_erasure(contact: Contact) -> tuple[Contact, list[int], list[Identity]]:
    """Row-lock the contact; return it, the ids of the contacts merged into it (directly or
    through others: they still hold a name) with its own first, and all their identities."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.merged_into_id:
        raise ValidationError(f"this contact was merged into #{contact.merged_into_id}: erase that one")
    people, frontier = [contact.pk], [contact.pk]
    while frontier:
        frontier = list(Contact.objects.filter(merged_into__in=frontier).values_list("pk", flat=True))
        people += frontier
    return contact, people, list(Identity.objects.filter(contact__in=people))


def erase_contacts(people: list[int], identities: list[Identity]) -> None:
    """Blank the contacts and their handles. Call inside the erasure's transaction."""
    _erase_identities(identities)
    ContactNote.objects.filter(contact__in=people).update(text=ERASED)
    MergeRecord.objects.filter(Q(source__in=people) | Q(target__in=people)).update(
        before={}, after={}, erased=True)
    LinkSuggestion.objects.filter(Q(contact__in=people) | Q(other__in=people)).delete()
    Contact.objects.filter(pk__in=people).update(
        name="", attributes={}, followers_count=0, verified=False, erased_at=now(), updated_at=now())


def _erase_identities(identities: list[Identity]) -> None:
    for identity in identities:
        if not identity.blocked:
            identity.handle = keys.erased_handle(identity.kind, identity.handle)
        identity.display_name, identity.username = "", ""
        identity.followers_count, identity.verified, identity.blocked = 0, False, True
        identity.linked_via = ""
    Identity.objects.bulk_update(identities, ["handle", "display_name", "username", "followers_count",
                                              "verified", "blocked", "linked_via"], batch_size=500)


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
