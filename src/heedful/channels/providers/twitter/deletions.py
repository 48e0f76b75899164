"""`tweet_delete_events`: the author deleted a tweet. X's developer terms require that deleted
content is removed from stored copies, so each event becomes a `Deletion` the core applies to the
stored message (text, media, raw payload), keeping a stub in its place.

    {"for_user_id": "4000", "tweet_delete_events": [
        {"status": {"id": "1600000000000000001", "user_id": "1111"}, "timestamp_ms": "1772446620000"}]}
"""

from __future__ import annotations

from heedful.channels.base import Deletion, Handle, ParsedEvent
from heedful.channels.providers.twitter.text import as_dict, id_str, parse_millis

STUB = "Deleted by the author on X."


def parse_tweet_deletes(events: list, parsed: ParsedEvent) -> None:
    for event in events:
        status = as_dict(as_dict(event).get("status"))
        tweet_id, author = id_str(status), id_str(status, "user_id")
        if not tweet_id:
            parsed.ignored.append("tweet_delete_events: no tweet id")
            continue
        parsed.deletions.append(Deletion(
            provider_message_id=tweet_id, author=Handle("twitter", author) if author else None,
            stub=STUB, at=parse_millis(as_dict(event).get("timestamp_ms"))))
