"""Who may read reports, and over which conversations (aggregates only, never message text)."""

from __future__ import annotations

from heedful.accounts.access import role_of, team_ids
from heedful.accounts.models import Role
from heedful.conversations.models import Conversation
from heedful.core.errors import PermissionDenied


def report_scope(user):
    role = role_of(user)
    if role in (Role.ADMIN, Role.ANALYST):
        return Conversation.objects.all()
    if role == Role.SUPERVISOR:
        return Conversation.objects.filter(team_id__in=team_ids(user))
    raise PermissionDenied("reports are for supervisors, analysts and admins")


def rollup_teams(user) -> tuple[int, ...] | None:
    """The teams whose rollup rows this user may read: None for every team. Same gate as
    `report_scope` (agents are refused)."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.ANALYST):
        return None
    if role == Role.SUPERVISOR:
        return tuple(team_ids(user))
    raise PermissionDenied("reports are for supervisors, analysts and admins")
