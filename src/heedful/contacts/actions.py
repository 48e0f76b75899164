"""Writes to contacts and identities. Identity resolution starts here.

A new handle joins an existing contact at once when it is the same phone number under another
kind (SMS/voice and WhatsApp). A handle that was erased is found again by its one-way key and
returned blocked: nothing about the sender is stored again (see erasure.py).
Merges live in merging.py, automatic and suggested links in linking.py.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from heedful.contacts import keys, normalize
from heedful.contacts.models import Contact, ContactNote, Identity
from heedful.core.bulk_insert import insert_rows
from heedful.core.errors import ValidationError


def resolve_identity(kind: str, handle: str, *, display_name: str = "", username: str = "",
                     followers_count: int | None = None, verified: bool | None = None) -> Identity:
    """Find or create the Identity for a handle (and its Contact), refreshing reach figures.

    Call inside a transaction. A blocked (erased) identity is returned as is and never updated.
    A new identity carries `is_new = True` (not a field) for the linking hook.
    """
    key = normalize.handle(kind, handle)
    identity = Identity.objects.select_related("contact").filter(kind=kind, handle=key).first()
    if identity is None:
        blocked = blocked_identity(kind, key)
        if blocked is not None:
            return blocked
        try:
            with transaction.atomic():
                sibling = _siblings(kind, [key]).get(key)
                contact = sibling.contact if sibling else Contact.objects.create(
                    name=display_name or username or key,
                    followers_count=followers_count or 0,
                    verified=bool(verified),
                )
                identity = Identity.objects.create(
                    contact=contact, kind=kind, handle=key, display_name=display_name,
                    username=username, followers_count=followers_count or 0, verified=bool(verified),
                    linked_via="same phone number" if sibling else "",
                )
                identity.is_new = True
        except IntegrityError:  # created concurrently by another worker
            identity = Identity.objects.select_related("contact").get(kind=kind, handle=key)
        return identity
    if identity.blocked:
        return identity
    _refresh(identity, display_name, username, followers_count, verified)
    return identity


def blocked_identity(kind: str, key: str) -> Identity | None:
    """The erased identity this handle used to be, if any (same number counts across kinds)."""
    hashed = keys.erased_handle(kind, key)
    return (Identity.objects.select_related("contact")
            .filter(kind__in=(kind, *keys.siblings(kind)), handle=hashed, blocked=True).first())


def _siblings(kind: str, handles: list[str]) -> dict[str, Identity]:
    other = keys.siblings(kind)
    if not other or not handles:
        return {}
    found = Identity.objects.select_related("contact").filter(kind__in=other, handle__in=handles, blocked=False)
    return {i.handle: i for i in found.order_by("pk")}


def _refresh(identity: Identity, display_name, username, followers_count, verified) -> None:
    changed = []
    for field, value in (("display_name", display_name), ("username", username),
                         ("followers_count", followers_count), ("verified", verified)):
        if value not in (None, "") and getattr(identity, field) != value:
            setattr(identity, field, value)
            changed.append(field)
    if changed:
        identity.save(update_fields=changed + ["updated_at"])
        contact = identity.contact
        contact_changed = []
        if followers_count is not None and followers_count > contact.followers_count:
            contact.followers_count = followers_count
            contact_changed.append("followers_count")
        if verified and not contact.verified:
            contact.verified = True
            contact_changed.append("verified")
        if contact_changed:
            contact.save(update_fields=contact_changed + ["updated_at"])


def resolve_identities(handles) -> dict[tuple[str, str], Identity]:
    """Batch form of `resolve_identity` for the ingestion pipeline: one read, bulk writes.

    `handles` are channels.base.Handle objects. Returns {(kind, raw handle): Identity}.
    Call inside a transaction; a concurrent insert of the same handle raises IntegrityError,
    and the caller retries the batch one event at a time.
    """
    wanted: dict[tuple[str, str], object] = {}
    for h in handles:
        wanted.setdefault((h.kind, normalize.handle(h.kind, h.handle)), h)
    if not wanted:
        return {}
    found: dict[tuple[str, str], Identity] = {}
    kinds = {k for k, _ in wanted}
    for identity in Identity.objects.select_related("contact").filter(
            kind__in=kinds, handle__in=[h for _, h in wanted]):
        if (identity.kind, identity.handle) in wanted:
            found[(identity.kind, identity.handle)] = identity
    missing = [key for key in wanted if key not in found]
    if missing:
        found.update(_blocked_many(missing))
        missing = [key for key in missing if key not in found]
    if missing:
        found.update(_create_many(missing, wanted))
    for key, identity in found.items():
        if not getattr(identity, "is_new", False) and not identity.blocked:
            h = wanted[key]
            _refresh(identity, h.display_name, h.username, h.followers_count, h.verified)
    return {(h.kind, h.handle): found[(h.kind, normalize.handle(h.kind, h.handle))] for h in handles}


def _blocked_many(missing) -> dict[tuple[str, str], Identity]:
    hashed = {keys.erased_handle(kind, key): (kind, key) for kind, key in missing}
    # The kinds too, as blocked_identity does: (kind, handle) is the index; without the kind
    # this read every identity of the desk once per batch.
    kinds = {k for kind, _ in missing for k in (kind, *keys.siblings(kind))}
    found = {}
    for identity in Identity.objects.select_related("contact").filter(kind__in=kinds, handle__in=list(hashed),
                                                                      blocked=True):
        kind, key = hashed[identity.handle]
        if identity.kind in (kind, *keys.siblings(kind)):
            found[(kind, key)] = identity
    return found


def _create_many(missing, wanted) -> dict[tuple[str, str], Identity]:
    """New identities; phone-number kinds join a sibling's contact (existing or new in this batch)."""
    siblings: dict[tuple[str, str], Contact] = {}
    for kind in {k for k, _ in missing}:
        found = _siblings(kind, [h for k, h in missing if k == kind])
        siblings.update({(kind, h): i.contact for h, i in found.items()})
    by_number: dict[str, Contact] = {}
    fresh, plan = [], []
    for kind, key in missing:
        h = wanted[(kind, key)]
        contact = siblings.get((kind, key))
        if contact is None and keys.phone_like(kind):
            contact = by_number.get(key)
        joined = contact is not None
        if contact is None:
            contact = Contact(name=h.display_name or h.username or key,
                              followers_count=h.followers_count or 0, verified=bool(h.verified))
            fresh.append(contact)
            if keys.phone_like(kind):
                by_number[key] = contact
        plan.append((kind, key, h, contact, joined))
    insert_rows(fresh)
    created = {
        (kind, key): Identity(contact=contact, kind=kind, handle=key, display_name=h.display_name,
                              username=h.username, followers_count=h.followers_count or 0,
                              verified=bool(h.verified), linked_via="same phone number" if joined else "")
        for kind, key, h, contact, joined in plan
    }
    insert_rows(list(created.values()))
    for identity in created.values():
        identity.is_new = True
    return created


