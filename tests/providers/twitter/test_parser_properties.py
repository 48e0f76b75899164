"""Property tests for the Account Activity parser: it never crashes on odd input and keeps
customer text exactly (after Twitter's HTML escaping is undone)."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels.base import PayloadError
from heedful.channels.providers.twitter.activity import load, parse_payload

BRAND = "4000"
ids = st.integers(min_value=1, max_value=2**63 - 1).map(str)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
event_keys = st.sampled_from(["tweet_create_events", "direct_message_events", "favorite_events",
                              "direct_message_mark_read_events", "follow_events", "users",
                              "for_user_id", "something_new"])


def twitter_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(event_keys, json_values, max_size=4))
def test_arbitrary_payloads_never_crash(data):
    parsed = parse_payload(data, BRAND)
    for message in parsed.messages:
        assert message.provider_message_id and message.sender.kind == "twitter"


@given(st.binary(max_size=200))
def test_unreadable_bodies_raise_payload_error_only(raw):
    try:
        parse_payload(load(raw), BRAND)
    except PayloadError:
        pass


@settings(max_examples=200)
@given(tweet_id=ids, user_id=ids.filter(lambda v: v != BRAND), parent=st.none() | ids,
       text=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=280)
       .filter(lambda t: t.strip() == t and "https://t.co/" not in t))
def test_customer_tweet_text_and_threading(tweet_id, user_id, parent, text):
    payload = {"for_user_id": BRAND, "tweet_create_events": [{
        "id_str": tweet_id, "text": twitter_escape(text), "in_reply_to_status_id_str": parent,
        "created_at": "Tue Oct 31 22:10:47 +0000 2017", "user": {"id_str": user_id, "screen_name": "c"},
        "entities": {"urls": [], "user_mentions": []}}]}
    [message] = parse_payload(load(json.dumps(payload).encode()), BRAND).messages
    assert message.text == text and message.html == ""
    assert message.direction == "in" and message.public is True
    assert message.reply_to_ids == ([parent] if parent else [])
    assert message.sender.handle == user_id


@given(tweet_id=ids, customer=ids.filter(lambda v: v != BRAND), parent=ids)
def test_brand_tweet_is_an_echo_to_the_customer(tweet_id, customer, parent):
    payload = {"for_user_id": BRAND, "tweet_create_events": [{
        "id_str": tweet_id, "text": "@c hi", "in_reply_to_status_id_str": parent,
        "in_reply_to_user_id_str": customer, "in_reply_to_screen_name": "c",
        "timestamp_ms": "1509487847000", "user": {"id_str": BRAND, "screen_name": "brand"}}]}
    [message] = parse_payload(payload, BRAND).messages
    assert message.direction == "out" and message.recipient.handle == customer
    assert message.sent_at.year == 2017


@given(event_id=ids, sender=ids, recipient=ids)
def test_direct_messages_thread_by_the_customer(event_id, sender, recipient):
    payload = {"for_user_id": BRAND, "direct_message_events": [{
        "type": "message_create", "id": event_id, "created_timestamp": "1509487847000",
        "message_create": {"sender_id": sender, "target": {"recipient_id": recipient},
                           "message_data": {"text": "a &amp; b"}}}], "users": {}}
    [message] = parse_payload(payload, BRAND).messages
    customer = recipient if sender == BRAND else sender
    assert message.thread_key == f"dm:{customer}" and message.public is False
    assert message.direction == ("out" if sender == BRAND else "in")
    assert message.text == "a & b"
