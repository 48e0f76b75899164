"""Who is reading or writing in the forum: a member, staff, or a visitor.

Members sign in with their own session key (not Django's auth session), so a signed-in member is
never `request.user` in the agent workspace or the desk's API. Staff are the desk's users with a
role that reads conversations (admin, supervisor, agent, community moderator) and no member
profile; they act in the forum through their workspace session or their API token.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.utils.crypto import constant_time_compare, salted_hmac

from heedful.accounts.access import reads_text
from heedful.community.models import MemberProfile, MemberToken

SESSION_KEY = "_community_member"
SESSION_HASH = "_community_member_hash"


@dataclass(frozen=True)
class Viewer:
    user: object = None
    member: MemberProfile | None = None
    staff: bool = False

    @property
    def authenticated(self) -> bool:
        return self.user is not None

    @property
    def name(self) -> str:
        if self.user is None:
            return ""
        return self.user.get_full_name() or self.user.get_username()


ANONYMOUS = Viewer()


def is_staff(user) -> bool:
    """A desk user who may moderate: a reading role, an explicit desk profile, no member profile."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if MemberProfile.objects.filter(user=user).exists():
        return False
    has_profile = user.is_superuser or hasattr(user, "profile")
    return has_profile and reads_text(user)


def staff_viewer(user) -> Viewer:
    return Viewer(user=user, staff=True)


def member_viewer(member: MemberProfile) -> Viewer:
    return Viewer(user=member.user, member=member)


def _session_hash(member: MemberProfile) -> str:
    # Changes with the member's password: a reset signs out every other session.
    return salted_hmac("heedful.community.session", member.password).hexdigest()


def log_in(request, member: MemberProfile) -> None:
    request.session.cycle_key()  # no session fixation
    request.session[SESSION_KEY] = member.user_id
    request.session[SESSION_HASH] = _session_hash(member)


def log_out(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SESSION_HASH, None)
    request.session.cycle_key()


def session_member(request) -> MemberProfile | None:
    user_id = request.session.get(SESSION_KEY)
    if not user_id:
        return None
    member = MemberProfile.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    if member is None or not constant_time_compare(request.session.get(SESSION_HASH, ""), _session_hash(member)):
        return None
    return member


def viewer_of(request) -> Viewer:
    """The forum's view of a web request: staff by their workspace session, else a member."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and is_staff(user):
        return staff_viewer(user)
    member = session_member(request)
    return member_viewer(member) if member else ANONYMOUS


def authenticate(username_or_email: str, password: str) -> MemberProfile | None:
    value = (username_or_email or "").strip()
    field = "user__email__iexact" if "@" in value else "user__username"
    member = MemberProfile.objects.select_related("user").filter(**{field: value}, user__is_active=True).first()
    if member is None:
        make_password(password)  # about the same time whether or not the member exists
        return None
    return member if check_password(password, member.password) else None


def member_by_token(key: str) -> MemberProfile | None:
    if not key:
        return None
    token = (MemberToken.objects.select_related("member__user")
             .filter(digest=MemberToken.hash(key), member__user__is_active=True).first())
    return token.member if token else None
