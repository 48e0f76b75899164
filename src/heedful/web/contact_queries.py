"""Gated reads about one customer, for the contact page and the contacts API.

Every read starts from a permission gate. They live at the edge, not in `contacts`, because
they join the gates (accounts) and conversations, which the contacts app must not import.
"""

from __future__ import annotations

from django.db.models import QuerySet

from heedful.accounts.access import contacts_for, conversations_for
from heedful.contacts import selectors
from heedful.contacts.models import Contact, LinkSuggestion
from heedful.conversations.models import Conversation, Status


def search(user, q: str = "") -> QuerySet[Contact]:
    """Contacts this user may read, by name, handle or screen name. Merged shells are left out."""
    return selectors.matching(contacts_for(user), q)


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
    return selectors.pending_suggestions(contact, contacts_for(user))
