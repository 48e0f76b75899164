"""Property tests for the Account Activity parser.

Built payloads: every tweet and DM comes back as exactly one message carrying the ids, sender,
text (after Twitter's HTML escaping is undone), direction, visibility and threading it was built
from. Payloads of any shape: a ParsedEvent in which no event vanishes without a reason. Any body
at all: a ParsedEvent or PayloadError, nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import ParsedEvent, PayloadError
from heedful.channels.models import Channel
from heedful.channels.providers.twitter.activity import load, parse_payload

BRAND, OTHER_ACCOUNT = "4000", "4001"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

ids = st.integers(min_value=1, max_value=2**63 - 1).map(str)
customers = ids.filter(lambda v: v not in (BRAND, OTHER_ACCOUNT))
# The parser strips surrounding whitespace, so built texts carry none. Text that looks escaped
# already ("&amp;") must survive Twitter's escaping and the parser's unescaping unchanged.
texts = (st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
                  | st.sampled_from(["&", "<", ">", "&amp;", "&lt;b&gt;", "<b>", " "]), min_size=1, max_size=12)
         .map(lambda parts: "".join(parts).strip()).filter(bool))
moments = st.datetimes(min_value=datetime(2006, 3, 21), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


def twitter_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def screen_name(user_id: str) -> str:
    return f"u{user_id[-14:]}"


def millis(moment: datetime) -> str:
    return str((moment - EPOCH) // timedelta(milliseconds=1))


def to_millis(moment: datetime) -> datetime:
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


@dataclass(frozen=True)
class Tweet:
    id: str
    author: str
    text: str
    parent: str | None
    answers: str | None  # in_reply_to_user_id
    sent_at: datetime
    stamped: bool  # timestamp_ms (millisecond precision) instead of created_at

    def payload(self) -> dict:
        when = ({"timestamp_ms": millis(self.sent_at)} if self.stamped
                else {"created_at": self.sent_at.strftime("%a %b %d %H:%M:%S +0000 %Y")})
        return {"id_str": self.id, "text": twitter_escape(self.text), **when,
                "in_reply_to_status_id_str": self.parent, "in_reply_to_user_id_str": self.answers,
                "user": {"id_str": self.author, "screen_name": screen_name(self.author)},
                "entities": {"urls": [], "user_mentions": []}}

    def expected(self) -> tuple:
        own = self.author == BRAND
        recipient = self.answers if own and self.answers not in (None, BRAND) else None
        return (self.id, self.author, screen_name(self.author), self.text, "out" if own else "in", True,
                [self.parent] if self.parent else [], "", recipient,
                to_millis(self.sent_at) if self.stamped else self.sent_at.replace(microsecond=0))


@dataclass(frozen=True)
class DirectMessage:
    id: str
    customer: str
    from_brand: bool
    text: str
    sent_at: datetime

    @property
    def sender(self) -> str:
        return BRAND if self.from_brand else self.customer

    def payload(self) -> dict:
        recipient = self.customer if self.from_brand else BRAND
        return {"type": "message_create", "id": self.id, "created_timestamp": millis(self.sent_at),
                "message_create": {"sender_id": self.sender, "target": {"recipient_id": recipient},
                                   "message_data": {"text": twitter_escape(self.text), "entities": {}}}}

    def expected(self) -> tuple:
        return (self.id, self.sender, screen_name(self.sender), self.text, "out" if self.from_brand else "in",
                False, [], f"dm:{self.customer}", self.customer if self.from_brand else None,
                to_millis(self.sent_at))


tweets = st.builds(Tweet, id=ids, author=st.just(BRAND) | customers, text=texts, parent=st.none() | ids,
                   answers=st.none() | st.just(BRAND) | customers, sent_at=moments, stamped=st.booleans())
direct_messages = st.builds(DirectMessage, id=ids, customer=customers, from_brand=st.booleans(), text=texts,
                            sent_at=moments)


def observed(message) -> tuple:
    return (message.provider_message_id, message.sender.handle, message.sender.username, message.text,
            message.direction, message.public, message.reply_to_ids, message.thread_key,
            message.recipient.handle if message.recipient else None, message.sent_at)


@FUZZ
@given(tweet_list=st.lists(tweets, max_size=4, unique_by=lambda t: t.id),
       dm_list=st.lists(direct_messages, max_size=4, unique_by=lambda d: d.id))
def test_every_built_tweet_and_dm_comes_back_as_one_message(tweet_list, dm_list):
    users = {user: {"id": user, "screen_name": screen_name(user)}
             for user in {BRAND, *(d.customer for d in dm_list)}}
    payload = {"for_user_id": BRAND, "tweet_create_events": [t.payload() for t in tweet_list],
               "direct_message_events": [d.payload() for d in dm_list], "users": users}
    parsed = parse_payload(load(json.dumps(payload).encode()), BRAND)
    # in payload order: a reply may follow its parent in the same delivery
    assert [observed(m) for m in parsed.messages] == [item.expected() for item in [*tweet_list, *dm_list]]
    assert all(m.sender.kind == "twitter" and m.html == "" for m in parsed.messages)
    assert parsed.statuses == parsed.engagements == parsed.ignored == []


@given(tweet_list=st.lists(tweets, min_size=1, max_size=3), dm_list=st.lists(direct_messages, max_size=3))
def test_a_payload_for_another_account_gives_nothing_but_a_reason(tweet_list, dm_list):
    payload = {"for_user_id": OTHER_ACCOUNT, "tweet_create_events": [t.payload() for t in tweet_list],
               "direct_message_events": [d.payload() for d in dm_list]}
    parsed = parse_payload(payload, BRAND)
    assert parsed.messages == parsed.statuses == parsed.engagements == [] and len(parsed.ignored) == 1


# Payloads of any shape, with Twitter's fields where Twitter puts them, so the parser goes deep.
HANDLED = {"tweet_create_events", "direct_message_events", "direct_message_mark_read_events", "favorite_events",
           "tweet_delete_events"}
CONTEXT = {"for_user_id", "users", "apps", "user_has_blocked"}
# Infinities included: a JSON number past float range (1e400) reads as inf.
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
           | st.text(max_size=20))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=20)
any_id = ids | st.just(BRAND) | scalars


def shaped(required: dict, **optional):
    """Twitter's shape (the fields an event needs, any subset of the others), or any JSON at all."""
    return st.fixed_dictionaries(required, optional=optional) | json_values


