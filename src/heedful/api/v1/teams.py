"""Teams, users and roles (admins only)."""

from __future__ import annotations

from typing import Literal

from django.contrib.auth import get_user_model
from django.db import transaction
from ninja import Field, Router, Schema, Status

from heedful.accounts import actions
from heedful.accounts.access import can_manage_teams, role_of, team_ids
from heedful.accounts.models import Role, Team
from heedful.api.v1.errors import answers
from heedful.api.v1.pagination import paginate
from heedful.core.errors import NotFound, PermissionDenied

router = Router(tags=["teams and roles"])


# A name or slug must keep a letter or digit once slugified (the slug is the team's URL name).
_SLUGGABLE = r"[A-Za-z0-9]"


class TeamIn(Schema):
    name: str = Field(..., max_length=120, pattern=_SLUGGABLE)
    slug: str = Field("", max_length=120, pattern=f"^$|{_SLUGGABLE}")


class RoleIn(Schema):
    role: Literal[tuple(Role.values)] | None = Field(None, description="the user's new role")
    teams: list[int] | None = Field(None, description="team ids; replaces the user's teams")


def _admin(request) -> None:
    if not can_manage_teams(request.auth):
        raise PermissionDenied("only admins manage teams and roles")


def _team(t) -> dict:
    return {"id": t.pk, "name": t.name, "slug": t.slug,
            "members": sorted(t.members.values_list("user_id", flat=True)),
            "channels": sorted(t.channels.values_list("pk", flat=True))}


def _user(u) -> dict:
    return {"id": u.pk, "username": u.get_username(), "name": u.get_full_name(), "is_active": u.is_active,
            "role": role_of(u), "teams": sorted(team_ids(u))}


@router.get("/teams")
@answers(403)
def list_teams(request):
    _admin(request)
    return paginate(request, Team.objects.order_by("name"), _team)


@router.post("/teams", response={201: dict})
@answers(409)
def create_team(request, body: TeamIn):
    _admin(request)
    with transaction.atomic():
        team = actions.create_team(request.auth, body.name, body.slug)
    return Status(201, _team(team))


@router.get("/users")
@answers(403)
def list_users(request):
    _admin(request)
    users = get_user_model().objects.select_related("profile").order_by("username")
    return paginate(request, users, _user)


@router.post("/users/{user_id}/role")
def set_role(request, user_id: int, body: RoleIn):
    """Change a user's role and/or teams. The change is written to the audit log."""
    _admin(request)
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        raise NotFound("user not found")
    teams = None
    if body.teams is not None:
        teams = list(Team.objects.filter(pk__in=body.teams))
        if len(teams) != len(set(body.teams)):
            raise NotFound("team not found")
    with transaction.atomic():
        actions.set_role(request.auth, user, role=body.role, teams=teams)
    user.refresh_from_db()
    return _user(user)
