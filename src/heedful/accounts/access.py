"""The permission gates. Every view, API endpoint, search and export reads through these.

An object the user may not read is reported as missing (NotFound), so no path reveals that it
exists. One gate per object type:

- conversations: `conversations_for`, `access_conversation`; for a live stream the same rule
  in memory, `reader_scope` with `reading_facts`
- messages (and their attachments): `messages_for` (the conversation gate underneath)
- contacts: `contacts_for` (`live_contacts_for` for lists), `access_contact`; link suggestions:
  `access_suggestion`
- canned responses: `canned_responses_for` (shared ones and their teams')
- channels (a connected account's settings): `channels_for`, `access_channel`
- whom and where to assign: `assignable_users`, `assignable_teams`; own queues: `member_teams`
- everything else (inbound events, audit log, teams and roles, full exports, erasure): admins.

Roles:
- admin: everything.
- supervisor, agent, community moderator: the conversations of their teams (a conversation's
  own team when it has one, else its channel's team) and those assigned to them, and the
  contacts of those conversations. A supervisor may also open any other contact's page (not its
  other teams' conversations); each such cross-team read is written to the audit log.
- analyst: aggregates only; no conversation, message or contact is readable (all 404).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from heedful.accounts.models import Role, Team
from heedful.audit.actions import record as audit
from heedful.channels.models import Channel
from heedful.contacts.models import Contact, LinkSuggestion
from heedful.conversations.models import CannedResponse, Conversation, Message
from heedful.core.errors import NotFound

TEXT_READERS = {Role.ADMIN, Role.SUPERVISOR, Role.AGENT, Role.MODERATOR}


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


def reads_text(user) -> bool:
    """May this user read any conversation, message or contact at all (analysts may not)."""
    return role_of(user) in TEXT_READERS


def require_text_reader(user) -> None:
    """For list and search endpoints: analysts and strangers get the same 404 as a missing object."""
    if not reads_text(user):
        raise NotFound("not found")


def conversations_for(user) -> QuerySet[Conversation]:
    qs = Conversation.objects.all()
    role = role_of(user)
    if role == Role.ADMIN:
        return qs
    if role not in TEXT_READERS:
        return qs.none()
    teams = team_ids(user)
    # The teams' channels as a subquery on the small channel table, so the filter stays on
    # columns of the conversation row; an OR across a join would scan a large desk.
    channels = Channel.objects.filter(team_id__in=teams).values("pk")
    return qs.filter(Q(team_id__in=teams) | Q(team__isnull=True, channel_id__in=channels) | Q(assignee=user))


@dataclass(frozen=True)
class ReaderScope:
    """`conversations_for(user)` held in memory, for a live stream that filters many notices:
    the same rule, decided from a conversation's reading facts (`reading_facts`) without a query."""

    everything: bool
    nothing: bool
    user_id: int | None
    teams: frozenset[int]
    team_channels: frozenset[int]

    def reads(self, facts: tuple[int | None, int, int | None] | None) -> bool:
        """facts: (team id, channel id, assignee id) of one conversation, None if it is gone."""
        if self.everything:
            return True
        if self.nothing or facts is None:
            return False
        team, channel, assignee = facts
        return team in self.teams or (team is None and channel in self.team_channels) \
            or (assignee is not None and assignee == self.user_id)


def reader_scope(user) -> ReaderScope:
    role = role_of(user)
    if role == Role.ADMIN or role not in TEXT_READERS:
        return ReaderScope(role == Role.ADMIN, role != Role.ADMIN, None, frozenset(), frozenset())
    teams = frozenset(team_ids(user))
    channels = frozenset(Channel.objects.filter(team_id__in=teams).values_list("pk", flat=True))
    return ReaderScope(False, False, user.pk, teams, channels)


def reading_facts(conversation_ids) -> dict[int, tuple[int | None, int, int | None]]:
    """What `ReaderScope.reads` needs of each conversation, in one query."""
    return {pk: (team, channel, assignee) for pk, team, channel, assignee in
            Conversation.objects.filter(pk__in=set(conversation_ids))
            .values_list("pk", "team_id", "channel_id", "assignee_id")}


def messages_for(user) -> QuerySet[Message]:
    if sees_everything(user):
        return Message.objects.all()
    return Message.objects.filter(conversation__in=conversations_for(user))


def contacts_for(user) -> QuerySet[Contact]:
    """Contacts with a conversation this user may read, and the contacts merged into those."""
    if sees_everything(user):
        return Contact.objects.all()
    if not reads_text(user):
        return Contact.objects.none()
    visible = conversations_for(user).values("contact_id")
    return Contact.objects.filter(Q(pk__in=visible) | Q(merged_into__in=visible))