entities = shaped({}, urls=st.lists(shaped({"url": scalars | st.just("https://t.co/x"), "expanded_url": scalars})),
                  media=st.lists(shaped({"url": scalars}, media_url_https=scalars, video_info=json_values)))
user = shaped({"id_str": any_id}, screen_name=scalars, name=scalars, followers_count=scalars, verified=scalars)
tweet = shaped({"id_str": any_id, "user": user}, text=scalars, full_text=scalars, entities=entities,
               extended_tweet=shaped({"full_text": scalars}, entities=entities, extended_entities=entities),
               in_reply_to_status_id_str=any_id, in_reply_to_user_id_str=any_id, in_reply_to_screen_name=scalars,
               retweeted_status=shaped({"id_str": any_id}, retweet_count=scalars),
               quoted_status=shaped({"id_str": any_id}, user=user), quoted_status_id_str=any_id,
               created_at=scalars, timestamp_ms=scalars, lang=scalars, favorite_count=scalars)
direct_message = shaped(
    {"type": st.just("message_create") | scalars, "id": any_id,
     "message_create": shaped({"sender_id": any_id, "target": shaped({"recipient_id": any_id})},
                              source_app_id=scalars,
                              message_data=shaped({"text": scalars}, entities=entities,
                                                  attachment=shaped({"type": st.just("media"),
                                                                     "media": json_values})))},
    created_timestamp=scalars)
