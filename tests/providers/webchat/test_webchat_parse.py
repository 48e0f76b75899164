"""The web chat provider: parse of stored visitor bodies, the send receipt, the refused webhook."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from heedful.channels import registry
from heedful.channels.base import (
    OutboundRequest,
    ParsedEvent,
    PayloadError,
    WebhookAuthError,
    WebhookRequest,
)

provider = registry.get("webchat")


def body(**fields) -> bytes:
    return json.dumps({"id": "7.abc:client-1", "visitor": "7.abc", "text": "Hello", "name": "Ann",
                       "sent_at": "2026-03-02T09:00:00+00:00", "client_id": "client-1", **fields}).encode()


def test_a_stored_visitor_message_parses():
    parsed = provider.parse(None, body(verified_email="ann@example.com", email="typed@example.com"))
    (msg,) = parsed.messages
    assert msg.provider_message_id == "7.abc:client-1" and msg.sender.kind == "webchat"
    assert msg.sender.handle == "7.abc" and msg.sender.display_name == "Ann"
    assert msg.thread_key == "webchat:7.abc" and msg.sent_at.isoformat() == "2026-03-02T09:00:00+00:00"
    assert msg.metadata == {"verified_email": "ann@example.com", "email": "typed@example.com",
                            "client_id": "client-1"}


def test_an_empty_message_is_ignored_and_a_broken_one_is_a_payload_error():
    assert provider.parse(None, body(text="  ")).ignored == ["empty web chat message"]
    for raw in (b"not json", b"[]", json.dumps({"text": "no visitor"}).encode(), body(sent_at="yesterday")):
        with pytest.raises(PayloadError):
            provider.parse(None, raw)


@given(st.binary(max_size=300))
def test_arbitrary_bytes_parse_or_raise_payload_error(raw):
    try:
        assert isinstance(provider.parse(None, raw), ParsedEvent)
    except PayloadError:
        pass


@given(st.text(min_size=1, max_size=200).filter(str.strip), st.text(alphabet="abcdefghij0123456789", min_size=1))
def test_generated_bodies_give_back_what_they_were_built_from(text, handle):
    (msg,) = provider.parse(None, body(text=text, visitor=handle, id=f"{handle}:x")).messages
    assert (msg.text, msg.sender.handle, msg.provider_message_id) == (text, handle, f"{handle}:x")


def test_the_public_webhook_is_refused():
    request = WebhookRequest(method="POST", query={}, headers={}, body=body())
    with pytest.raises(WebhookAuthError):
        provider.verify(None, request)


def test_send_gives_a_receipt_naming_the_delivery():
    receipt = provider.send(None, OutboundRequest(outbound_id=1, idempotency_key="k1", text="Hi"))
    assert receipt.provider_message_id == "webchat:k1" and receipt.status == "sent"


def test_the_identity_kind_is_declared_by_the_provider():
    kind = registry.identity_kind("webchat")
    assert kind.label == "Web chat visitor" and not kind.trusted_email and not kind.one_account_per_person
    assert "<path" in kind.glyph and "identity_secret" in provider.credentials.model_fields
