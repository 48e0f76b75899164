"""`tweet_create_events`: mentions of and replies to the brand, and the brand's own tweets."""

from __future__ import annotations

from heedful.channels.base import EngagementUpdate, Handle, InboundMessage, ParsedEvent
from heedful.channels.providers.twitter.text import (
    as_dict,
    as_list,
    attachments_from,
    count,
    id_str,
    parse_created_at,
    parse_millis,
    readable_text,
    user_handle,
)


def status_url(tweet_id: str) -> str:
    return f"https://twitter.com/i/web/status/{tweet_id}"


def engagement(tweet: dict) -> dict[str, int]:
    return {"retweets": count(tweet.get("retweet_count")), "likes": count(tweet.get("favorite_count")),
            "replies": count(tweet.get("reply_count")), "quotes": count(tweet.get("quote_count"))}


def full_text(tweet: dict) -> str:
    """The whole text: `extended_tweet.full_text` when the classic `text` is truncated."""
    extended = as_dict(tweet.get("extended_tweet"))
    if extended.get("full_text"):
        return readable_text(str(extended["full_text"]), as_dict(extended.get("entities")))
    return readable_text(str(tweet.get("full_text") or tweet.get("text") or ""),
                         as_dict(tweet.get("entities")))


def media(tweet: dict) -> list:
    extended = as_dict(tweet.get("extended_tweet"))
    for holder in (extended, tweet):
        for key in ("extended_entities", "entities"):
            found = as_list(as_dict(holder.get(key)).get("media"))
            if found:
                return attachments_from(found)
    return []


def quoted(tweet: dict) -> dict:
    status = as_dict(tweet.get("quoted_status"))
    quoted_id = id_str(tweet, "quoted_status_id") or id_str(status)
    if not quoted_id:
        return {}
    user = as_dict(status.get("user"))
    return {"id": quoted_id, "url": status_url(quoted_id), "user_id": id_str(user),
            "screen_name": str(user.get("screen_name") or "")}


def _recipient(tweet: dict, brand_id: str) -> Handle | None:
    """Whom a brand tweet answers; None for a standalone tweet or a thread to itself."""
    user_id = id_str(tweet, "in_reply_to_user_id")
    if not user_id or user_id == brand_id:
        return None
    return Handle(kind="twitter", handle=user_id, username=str(tweet.get("in_reply_to_screen_name") or ""))


def to_message(tweet: dict, brand_id: str) -> InboundMessage | None:
    tweet_id, user = id_str(tweet), as_dict(tweet.get("user"))
    if not tweet_id or not id_str(user):
        return None
    sender = user_handle(user)
    own = bool(brand_id) and sender.handle == brand_id
    parent = id_str(tweet, "in_reply_to_status_id")
    metadata = {"tweet_url": f"https://twitter.com/{sender.username or 'i/web'}/status/{tweet_id}"}
    if tweet.get("lang"):
        metadata["lang"] = str(tweet["lang"])
    if quote := quoted(tweet):
        metadata["quoted_tweet"] = quote
    return InboundMessage(
        provider_message_id=tweet_id, sender=sender, text=full_text(tweet),
        sent_at=parse_created_at(tweet.get("created_at")) or parse_millis(tweet.get("timestamp_ms")),
        direction="out" if own else "in", public=True,
        reply_to_ids=[parent] if parent else [],
        recipient=_recipient(tweet, brand_id) if own else None,
        attachments=media(tweet), engagement=engagement(tweet), metadata=metadata,
    )


def parse_tweets(events: list, brand_id: str, parsed: ParsedEvent) -> None:
    for tweet in events:
        tweet = as_dict(tweet)
        retweeted = as_dict(tweet.get("retweeted_status"))
        if retweeted:
            # A retweet is reach for the original, not a message to answer.
            if id_str(retweeted):
                parsed.engagements.append(EngagementUpdate(id_str(retweeted), engagement(retweeted)))
            parsed.ignored.append("tweet_create_events: a retweet is not a message")
            continue
        message = to_message(tweet, brand_id)
        if message is None:
            parsed.ignored.append("tweet_create_events: a tweet without an id or author")
        else:
            parsed.messages.append(message)
