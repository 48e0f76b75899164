"""Contact reads that know nothing of users or conversations.

The caller passes the contacts a user may read (from a permission gate); the gated reads for
pages and the API live with them in web/contact_queries.py, so this app never imports the gates.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.functions import Upper

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


def namesakes(upper_names, per_name: int = 50) -> list[tuple[int, str]]:
    """(contact id, upper-cased name) of live contacts with any of these names, at most
    `per_name` each, through the contact_name_upper index.

    On PostgreSQL one index probe per name (a LATERAL join). Asked as one `upper(name) IN (...)`,
    the planner guessed the expression's selectivity on a table that grew since its last
    ANALYZE and read every contact computing upper() (300 ms a batch at 40,000 contacts).
    """
    names = sorted(set(upper_names))
    if not names:
        return []
    if connection.vendor != "postgresql":
        return list(Contact.objects.annotate(upper_name=Upper("name"))
                    .filter(upper_name__in=names, merged_into__isnull=True, erased_at__isnull=True)
                    .values_list("pk", "upper_name")[:per_name * len(names)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, n.name FROM unnest(%s::text[]) AS n(name) CROSS JOIN LATERAL ("
            " SELECT id FROM contacts_contact WHERE upper(name::text) = n.name"
            " AND merged_into_id IS NULL AND erased_at IS NULL LIMIT %s) AS c", [names, per_name])
        return cursor.fetchall()
