"""Reads for contact pages and the API. Every read starts from a permission gate."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from heedful.accounts.access import contacts_for, conversations_for
from heedful.contacts import normalize
from heedful.contacts.models import Contact, LinkSuggestion, MergeRecord, SuggestionStatus
from heedful.conversations.models import Conversation, Status
from heedful.core.errors import ValidationError


def search(user, q: str = "") -> QuerySet[Contact]:
    """Contacts this user may read, by name, handle or screen name. Merged shells are left out."""
    qs = contacts_for(user).filter(merged_into__isnull=True)
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


def timeline(user, contact: Contact) -> QuerySet[Conversation]:
    """The contact's conversations on every channel this user may read, newest first."""
    return (conversations_for(user).filter(contact=contact).select_related("channel", "assignee", "team")
            .order_by("-last_activity_at", "-pk"))


def open_elsewhere(user, contact: Contact, *, current: Conversation | None = None) -> dict:
    """Open cases of this customer the agent is not looking at.

    Beside a conversation (`current`): every other unresolved conversation of the contact. On the
    contact page: the unresolved ones the timeline cannot show (other teams' channels). Only a
    count and the channel kinds are given, never the conversations themselves.
    """
    qs = Conversation.objects.filter(contact=contact).exclude(status=Status.RESOLVED)
    if current is not None:
        qs = qs.exclude(pk=current.pk)
    else:
        # bounded to this contact's conversations: NOT IN over all a user may read scans the desk
        qs = qs.exclude(pk__in=conversations_for(user).filter(contact=contact).values("pk"))
    providers = sorted(set(qs.values_list("channel__provider", flat=True)))
    return {"count": qs.count(), "providers": providers}


def suggestions(user, contact: Contact) -> QuerySet[LinkSuggestion]:
    """Pending suggestions about this contact whose other side this user may also read."""
    visible = contacts_for(user).values("pk")
    qs = LinkSuggestion.objects.filter(status=SuggestionStatus.PENDING).filter(
        Q(contact=contact, other__isnull=True) | Q(contact=contact, other__in=visible)
        | Q(other=contact, contact__in=visible))
    return qs.select_related("contact", "other").order_by("-created_at", "-pk")


def merges(contact: Contact) -> QuerySet[MergeRecord]:
    """Merges into this contact that can still be undone."""
    return (MergeRecord.objects.filter(target=contact, unmerged_at__isnull=True, erased=False)
            .select_related("source").order_by("-pk"))
