"""Trust levels and the new-member limits, with Discourse's defaults (each one a setting).

TL1 (basic): 5 topics entered, 30 posts read, 10 minutes reading.
TL2 (member): 20 topics entered, 100 posts read, 60 minutes reading, 15 days visited, 1 like
given, 1 like received, 3 replies.
TL3 (regular): Discourse measures it over the last 100 days; here over the member's lifetime,
with its absolute thresholds: 50 days visited, 10 replies, 25 topics entered (of the 100-topic
minimum), 500 posts read, 30 likes given, 20 likes received. TL4 is granted by staff only.
A member is promoted at a threshold, not one below it, and never demoted automatically.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from heedful.core.clock import now
from heedful.core.errors import RateLimited

DEFAULTS = {
    1: {"topics_entered": 5, "posts_read": 30, "read_seconds": 10 * 60},
    2: {"topics_entered": 20, "posts_read": 100, "read_seconds": 60 * 60, "days_visited": 15,
        "likes_given": 1, "likes_received": 1, "replies_created": 3},
    3: {"topics_entered": 25, "posts_read": 500, "days_visited": 50, "likes_given": 30,
        "likes_received": 20, "replies_created": 10},
}
STAFF_FLAG_WEIGHT = 5


def thresholds() -> dict[int, dict[str, int]]:
    return getattr(settings, "HEEDFUL_COMMUNITY_TRUST_THRESHOLDS", DEFAULTS)


def earned_level(member) -> int:
    """The highest automatic level (1..3) whose every threshold the member has reached."""
    level = 0
    for candidate in (1, 2, 3):
        needs = thresholds()[candidate]
        if all(getattr(member, name) >= value for name, value in needs.items()):
            level = candidate
        else:
            break
    return level


def flag_weight(member, *, staff: bool) -> int:
    """A flag counts 1 + the flagger's trust level; a staff flag counts 5."""
    if staff:
        return STAFF_FLAG_WEIGHT
    return 1 + (member.trust_level if member else 0)


def hide_threshold() -> int:
    return int(getattr(settings, "HEEDFUL_COMMUNITY_HIDE_FLAG_SCORE", 3))


def nofollow(member, *, staff: bool) -> bool:
    """Off-site links of members below TL3 are `rel="nofollow ugc"`."""
    return not staff and (member is None or member.trust_level < 3)


def review_reason(member, *, staff: bool, links: int, attachments: int = 0) -> str:
    """Why a new post must wait for a moderator, or "" when it may show at once."""
    if staff or member is None or member.trust_level > 0:
        return ""
    max_links = int(getattr(settings, "HEEDFUL_COMMUNITY_TL0_MAX_LINKS", 2))
    if links > max_links:
        return f"a new member's post with more than {max_links} links"
    if attachments:
        return "a new member's post with an attachment"
    return ""


def check_new_member_limits(member, *, topics_today: int, replies_today: int, topic: bool) -> None:
    """A TL0 member on their first day may open 3 topics and write 10 replies; the next one is
    a 429 with the seconds until their first day ends."""
    if member is None or member.trust_level > 0:
        return
    day_ends = member.created_at + timedelta(days=1)
    if now() >= day_ends:
        return
    limit = int(getattr(settings, "HEEDFUL_COMMUNITY_TL0_TOPICS_FIRST_DAY", 3) if topic
                else getattr(settings, "HEEDFUL_COMMUNITY_TL0_REPLIES_FIRST_DAY", 10))
    count = topics_today if topic else replies_today
    if count >= limit:
        wait = max(1, int((day_ends - now()).total_seconds()))
        what = "topics" if topic else "replies"
        raise RateLimited(f"new members may write {limit} {what} on their first day", wait)
