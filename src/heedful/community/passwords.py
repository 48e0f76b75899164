"""Member password reset: a signed, expiring link by email. The token covers the member's own
password hash, so it stops working once used (or once the password changes otherwise)."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from heedful.community.models import MemberProfile


class MemberResetTokens(PasswordResetTokenGenerator):
    key_salt = "heedful.community.password_reset"

    def _make_hash_value(self, user, timestamp):
        member = MemberProfile.objects.filter(user=user).values_list("password", flat=True).first() or ""
        return f"{user.pk}{member}{timestamp}{user.email}{user.is_active}"


log = logging.getLogger(__name__)
tokens = MemberResetTokens()


def reset_path(member: MemberProfile) -> str:
    uid = urlsafe_base64_encode(force_bytes(member.user_id))
    return f"/community/password-reset/{uid}/{tokens.make_token(member.user)}/"


def member_for_link(uidb64: str, token: str) -> MemberProfile | None:
    try:
        user_id = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    member = MemberProfile.objects.select_related("user").filter(user_id=user_id, user__is_active=True).first()
    if member is None or not tokens.check_token(member.user, token):
        return None
    return member


def send_reset_mail(email: str) -> int:
    """The job behind "forgot password": mails a link if the address is a member's."""
    member = MemberProfile.objects.select_related("user").filter(user__email__iexact=email,
                                                                  user__is_active=True).first()
    if member is None:
        return 0
    url = settings.HEEDFUL_BASE_URL.rstrip("/") + reset_path(member)
    body = (f"Hello {member.user.get_username()},\n\nSomeone asked to reset your community password. "
            f"If it was you, choose a new one here (the link works once, for a few days):\n\n{url}\n\n"
            "If it was not you, ignore this mail; your password stays as it is.\n")
    sender = getattr(settings, "HEEDFUL_COMMUNITY_FROM_EMAIL", settings.DEFAULT_FROM_EMAIL)
    try:
        return send_mail("Reset your community password", body, sender, [member.user.email])
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("password reset mail not sent (%s)", type(exc).__name__)
        return 0
