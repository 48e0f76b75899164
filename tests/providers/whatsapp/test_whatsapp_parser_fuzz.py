"""Property tests: the WhatsApp parser takes any body without crashing."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import PayloadError
from heedful.channels.models import Channel

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=5)), max_leaves=25)
TYPES = ["text", "image", "video", "audio", "document", "sticker", "location", "contacts", "interactive",
         "button", "reaction", "order", "system", "unsupported", "edit", "revoke", "request_welcome", "odd"]
wa_ids = st.one_of(st.text(alphabet="0123456789", min_size=6, max_size=15), scalars)


@st.composite
def messages(draw):
    kind = draw(st.sampled_from(TYPES))
    body = draw(st.one_of(json_values, st.dictionaries(
        st.sampled_from(["body", "id", "caption", "mime_type", "filename", "emoji", "message_id", "type",
                         "latitude", "longitude", "name", "text", "title", "product_items", "message",
                         "button_reply", "list_reply"]), json_values, max_size=6)))
    message = {"from": draw(wa_ids), "id": draw(st.one_of(st.just("wamid.X"), scalars)), "type": kind,
               "timestamp": draw(scalars), kind: body}
    if draw(st.booleans()):
        message["context"] = draw(json_values)
    return message


values = st.fixed_dictionaries({}, optional={
    "metadata": st.fixed_dictionaries({"phone_number_id": st.sampled_from(["106540352242001", "2", ""])}),
    "contacts": st.lists(st.fixed_dictionaries({"wa_id": wa_ids, "profile": json_values}), max_size=2),
    "messages": st.lists(messages(), max_size=3), "statuses": st.lists(json_values, max_size=3),
    "message_echoes": st.lists(messages(), max_size=2), "errors": json_values})
changes = st.lists(st.fixed_dictionaries({"field": st.sampled_from(["messages", "smb_message_echoes", "calls",
                                                                    "account_update", "x"]),
                                          "value": st.one_of(values, json_values)}), max_size=3)


def channel() -> Channel:
    return Channel(provider="whatsapp", name="Fuzz", credentials={"phone_number_id": "106540352242001"})


def check(parsed) -> None:
    for msg in parsed.messages:
        assert msg.provider_message_id and msg.thread_key.startswith("wa:")
        assert msg.sender.handle.startswith("+") and isinstance(msg.text, str)
        assert all(a.url.startswith("whatsapp-media:") for a in msg.attachments)
    for status in parsed.statuses:
        assert status.status in ("sent", "delivered", "read", "failed") and status.provider_message_id


@FUZZ
@given(entries=st.lists(st.fixed_dictionaries({"id": scalars, "changes": changes}), max_size=2))
def test_envelopes_of_any_shape_parse(entries):
    body = json.dumps({"object": "whatsapp_business_account", "entry": entries}).encode()
    check(registry.get("whatsapp").parse(channel(), body))


@FUZZ
@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode())))
def test_arbitrary_bodies_parse_or_raise_payload_error(body):
    try:
        parsed = registry.get("whatsapp").parse(channel(), body)
    except PayloadError:
        return
    check(parsed)


@FUZZ
@given(wa_id=st.text(alphabet="0123456789", min_size=8, max_size=15), text=st.text(min_size=1, max_size=300))
def test_a_text_is_kept_exactly_and_threads_by_number(wa_id, text):
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messages": [
            {"from": wa_id, "id": "wamid.1", "timestamp": "1700000000", "type": "text", "text": {"body": text}}]}}]}]})
    (msg,) = registry.get("whatsapp").parse(channel(), body.encode()).messages
    assert (msg.text, msg.thread_key, msg.sender.handle) == (text, f"wa:{wa_id}", f"+{wa_id}")
