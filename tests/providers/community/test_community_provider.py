"""The community provider on its own: the event format it parses, and its send through the port."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import (
    OutboundRequest,
    PayloadError,
    PermanentSendError,
    TemporarySendError,
)
from heedful.channels.providers.community import port, wire

PROVIDER = registry.get("community")


def test_the_forum_identity_kind_is_declared_by_the_provider():
    kind = registry.identity_kind("forum")
    assert kind.label == "Community account" and kind.one_account_per_person
    assert PROVIDER.identity_kind == "forum"


@given(st.binary(max_size=300))
@settings(max_examples=200, deadline=None)
def test_arbitrary_bytes_parse_or_raise_payload_error(raw):
    try:
        PROVIDER.parse(None, raw)
    except PayloadError:
        pass


@given(topic_id=st.integers(1, 2**40), post_id=st.integers(1, 2**40), text=st.text(max_size=200),
       title=st.text(max_size=80), name=st.text(max_size=30), kind=st.sampled_from(["topic", "post"]))
@settings(max_examples=100, deadline=None)
def test_a_built_event_parses_back_to_what_it_was_made_of(topic_id, post_id, text, title, name, kind):
    key, raw = wire.event(kind, topic={"id": topic_id, "title": title, "url": f"https://b.example/t/{topic_id}/"},
                          post={"id": post_id, "number": 1, "text": text, "created_at": "2026-01-02T03:04:05+00:00"},
                          author={"id": "42", "username": "ann", "name": name, "email": ""})
    message = PROVIDER.parse(None, raw).messages[0]
    assert key == (f"topic:{topic_id}" if kind == "topic" else f"post:{post_id}")
    assert message.provider_message_id == key
    assert message.thread_key == wire.thread_key(topic_id) and message.public
    assert message.sender.kind == "forum" and message.sender.handle == "42" and message.sender.display_name == name
    assert message.text.startswith(text) and message.text.endswith(f"https://b.example/t/{topic_id}/")
    assert message.reply_to_ids == ([] if kind == "topic" else [f"topic:{topic_id}"])
    assert wire.topic_id_of(message.thread_key) == topic_id


def _request(**payload):
    return OutboundRequest(outbound_id=1, idempotency_key="k-1", text="Answer",
                           payload={"thread_key": wire.thread_key(7), "mode": "public", **payload})


class FakeForum:
    def __init__(self):
        self.calls = []

    def publish_staff_reply(self, **kwargs):
        self.calls.append(kwargs)
        return 99


@pytest.fixture
def forum():
    before = port.connected()
    fake = FakeForum()
    port.connect(fake)
    yield fake
    port.connect(before)


def test_send_posts_through_the_port(forum):
    receipt = PROVIDER.send(None, _request())
    assert receipt.provider_message_id == "post:99"
    assert forum.calls == [{"topic_id": 7, "text": "Answer", "idempotency_key": "k-1", "outbound_id": 1}]


def test_send_refuses_private_replies_and_strange_threads(forum):
    with pytest.raises(PermanentSendError):
        PROVIDER.send(None, _request(mode="private"))
    with pytest.raises(PermanentSendError):
        PROVIDER.send(None, _request(thread_key="dm:1"))
    assert forum.calls == []


def test_send_without_a_connected_forum_is_retried_later():
    before = port.connected()
    port.connect(None)
    try:
        with pytest.raises(TemporarySendError):
            PROVIDER.send(None, _request())
    finally:
        port.connect(before)


class PrivateForum(FakeForum):
    def send_private_message(self, **kwargs):
        self.calls.append(kwargs)
        if kwargs["member"] == "404":
            raise LookupError("that forum member no longer exists")
        return 5


def test_a_topic_can_move_private_into_its_own_conversation():
    assert PROVIDER.can_go_private and PROVIDER.private_opens_conversation
    assert PROVIDER.private_thread_key(None, {"to": "42"}) == "community:private:42"
    assert PROVIDER.private_email(None, {"reply_to_metadata": {"email": "carla@example.org"}}) == "carla@example.org"
    assert PROVIDER.private_email(None, {"reply_to_metadata": {}}) == ""


def test_a_private_message_goes_to_the_member_through_the_port():
    before = port.connected()
    fake = PrivateForum()
    port.connect(fake)
    try:
        receipt = PROVIDER.send(None, _request(thread_key="community:private:42", mode="private"))
        assert receipt.provider_message_id == "pm:5"
        assert fake.calls == [{"member": "42", "text": "Answer", "idempotency_key": "k-1", "outbound_id": 1}]
        with pytest.raises(PermanentSendError):
            PROVIDER.send(None, _request(thread_key="community:private:404", mode="private"))
    finally:
        port.connect(before)


def test_a_members_private_message_parses_into_their_private_thread():
    key, raw = wire.private_event(message={"id": 3, "text": "My address is 1 High St",
                                           "created_at": "2026-01-01T10:00:00+00:00"},
                                  author={"id": "42", "username": "carla", "name": "Carla"})
    assert key == "private:3"
    (message,) = PROVIDER.parse(None, raw).messages
    assert message.provider_message_id == "pm:3" and not message.public
    assert message.thread_key == "community:private:42" and message.sender.handle == "42"
    with pytest.raises(PayloadError):
        PROVIDER.parse(None, b'{"kind": "private", "message": {"id": "x"}, "author": {"id": "42"}}')


def test_a_private_reply_on_a_topic_goes_to_the_askers_private_thread():
    before = port.connected()
    fake = PrivateForum()
    port.connect(fake)
    try:
        receipt = PROVIDER.send(None, _request(mode="private", to="42"))
        assert receipt.provider_message_id == "pm:5" and fake.calls[0]["member"] == "42"
    finally:
        port.connect(before)
