"""The forum's part of erasing a customer (`privacy.erasure.erase` calls it with the rest).

A member linked to an erased contact keeps their posts, signed "deleted member", so threads
still read and the reports' totals stay true; their name, email, password, API keys,
subscriptions and private messages go, and the account can never sign in again. The forum
created the member's Django user at sign-up, so it is the forum that blanks it.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from heedful.community.models import (
    MemberProfile,
    MemberToken,
    Post,
    PrivateMessage,
    Subscription,
    TopicRead,
)
from heedful.core.erased import ERASED

# The community provider's identity kind; a member's handle is their user id.
MEMBER_IDENTITY_KIND = "forum"
DELETED_MEMBER = "deleted member"


def member_user_ids(handles: list[str]) -> list[int]:
    """The members behind these forum handles (desk users and unknown ids are skipped)."""
    ids = [int(h) for h in handles if h.isdigit() and len(h) < 19]
    return list(MemberProfile.objects.filter(user_id__in=ids).values_list("user_id", flat=True))


def erase_members(user_ids: list[int]) -> int:
    """Anonymise these members. Call inside the erasure's transaction; returns how many."""
    if not user_ids:
        return 0
    members = MemberProfile.objects.filter(user_id__in=user_ids)
    Post.objects.filter(author_id__in=user_ids).update(author_name=DELETED_MEMBER)
    PrivateMessage.objects.filter(member__in=members).update(body=ERASED, body_html="", author_name="")
    PrivateMessage.objects.filter(author_id__in=user_ids).update(author_name=DELETED_MEMBER)
    MemberToken.objects.filter(member__in=members).delete()
    Subscription.objects.filter(user_id__in=user_ids).delete()
    TopicRead.objects.filter(member__in=members).delete()
    count = members.update(password="!", email_notifications=False)
    users = list(get_user_model().objects.filter(pk__in=user_ids))
    for user in users:
        user.username = f"deleted-{user.pk}"
        user.email, user.first_name, user.last_name, user.is_active = "", "", "", False
        user.set_unusable_password()
    get_user_model().objects.bulk_update(users, ["username", "email", "first_name", "last_name", "is_active",
                                                 "password"])
    return count
