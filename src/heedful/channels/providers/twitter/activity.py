"""Turn one Account Activity API payload into normalized items.

A payload carries `for_user_id` (the subscribed account: the brand) and one kind of event
array. Messages, engagement and tweet deletions are kept; every other event type is ignored
with a reason so operators can see why an event produced nothing.
"""

from __future__ import annotations

import json

from heedful.channels.base import EngagementUpdate, ParsedEvent, PayloadError
from heedful.channels.providers.twitter.deletions import parse_tweet_deletes
from heedful.channels.providers.twitter.direct_messages import (
    parse_direct_messages,
    parse_mark_read,
)
from heedful.channels.providers.twitter.text import as_dict, as_list, count, id_str
from heedful.channels.providers.twitter.tweets import engagement, parse_tweets

# Keys that describe the payload rather than carry events.
CONTEXT_KEYS = frozenset({"for_user_id", "users", "apps", "user_has_blocked"})

# Event types Heedful receives but does not act on, and why (listed in docs/channels.md).
IGNORED_EVENTS = {
    "follow_events": "follows and unfollows are not conversations",
    "block_events": "blocks are not conversations",
    "mute_events": "mutes are not conversations",
    "direct_message_indicate_typing_events": "typing indicators are not stored",
    "user_event": "account events (e.g. app access revoked) are not handled; reconnect the channel",
}


def load(raw: bytes) -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError("an Account Activity payload must be JSON") from exc
    if not isinstance(data, dict):
        raise PayloadError("an Account Activity payload must be a JSON object")
    return data


def _favorites(events: list, parsed: ParsedEvent) -> None:
    for event in events:
        status = as_dict(as_dict(event).get("favorited_status"))
        if not id_str(status):
            parsed.ignored.append("favorite_events: no favorited tweet")
            continue
        figures = engagement(status)
        # The embedded copy may predate this like; there is at least one now.
        figures["likes"] = max(1, count(status.get("favorite_count")))
        parsed.engagements.append(EngagementUpdate(id_str(status), figures))


def parse_payload(data: dict, brand_id: str) -> ParsedEvent:
    parsed = ParsedEvent()
    for_user = str(data.get("for_user_id") or "")
    if brand_id and for_user and for_user != brand_id:
        parsed.ignored.append("payload for another account (for_user_id is not the channel's user_id)")
        return parsed
    brand_id = brand_id or for_user
    for key, value in data.items():
        if key in CONTEXT_KEYS:
            continue
        if key == "tweet_create_events":
            parse_tweets(as_list(value), brand_id, parsed)
        elif key == "direct_message_events":
            parse_direct_messages(as_list(value), as_dict(data.get("users")), brand_id, parsed)
        elif key == "direct_message_mark_read_events":
            parse_mark_read(as_list(value), brand_id, parsed)
        elif key == "favorite_events":
            _favorites(as_list(value), parsed)
        elif key == "tweet_delete_events":
            parse_tweet_deletes(as_list(value), parsed)
        elif key in IGNORED_EVENTS:
            parsed.ignored.append(f"{key}: {IGNORED_EVENTS[key]}")
        else:
            parsed.ignored.append(f"{key[:60]}: not an event type Heedful handles")
    return parsed
