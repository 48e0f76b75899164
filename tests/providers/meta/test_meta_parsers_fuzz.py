"""Property tests: the Facebook and Instagram parsers take any body without crashing."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import PayloadError
from heedful.channels.models import Channel

from .meta_hooks import IG_USER_ID, PAGE_ID

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=25)
# Values that look like Meta's, placed where Meta puts them, so the parsers go deep.
ids = st.one_of(st.text(alphabet="0123456789", min_size=1, max_size=17), st.integers(min_value=1), scalars)
attachment = st.fixed_dictionaries({"type": st.sampled_from(["image", "video", "audio", "file", "location",
                                                             "fallback", "template", "share", "odd", ""]),
                                    "payload": st.one_of(json_values, st.fixed_dictionaries(
                                        {"url": st.one_of(st.text(max_size=20), st.just("javascript:x()"),
                                                          st.just("https://cdn.example.com/a.png"))}))})
message = st.fixed_dictionaries({"mid": ids}, optional={
    "text": st.one_of(st.text(max_size=50), scalars), "is_echo": st.booleans(),
    "attachments": st.one_of(st.lists(attachment, max_size=3), json_values),
    "reply_to": json_values, "quick_reply": json_values, "is_deleted": st.booleans()})
event = st.fixed_dictionaries({"sender": st.fixed_dictionaries({"id": ids}),
                               "recipient": st.fixed_dictionaries({"id": ids}),
                               "timestamp": st.one_of(st.integers(), scalars)},
                              optional={"message": message, "postback": json_values, "delivery": json_values,
                                        "read": json_values, "referral": json_values})
change = st.fixed_dictionaries({"field": st.sampled_from(["feed", "comments", "mentions", "x"]),
                                "value": st.one_of(json_values, st.fixed_dictionaries(
                                    {"item": st.sampled_from(["comment", "status", "reaction"]),
                                     "verb": st.sampled_from(["add", "edited", "remove"]),
                                     "from": st.fixed_dictionaries({"id": ids}), "comment_id": ids,
                                     "id": ids, "post_id": ids, "parent_id": ids, "message": scalars,
                                     "text": scalars, "created_time": scalars}))})
entry = st.fixed_dictionaries({"id": st.sampled_from([PAGE_ID, IG_USER_ID, "1"])}, optional={
    "messaging": st.lists(event, max_size=3), "changes": st.lists(change, max_size=3),
    "standby": json_values, "time": scalars})


def channel(provider: str) -> Channel:
    return Channel(provider=provider, name="Fuzz", credentials={"page_id": PAGE_ID, "ig_user_id": IG_USER_ID})


def check(parsed) -> None:
    for msg in parsed.messages:
        assert msg.provider_message_id and msg.sender.handle
        assert isinstance(msg.text, str)
        for item in msg.attachments:
            assert urlsplit(item.url).scheme in ("http", "https")
    for status in parsed.statuses:
        assert status.provider_message_id or status.watermark is not None


@pytest.mark.parametrize("provider, obj", [("facebook", "page"), ("instagram", "instagram")])
@FUZZ
@given(entries=st.lists(entry, max_size=3))
def test_envelopes_of_any_shape_parse(provider, obj, entries):
    body = json.dumps({"object": obj, "entry": entries}).encode()
    check(registry.get(provider).parse(channel(provider), body))


@pytest.mark.parametrize("provider", ["facebook", "instagram"])
@FUZZ
@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_arbitrary_bodies_parse_or_raise_payload_error(provider, body):
    try:
        parsed = registry.get(provider).parse(channel(provider), body)
    except PayloadError:
        return
    check(parsed)


@FUZZ
@given(psid=st.text(alphabet="0123456789", min_size=1, max_size=17), text=st.text(min_size=1, max_size=300))
def test_a_messenger_text_is_kept_exactly(psid, text):
    body = json.dumps({"object": "page", "entry": [{"id": PAGE_ID, "messaging": [
        {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": 1700000000000,
         "message": {"mid": "m_1", "text": text}}]}]}).encode()
    (msg,) = registry.get("facebook").parse(channel("facebook"), body).messages
    assert (msg.text, msg.thread_key, msg.sender.kind, msg.direction) == (text, f"psid:{psid}", "facebook", "in")
