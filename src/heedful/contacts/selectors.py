"""Contact reads that know nothing of users or conversations.

The caller passes the contacts a user may read (from a permission gate); the gated reads for
pages and the API live with them in web/contact_queries.py, so this app never imports the gates.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from heedful.contacts import normalize
from heedful.contacts.models import Contact, LinkSuggestion, MergeRecord, SuggestionStatus
from heedful.core.errors import ValidationError


def matching(contacts: QuerySet[Contact], q: str = "") -> QuerySet[Contact]:
    """Of `contacts`, those matching `q` by name, handle or screen name, newest first.

    Merged shells are left out.
    """
    qs = contacts.filter(merged_into__isnull=True)
    q = (q or "").strip()
    if q:
        terms = {q, q.lstrip("@"), normalize.email(q)}
        match = Q(name__icontains=q)
        for term in terms:
            match |= Q(identities__handle__icontains=term, identities__blocked=False)
            match |= Q(identities__username__iexact=term)
        try:
            match |= Q(identities__handle=normalize.phone(q))
        except ValidationError:  # not a phone number
            pass
        qs = qs.filter(pk__in=Contact.objects.filter(match).values("pk"))
    return qs.order_by("-updated_at", "-pk")


def pending_suggestions(contact: Contact, visible: QuerySet[Contact]) -> QuerySet[LinkSuggestion]:
    """Pending suggestions about this contact whose other side is among `visible` (or a bare handle)."""
    visible_pks = visible.values("pk")
    qs = LinkSuggestion.objects.filter(status=SuggestionStatus.PENDING).filter(
        Q(contact=contact, other__isnull=True) | Q(contact=contact, other__in=visible_pks)
        | Q(other=contact, contact__in=visible_pks))
    return qs.select_related("contact", "other").order_by("-created_at", "-pk")


def merges(contact: Contact) -> QuerySet[MergeRecord]:
    """Merges into this contact that can still be undone."""
    return (MergeRecord.objects.filter(target=contact, unmerged_at__isnull=True, erased=False)
            .select_related("source").order_by("-pk"))
