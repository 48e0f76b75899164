"""Take one handle off a contact: an agent found that it belongs to somebody else.

The identity moves to a new contact of its own, with the conversations in which every customer
message came from that handle; a conversation where the customer also wrote from another of the
contact's handles stays. Listeners (reports) hear `contact.unlinked` with the new contact as
`source_id` and the old one as `target_id`, the same shape as an unmerge.
"""

from __future__ import annotations

from heedful.audit.actions import record as audit
from heedful.contacts.models import Contact, Identity
from heedful.conversations.models import Conversation, Message
from heedful.core.errors import ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit


def unlink(actor, identity: Identity) -> Contact:
    """Move `identity` to a new contact and return it. Call inside a transaction; the caller
    has checked the gates."""
    identity = Identity.objects.select_for_update().select_related("contact").get(pk=identity.pk)
    old = Contact.objects.select_for_update().get(pk=identity.contact_id)
    if old.erased_at or old.merged_into_id or identity.blocked:
        raise ValidationError("an erased or merged contact's handles cannot be unlinked")
    if not old.identities.exclude(pk=identity.pk).exists():
        raise ValidationError("this is the contact's only handle: there is nothing to unlink it from")
    new = Contact.objects.create(name=identity.display_name or identity.username or identity.handle,
                                 followers_count=identity.followers_count, verified=identity.verified)
    moving = _conversations_of(old, identity)
    Identity.objects.filter(pk=identity.pk).update(contact=new, linked_via="")
    Conversation.objects.filter(pk__in=moving).update(contact=new)
    audit(actor, "contact.identity_unlinked", "contact", old.pk, identity=identity.pk, new_contact=new.pk,
          conversations=len(moving))
    emit(names.CONTACT_UNLINKED, source_id=new.pk, target_id=old.pk, identity_id=identity.pk)
    return new


def _conversations_of(contact: Contact, identity: Identity) -> list[int]:
    """The contact's conversations whose customer messages all came from this handle."""
    authors: dict[int, set] = {}
    rows = (Message.objects.filter(conversation__contact=contact, direction="in")
            .values_list("conversation_id", "author_identity_id").distinct())
    for conversation_id, author in rows:
        authors.setdefault(conversation_id, set()).add(author)
    return sorted(cid for cid, ids in authors.items() if ids == {identity.pk})