mark_read = shaped({"last_read_event_id": any_id, "sender_id": any_id}, created_timestamp=scalars)
favorite = shaped({"favorited_status": tweet})
tweet_delete = shaped({"status": shaped({"id": any_id, "user_id": any_id})}, timestamp_ms=scalars)
payloads = st.builds(
    lambda context, handled, other: {**context, **handled, **other},
    st.fixed_dictionaries({}, optional={"for_user_id": st.just(BRAND),
                                        "users": st.dictionaries(any_id.map(str), user) | json_values}),
    st.fixed_dictionaries({}, optional={key: st.lists(item, max_size=4) | json_values for key, item in (
        ("tweet_create_events", tweet), ("direct_message_events", direct_message),
        ("direct_message_mark_read_events", mark_read), ("favorite_events", favorite),
        ("tweet_delete_events", tweet_delete))}),
    st.dictionaries(st.sampled_from(["follow_events", "block_events", "something_new"]), json_values,
                    max_size=2))


def events_in(data: dict) -> int:
    """One per item of a handled event array, one per other event key."""
    return sum((len(value) if isinstance(value, list) else 0) if key in HANDLED else 1
               for key, value in data.items() if key not in CONTEXT)


@FUZZ
@given(payloads)
def test_no_event_of_any_shape_vanishes_without_a_reason(data):
    parsed = parse_payload(data, BRAND)
    assert isinstance(parsed, ParsedEvent)
    traces = (len(parsed.messages) + len(parsed.statuses) + len(parsed.engagements) + len(parsed.deletions)
              + len(parsed.ignored))
    retweets = sum(1 for reason in parsed.ignored if "retweet" in reason)  # reach + a reason
    assert events_in(data) <= traces <= events_in(data) + retweets
    for message in parsed.messages:
        assert message.provider_message_id and message.sender.handle and message.sender.kind == "twitter"
        assert message.direction in ("in", "out") and isinstance(message.text, str)
        # tweets are public and threaded by reply ids, DMs private and threaded by the customer
        assert message.public is (message.thread_key == "")
        assert message.public or message.thread_key.startswith("dm:")


def parse_body(raw: bytes):
    channel = Channel(provider="twitter", name="Fuzz", credentials={"user_id": BRAND})
    return registry.get("twitter").parse(channel, raw)


@FUZZ
@given(st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v).encode())
       | payloads.map(lambda v: json.dumps(v).encode()))
def test_any_body_parses_or_raises_payload_error(raw):
    try:
        parsed = parse_body(raw)
    except PayloadError:
        return
    assert isinstance(parsed, ParsedEvent)


@pytest.mark.parametrize("raw", [
    b'{"favorite_events": [{"favorited_status": {"id": 1, "favorite_count": 1e400}}]}',
    b'{"tweet_create_events": [{"id": 1, "user": {"id": 2, "followers_count": 1e400}}]}',
])
def test_numbers_past_float_range_parse_or_raise_payload_error(raw):
    try:
        parse_body(raw)
    except PayloadError:
        pass


def _created_at_by_strptime(value: str):
    from heedful.channels.providers.twitter.text import _CREATED_AT
    try:
        return datetime.strptime(value.strip(), _CREATED_AT).astimezone(UTC)
    except ValueError:
        return None


@FUZZ
@given(moment=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30)),
       offset_minutes=st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59))
def test_created_at_reads_what_strptime_reads(moment, offset_minutes):
    """The hand-written reader of X's created_at agrees with strptime on every moment and offset."""
    from heedful.channels.providers.twitter.text import parse_created_at

    sign = "-" if offset_minutes < 0 else "+"
    text = moment.strftime("%a %b %d %H:%M:%S ") + f"{sign}{abs(offset_minutes) // 60:02d}{abs(offset_minutes) % 60:02d} " \
        + f"{moment.year:04d}"
    assert parse_created_at(text) == _created_at_by_strptime(text) is not None


@FUZZ
@given(st.text(alphabet="MonTueFbJaDc0123456789 :+-", max_size=40))
def test_created_at_refuses_what_strptime_refuses(text):
    from heedful.channels.providers.twitter.text import parse_created_at

    assert parse_created_at(text) == _created_at_by_strptime(text)
