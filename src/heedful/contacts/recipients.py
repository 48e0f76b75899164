"""A provider named the customer's handle on a private thread the brand opened (the Messenger
PSID a private reply to a Facebook comment went to): that handle is the same person as the
conversation's contact, on the provider's own word, so it joins that contact at once.

Stronger evidence than a shared email: the provider itself delivered our message to that handle
in answer to this customer's comment. So it links even for a kind declared one account per
person, and a contact that already had the handle (they wrote to the Page before) is merged in,
recorded and undoable like every merge.
"""

from __future__ import annotations

from heedful.audit.actions import record as audit
from heedful.contacts import merging, normalize
from heedful.contacts.actions import add_identity, blocked_identity
from heedful.contacts.linking import live
from heedful.contacts.models import Contact, Identity

REASON = "private reply recipient"


def link_recipient(contact: Contact, kind: str, handle: str) -> Identity | None:
    """Give `contact` the handle, or merge its current owner in. Call inside a transaction."""
    key = normalize.handle(kind, handle)
    contact = live(contact)
    if not key or contact.erased_at or blocked_identity(kind, key) is not None:
        return None  # an erased customer's handle is never linked again
    owner = Identity.objects.select_related("contact").filter(kind=kind, handle=key).first()
    if owner is None:
        added = add_identity(contact, kind, key, linked_via=REASON)
        audit(None, "contact.identity_linked", "contact", contact.pk, identity=added.pk, reason=REASON)
        return added
    other = live(owner.contact)
    if other.pk != contact.pk and not other.erased_at:
        merging.merge(None, other, contact, reason=REASON)
    return owner
