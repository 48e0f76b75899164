"""The contacts list: the customers an agent may read, newest first, one keyset page at a time.

Rows are ordered by id, so a page is a walk down the primary key from the cursor: page 1,000 of
a million contacts costs what the first does, and nothing counts all contacts. A search matches
a name, handle or screen name as a substring: the union of the contacts whose name matches and
those with a matching identity, each half cut to one page, which PostgreSQL reads from the
trigram indexes (contacts migration 0005) or, for a common term, from the primary key order;
SQLite scans with LIKE. What a row shows besides the contact (its handles, last contact,
open conversations) comes from two queries for the whole page, the second through the gate, so
an agent never sees activity on conversations they may not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils.safestring import SafeString, mark_safe

from heedful.accounts.access import conversations_for, live_contacts_for
from heedful.channels import registry
from heedful.contacts import normalize
from heedful.contacts.models import Contact, Identity
from heedful.conversations.models import Status
from heedful.core.errors import ValidationError
from heedful.web import channels_ui, keyset

PAGE_SIZE = 50
MIN_TERM = 2  # shorter terms match nearly everything and no trigram index helps


@dataclass(frozen=True)
class HandleCell:
    kind: str
    label: str
    glyph: SafeString  # the provider's own SVG, not customer text
    text: str


@dataclass
class Row:
    contact: Contact
    handles: list[HandleCell]
    last_contact_at: datetime | None
    open_count: int


@dataclass
class Page:
    rows: list[Row]
    next_cursor: str | None  # older contacts
    prev_cursor: str | None  # newer contacts


def contacts(user, q: str = "", *, below: int | None = None, above: int | None = None,
             limit: int | None = None) -> QuerySet[Contact]:
    """Contacts this user may read (no merged shells) with ids between the bounds, narrowed by a
    search term. With `limit`, each half of a search (by name, by handle) is cut to the first
    `limit` ids in page order (newest first, or oldest first when paging back from `above`):
    the page needs no more, and a common term ("ann") is then a short walk down the primary
    key instead of a sort of every match."""
    qs = live_contacts_for(user, below=below, above=above)
    term = (q or "").strip()
    if len(term) < MIN_TERM:
        return qs
    names = qs.filter(name__icontains=term)
    handles = qs.filter(pk__in=Identity.objects.filter(_handle_match(term), blocked=False).values("contact_id"))
    if limit is not None and connections[qs.db].features.supports_slicing_ordering_in_compound:
        order = "id" if above is not None and below is None else "-id"
        names, handles = names.order_by(order)[:limit], handles.order_by(order)[:limit]
    return qs.filter(pk__in=names.values("pk").union(handles.values("pk")))


def _handle_match(term: str) -> Q:
    """A handle or screen name containing the term as typed, without its @, as a normalised
    email address or phone number."""
    terms = {term, term.lstrip("@"), normalize.email(term)}
    try:
        terms.add(normalize.phone(term))
    except ValidationError:  # not a phone number
        pass
    match = Q()
    for t in filter(None, terms):
        match |= Q(handle__icontains=t) | Q(username__icontains=t)
    return match


def page(user, q: str = "", *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> Page:
    shown = Identity.objects.filter(blocked=False).order_by("kind", "pk")
    with_handles = Prefetch("identities", queryset=shown, to_attr="shown_identities")
    back, start = keyset.decode(before, int), keyset.decode(after, int)
    if back:
        qs = contacts(user, q, above=back[0], limit=size + 1).prefetch_related(with_handles)
        found = list(qs.order_by("id")[:size + 1])
        more_newer = len(found) > size
        found = found[:size][::-1]
        next_cursor = keyset.encode(found[-1].pk) if found else None
        prev_cursor = keyset.encode(found[0].pk) if found and more_newer else None
    else:
        qs = contacts(user, q, below=start[0] if start else None, limit=size + 1).prefetch_related(with_handles)
        found = list(qs.order_by("-id")[:size + 1])
        more_older = len(found) > size
        found = found[:size]
        next_cursor = keyset.encode(found[-1].pk) if found and more_older else None
        prev_cursor = keyset.encode(found[0].pk) if found and start else None
    return Page(_rows(user, found), next_cursor, prev_cursor)


def _rows(user, found: list[Contact]) -> list[Row]:
    if not found:
        return []
    ids = [c.pk for c in found]
    stats = {s["contact_id"]: s for s in (
        conversations_for(user).filter(contact_id__in=ids).order_by().values("contact_id")
        .annotate(last=Max("last_activity_at"), open=Count("pk", filter=~Q(status=Status.RESOLVED))))}
    rows = []
    for contact in found:
        s = stats.get(contact.pk, {})
        rows.append(Row(contact, [_cell(i) for i in contact.shown_identities],
                        s.get("last"), s.get("open", 0)))
    return rows


def _cell(identity: Identity) -> HandleCell:
    kind = registry.identity_kind(identity.kind)
    text = f"@{identity.username}" if identity.username else identity.handle
    return HandleCell(identity.kind, kind.label, mark_safe(channels_ui.kind_svg(identity.kind)), text)
