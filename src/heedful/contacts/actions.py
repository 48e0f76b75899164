"""Writes to contacts and identities. Identity resolution starts here."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from heedful.contacts import normalize
from heedful.contacts.models import Contact, Identity


def resolve_identity(kind: str, handle: str, *, display_name: str = "", username: str = "",
                     followers_count: int | None = None, verified: bool | None = None) -> Identity:
    """Find or create the Identity for a handle (and its Contact), refreshing reach figures.

    Call inside a transaction. A blocked (erased) identity is returned as is and never updated.
    """
    key = normalize.handle(kind, handle)
    identity = Identity.objects.select_related("contact").filter(kind=kind, handle=key).first()
    if identity is None:
        try:
            with transaction.atomic():
                contact = Contact.objects.create(
                    name=display_name or username or key,
                    followers_count=followers_count or 0,
                    verified=bool(verified),
                )
                identity = Identity.objects.create(
                    contact=contact, kind=kind, handle=key, display_name=display_name,
                    username=username, followers_count=followers_count or 0, verified=bool(verified),
                )
        except IntegrityError:  # created concurrently by another worker
            identity = Identity.objects.select_related("contact").get(kind=kind, handle=key)
        return identity
    if identity.blocked:
        return identity
    _refresh(identity, display_name, username, followers_count, verified)
    return identity


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