def live_contacts_for(user, *, below: int | None = None, above: int | None = None) -> QuerySet[Contact]:
    """`contacts_for` without merged shells, for lists, optionally with ids between `above` and
    `below` (a keyset page). The shells' branch (an OR over a second subquery) would keep
    PostgreSQL off the primary key order, and lists never show shells. The id bounds are
    repeated inside the conversations subquery: the planner does not carry them across the
    semi-join, and without them a deep page reads the conversations of every newer contact."""
    bounds = {**({"lt": below} if below is not None else {}), **({"gt": above} if above is not None else {})}
    contacts = Contact.objects.filter(merged_into__isnull=True, **{f"pk__{op}": v for op, v in bounds.items()})
    if sees_everything(user):
        return contacts
    if not reads_text(user):
        return Contact.objects.none()
    visible = conversations_for(user).filter(**{f"contact_id__{op}": v for op, v in bounds.items()})
    return contacts.filter(pk__in=visible.values("contact_id"))


def access_conversation(user, conversation_id) -> Conversation:
    conversation = (conversations_for(user).select_related("channel", "contact", "assignee", "team")
                    .filter(pk=conversation_id).first())
    if conversation is None:
        raise NotFound("conversation not found")
    return conversation


def access_contact(user, contact_id, *, write: bool = False) -> Contact:
    """The contact, if this user may read it (`write=True`: change it). A supervisor's read of a
    contact outside their teams is allowed and audited; changes stay within their teams."""
    contact = contacts_for(user).filter(pk=contact_id).first()
    if contact is None and not write and role_of(user) == Role.SUPERVISOR:
        contact = Contact.objects.filter(pk=contact_id).first()
        if contact is not None:
            audit(user, "contact.cross_team_read", "contact", contact.pk)
    if contact is None:
        raise NotFound("contact not found")
    return contact


def access_suggestion(user, suggestion_id) -> LinkSuggestion:
    """A link suggestion, if this user may read both contacts it would join."""
    visible = contacts_for(user).values("pk")
    suggestion = (LinkSuggestion.objects.select_related("contact", "other")
                  .filter(pk=suggestion_id, contact__in=visible)
                  .filter(Q(other__isnull=True) | Q(other__in=visible)).first())
    if suggestion is None:
        raise NotFound("suggestion not found")
    return suggestion


def canned_responses_for(user) -> QuerySet[CannedResponse]:
    qs = CannedResponse.objects.all()
    if sees_everything(user):
        return qs
    return qs.filter(Q(team__isnull=True) | Q(team_id__in=team_ids(user)))


def channels_for(user) -> QuerySet[Channel]:
    """Admins: every channel. Everyone else: their teams' channels and the shared ones (no team)."""
    qs = Channel.objects.all()
    if sees_everything(user):
        return qs
    return qs.filter(Q(team_id__in=team_ids(user)) | Q(team__isnull=True))


def access_channel(user, channel_id) -> Channel:
    channel = channels_for(user).filter(pk=channel_id).first()
    if channel is None:
        raise NotFound("channel not found")
    return channel


def assignable_teams(user) -> QuerySet[Team]:
    """Teams this user may hand a conversation to: any team for those who work conversations
    (a transfer to another team is how work is escalated), none for analysts."""
    return Team.objects.all() if reads_text(user) else Team.objects.none()


def member_teams(user) -> QuerySet[Team]:
    """The teams whose queues this user works: admins every team, others their own."""
    return Team.objects.all() if sees_everything(user) else Team.objects.filter(pk__in=team_ids(user))


def assignable_users(user) -> QuerySet:
    """People this user may assign a conversation to: active and not read-only analysts; for
    admins anyone, for everyone else themselves and the members of their own teams."""
    users = get_user_model().objects.filter(is_active=True).exclude(profile__role=Role.ANALYST)
    if sees_everything(user):
        return users
    if not reads_text(user):
        return users.none()
    return users.filter(Q(pk=user.pk) | Q(profile__teams__in=team_ids(user))).distinct()


def can_manage_channels(user) -> bool:
    return role_of(user) == Role.ADMIN


def can_manage_teams(user) -> bool:
    return role_of(user) == Role.ADMIN


def can_manage_automation(user) -> bool:
    """Automation rules (what happens without an agent) are a supervisor's tool as much as an admin's."""
    return role_of(user) in (Role.ADMIN, Role.SUPERVISOR)


def can_read_audit(user) -> bool:
    return role_of(user) == Role.ADMIN


def can_export_contacts(user) -> bool:
    """A privacy export holds every channel's conversations, so only a see-everything role."""
    return role_of(user) == Role.ADMIN


def can_erase_contacts(user) -> bool:
    return role_of(user) == Role.ADMIN