def add_identity(contact: Contact, kind: str, handle: str, *, linked_via: str) -> Identity:
    """Give a contact another handle (an email the customer told us). Call inside a transaction."""
    key = normalize.handle(kind, handle)
    if blocked_identity(kind, key) is not None:
        raise ValidationError("that handle was erased and cannot be linked again")
    existing = Identity.objects.filter(kind=kind, handle=key).first()
    if existing is not None:
        if existing.contact_id != contact.pk:
            raise ValidationError("that handle belongs to another contact; merge the contacts instead")
        return existing
    return Identity.objects.create(contact=contact, kind=kind, handle=key, linked_via=linked_via)


def update_contact(actor, contact: Contact, *, name: str | None = None,
                   attributes: dict | None = None) -> Contact:
    """Rename a contact or set custom attributes (a None value removes an attribute)."""
    if contact.erased_at or contact.merged_into_id:
        raise ValidationError("an erased or merged contact cannot be changed")
    fields = []
    if name is not None:
        contact.name = name.strip()[:255]
        fields.append("name")
    if attributes is not None:
        merged = {**contact.attributes, **attributes}
        contact.attributes = {k: v for k, v in merged.items() if v is not None}
        fields.append("attributes")
    if fields:
        contact.save(update_fields=fields + ["updated_at"])
    return contact


def add_note(actor, contact: Contact, text: str) -> ContactNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError("a note needs text")
    if contact.erased_at:
        raise ValidationError("an erased contact takes no notes")
    return ContactNote.objects.create(contact=contact, author=actor, text=text)
