"""The "Customer Support on Twitter" (TWCS) CSV as Account Activity webhook payloads.

Columns: tweet_id, author_id, inbound, created_at, text, response_tweet_id,
in_response_to_tweet_id. Files come in two forms: the original (LF) and one re-written by
pandas (CRLF line endings, also inside quoted text, and ids as floats such as "3.0").
Customer tweets become tweets by user `author_id`; brand tweets become tweets by the
channel's own account, so they arrive as echoes of what the brand wrote.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from heedful.channels.providers.twitter.text import format_created_at, parse_created_at

COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id",
           "in_response_to_tweet_id")
CLASSIC_LIMIT = 140  # longer texts arrive truncated, with extended_tweet.full_text


@dataclass(frozen=True)
class TwcsTweet:
    tweet_id: str
    author_id: str
    inbound: bool
    created_at: datetime
    text: str
    response_ids: tuple[str, ...]
    in_response_to: str


@dataclass(frozen=True)
class Account:
    """The brand account the replay stands in for (the channel's own user)."""

    user_id: str
    screen_name: str = ""


def clean_id(value: str | None) -> str:
    """"3.0" -> "3", "" and "nan" -> "", "12" -> "12"."""
    value = (value or "").strip()
    if not value or value.lower() == "nan" or value.isdigit():
        return "" if value.lower() == "nan" else value
    try:
        number = Decimal(value)
    except InvalidOperation:
        return value
    return str(int(number)) if number == number.to_integral_value() else value


def _row(row: dict, line: int) -> TwcsTweet:
    created = parse_created_at(row.get("created_at"))
    tweet_id = clean_id(row.get("tweet_id"))
    if created is None or not tweet_id:
        raise ValueError(f"row {line}: needs a tweet_id and a created_at like 'Tue Oct 31 22:10:47 +0000 2017'")
    responses = tuple(i for i in (clean_id(p) for p in (row.get("response_tweet_id") or "").split(",")) if i)
    return TwcsTweet(
        tweet_id=tweet_id, author_id=(row.get("author_id") or "").strip(),
        inbound=(row.get("inbound") or "").strip().lower() in {"true", "1"}, created_at=created,
        text=(row.get("text") or "").replace("\r\n", "\n"), response_ids=responses,
        in_response_to=clean_id(row.get("in_response_to_tweet_id")),
    )


@dataclass(frozen=True)
class Skipped:
    line: int  # where the record starts in the file (1 = the header)
    reason: str


def _lines(handle):
    """The file's lines with bare carriage returns (a CR not ending a CRLF line) made spaces:
    real exports carry them unquoted inside a text, where the csv module would end the record."""
    for line in handle:
        end = "\r\n" if line.endswith("\r\n") else "\n" if line.endswith("\n") else ""
        yield line[:len(line) - len(end)].replace("\r", " ") + end


def read(path: str | Path, *, skipped: list[Skipped] | None = None) -> list[TwcsTweet]:
    """The tweets of a TWCS file. A malformed record raises ValueError naming its line, unless a
    `skipped` list is given: then the record is left out, noted there, and reading goes on."""
    # newline="\n": rows end at LF (CRLF inside quoted text is kept for the csv module).
    with open(path, newline="\n", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(_lines(handle))
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"not a TWCS file: missing columns {', '.join(missing)}")
        tweets, start = [], reader.line_num + 1
        for row in reader:
            try:
                if None in row or any(row.get(c) is None for c in COLUMNS):
                    raise ValueError(f"row {start}: expected {len(reader.fieldnames)} fields")
                tweets.append(_row(row, start))
            except ValueError as exc:
                if skipped is None:
                    raise
                skipped.append(Skipped(start, str(exc).removeprefix(f"row {start}: ")))
            start = reader.line_num + 1
        return tweets


def chain_roots(tweets: list[TwcsTweet]) -> dict[str, str]:
    """tweet id -> id of the top of its reply chain inside the file."""
    by_id = {t.tweet_id: t for t in tweets}
    roots: dict[str, str] = {}
    for tweet in tweets:
        path, current = [], tweet
        while current.tweet_id not in roots:
            path.append(current.tweet_id)
            parent = by_id.get(current.in_response_to)
            if parent is None or parent.tweet_id in path:  # top reached (or a broken loop)
                roots[current.tweet_id] = current.tweet_id
                break
            current = parent
        for tweet_id in path:
            roots[tweet_id] = roots[current.tweet_id]
    return roots


def chains(tweets: list[TwcsTweet]) -> list[list[TwcsTweet]]:
    """Reply chains, each in time order with parents first; chains ordered by their start."""
    roots = chain_roots(tweets)
    by_id = {t.tweet_id: t for t in tweets}
    depths: dict[str, int] = {}

    def depth(tweet: TwcsTweet) -> int:
        # Walk up to a known depth (iteratively: real chains can be long), then fill in.
        path = []
        while tweet.tweet_id not in depths and roots[tweet.tweet_id] != tweet.tweet_id:
            path.append(tweet.tweet_id)
            tweet = by_id[tweet.in_response_to]
        known = depths.setdefault(tweet.tweet_id, 0)  # a chain top is depth 0
        for offset, tweet_id in enumerate(reversed(path), start=1):
            depths[tweet_id] = known + offset
        return depths[path[0]] if path else known

    grouped: dict[str, list[TwcsTweet]] = {}
    for tweet in sorted(tweets, key=lambda t: (t.created_at, depth(t), t.tweet_id)):
        grouped.setdefault(roots[tweet.tweet_id], []).append(tweet)
    return sorted(grouped.values(), key=lambda chain: chain[0].created_at)


def for_brand(tweets: list[TwcsTweet], brand: str) -> list[TwcsTweet]:
    """Only the chains `brand` took part in (or was mentioned in), without other brands' tweets."""
    brand_lower = brand.lower().lstrip("@")
    mention = re.compile(rf"@{re.escape(brand_lower)}\b", re.IGNORECASE)
    roots = chain_roots(tweets)
    wanted = {roots[t.tweet_id] for t in tweets
              if (not t.inbound and t.author_id.lower() == brand_lower)
              or (t.inbound and mention.search(t.text))}
    return [t for t in tweets if roots[t.tweet_id] in wanted
            and (t.inbound or t.author_id.lower() == brand_lower)]


def _user(tweet: TwcsTweet, account: Account) -> dict:
    if tweet.inbound:
        return {"id_str": tweet.author_id, "screen_name": f"customer{tweet.author_id}",
                "name": f"Customer {tweet.author_id}", "verified": False}
    return {"id_str": account.user_id, "screen_name": account.screen_name or tweet.author_id,
            "name": account.screen_name or tweet.author_id, "verified": False}


def _text_fields(text: str) -> dict:
    entities = {"hashtags": [], "urls": [], "user_mentions": [], "symbols": []}
    if len(text) <= CLASSIC_LIMIT:
        return {"text": text, "truncated": False, "entities": entities}
    return {"text": text[:CLASSIC_LIMIT - 1] + "\u2026", "truncated": True, "entities": entities,
            "extended_tweet": {"full_text": text, "display_text_range": [0, len(text)],
                               "entities": entities}}


def payload(tweet: TwcsTweet, by_id: dict[str, TwcsTweet], account: Account) -> dict:
    """One signed-ready `tweet_create_events` payload for this tweet."""
    parent = by_id.get(tweet.in_response_to)
    parent_user = _user(parent, account) if parent else {}
    event = {
        "created_at": format_created_at(tweet.created_at),
        "id_str": tweet.tweet_id,
        **_text_fields(tweet.text),
        "in_reply_to_status_id_str": tweet.in_response_to or None,
        "in_reply_to_user_id_str": parent_user.get("id_str"),
        "in_reply_to_screen_name": parent_user.get("screen_name"),
        "user": _user(tweet, account),
        "is_quote_status": False, "quote_count": 0, "reply_count": 0, "retweet_count": 0,
        "favorite_count": 0,
        "timestamp_ms": str(int(tweet.created_at.timestamp() * 1000)),
    }
    return {"for_user_id": account.user_id, "tweet_create_events": [event]}
