"""An agent's saved inbox filters (a name and a query string); they are the agent's own."""

from __future__ import annotations

from heedful.core.errors import NotFound, ValidationError
from heedful.web.inbox_query import InboxFilter
from heedful.web.models import SavedFilter

MAX_PER_USER = 30


def for_user(user):
    return SavedFilter.objects.filter(user=user).order_by("name")


def save(user, name: str, f: InboxFilter) -> SavedFilter:
    name = " ".join((name or "").split())[:80]
    if not name:
        raise ValidationError("give the filter a name")
    if not f.params():
        raise ValidationError("choose at least one filter to save")
    existing = SavedFilter.objects.filter(user=user, name=name).first()
    if existing is None and for_user(user).count() >= MAX_PER_USER:
        raise ValidationError(f"at most {MAX_PER_USER} saved filters")
    saved, _ = SavedFilter.objects.update_or_create(user=user, name=name, defaults={"query": f.querystring()})
    return saved


def delete(user, filter_id: int) -> None:
    deleted, _ = SavedFilter.objects.filter(user=user, pk=filter_id).delete()
    if not deleted:
        raise NotFound("no such saved filter")
