"""The permission gates. Every view, API endpoint, search and export reads through these.

An object the user may not read is reported as missing (NotFound), so no path reveals that it
exists. Admins read everything; analysts read no conversation text; everyone else reads the
conversations of their teams' channels, their teams' conversations, and those assigned to them.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from heedful.accounts.models import Role
from heedful.contacts.models import Contact
from heedful.conversations.models import Conversation
from heedful.core.errors import NotFound


def role_of(user) -> str:
    if not user or not user.is_authenticated:
        return ""
    if user.is_superuser:
        return Role.ADMIN
    profile = getattr(user, "profile", None)
    return profile.role if profile else Role.AGENT


def team_ids(user) -> list[int]:
    profile = getattr(user, "profile", None)
    return list(profile.teams.values_list("pk", flat=True)) if profile else []


def sees_everything(user) -> bool:
    return role_of(user) == Role.ADMIN


def conversations_for(user) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    role = role_of(user)
    if role == Role.ADMIN:
        return qs
    if not role or role == Role.ANALYST:
        return qs.none()
    teams = team_ids(user)
    return qs.filter(Q(team_id__in=teams) | Q(channel__team_id__in=teams) | Q(assignee=user))


def contacts_for(user) -> QuerySet[Contact]:
    if sees_everything(user):
        return Contact.objects.all()
    visible = conversations_for(user).values("contact_id")
    return Contact.objects.filter(pk__in=visible)


def access_conversation(user, conversation_id) -> Conversation:
    conversation = conversations_for(user).select_related("channel", "contact", "assignee", "team").filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFound("conversation not found")
    return conversation


def access_contact(user, contact_id) -> Contact:
    contact = contacts_for(user).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("contact not found")
    return contact


def can_manage_channels(user) -> bool:
    return role_of(user) == Role.ADMIN
