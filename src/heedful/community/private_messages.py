"""Writes to a member's private thread with the brand's staff (a topic's matter moved private).

Staff messages come from the desk, once per outbound idempotency key; a member's own message is
announced after commit, and the desk's bridge carries it into the private conversation.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from heedful.community import markdown
from heedful.community.members import Viewer
from heedful.community.models import MemberProfile, PrivateMessage
from heedful.core.clock import now
from heedful.core.errors import NotFound, PermissionDenied, ValidationError
from heedful.events import names
from heedful.events.dispatcher import emit

MAX_BODY = 32_000


def _clean(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError("a message needs some text")
    if len(text) > MAX_BODY or "\x00" in text:
        raise ValidationError(f"a message is at most {MAX_BODY} characters, without NUL")
    return text


def _html(text: str) -> str:
    # Never public, but links still get nofollow and noopener like a new member's.
    return markdown.render(text, nofollow=True, own_host="")


def send_from_staff(member_user_id: int, *, text: str, key: str, author=None, author_name: str = "") -> PrivateMessage:
    """The desk's private answer to a member, exactly once per `key`."""
    existing = PrivateMessage.objects.filter(desk_key=key).first()
    if existing is not None:
        return existing
    member = MemberProfile.objects.filter(user_id=member_user_id, user__is_active=True).first()
    if member is None:
        raise NotFound("no such member")
    text = _clean(text)
    try:
        with transaction.atomic():
            return PrivateMessage.objects.create(
                member=member, from_staff=True, author=author, author_name=(author_name or "Staff")[:150],
                body=text, body_html=_html(text), created_at=now(), desk_key=key)
    except IntegrityError:  # a concurrent resend won the race
        return PrivateMessage.objects.get(desk_key=key)


def write(viewer: Viewer, text: str) -> PrivateMessage:
    """A member answers in their private thread; only a member who has one may."""
    if viewer.member is None:
        raise PermissionDenied("sign in as a member to write to the brand privately")
    text = _clean(text)
    if not PrivateMessage.objects.filter(member=viewer.member, from_staff=True).exists():
        raise PermissionDenied("the brand has not written to you privately")
    with transaction.atomic():
        message = PrivateMessage.objects.create(
            member=viewer.member, author=viewer.user, author_name=viewer.name[:150], body=text,
            body_html=_html(text), created_at=now())
        emit(names.COMMUNITY_PRIVATE_MESSAGE_CREATED, message_id=message.pk)
    return message
