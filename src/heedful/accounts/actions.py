"""Writes to users, teams and roles. Role and team changes are audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from heedful.accounts.models import ApiToken, Profile, Role, Team
from heedful.audit.actions import record as audit
from heedful.core.errors import Conflict, ValidationError


def create_team(actor, name: str, slug: str = "") -> Team:
    name = (name or "").strip()
    slug = slugify(slug or name)
    if not name or not slug:
        raise ValidationError("a team needs a name")
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name[:120], slug=slug[:120])
    except IntegrityError:
        raise Conflict("a team with that name or slug exists") from None
    audit(actor, "team.created", "team", team.pk, slug=team.slug)
    return team


def team_by_slug(slug: str, *, create: bool = False, actor=None) -> Team:
    team = Team.objects.filter(slug=slugify(slug)).first()
    if team is None:
        if not create:
            raise ValidationError(f"no team {slug!r}")
        team = create_team(actor, slug, slug)
    return team


def profile_of(user) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


def set_role(actor, user, *, role: str | None = None, teams: list[Team] | None = None) -> Profile:
    """Change a user's role and/or team membership (None leaves it as it is)."""
    if role is not None and role not in Role.values:
        raise ValidationError(f"role must be one of {', '.join(Role.values)}")
    profile = profile_of(user)
    before = {"role": profile.role, "teams": sorted(profile.teams.values_list("pk", flat=True))}
    if role is not None and role != profile.role:
        profile.role = role
        profile.save(update_fields=["role"])
    if teams is not None:
        profile.teams.set(teams)
    after = {"role": profile.role, "teams": sorted(profile.teams.values_list("pk", flat=True))}
    if after != before:
        audit(actor, "user.role_changed", "user", user.pk, before=before, after=after)
    return profile


def create_agent(actor, username: str, *, role: str = Role.AGENT, teams: list[Team] = (),
                 password: str | None = None, email: str = ""):
    """A new staff user with a role and teams. Without a password the user cannot log in until
    one is set (API tokens still work)."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise Conflict(f"user {username!r} exists")
    user = User.objects.create_user(username, email or "", password)
    if role == Role.ADMIN:
        user.is_staff = True  # the Django admin (audit log) is for admins
        user.save(update_fields=["is_staff"])
    Profile.objects.create(user=user, role=Role.AGENT)
    set_role(actor, user, role=role, teams=list(teams))
    audit(actor, "user.created", "user", user.pk)
    return user


def issue_token(actor, user) -> str:
    key = ApiToken.issue(user)
    audit(actor, "token.issued", "user", user.pk)
    return key
