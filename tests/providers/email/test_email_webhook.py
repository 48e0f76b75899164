"""The email webhook: bearer token, raw storage, replays, LF and CRLF mail, real HTTP."""

from __future__ import annotations

import urllib.error
import urllib.request

from heedful.conversations.models import Message
from heedful.ingestion.models import EventStatus, InboundEvent

from .conftest import TOKEN, fixture_bytes


def test_wrong_or_missing_token_is_refused_and_nothing_is_processed(channel, post_mail):
    raw = fixture_bytes("simple_crlf.eml")
    for token in ("not-the-token", "", None):
        response = post_mail(channel, raw, token=token)
        assert response.status_code == 401, token
    assert not InboundEvent.objects.exists()
    assert not Message.objects.exists()


def test_token_must_be_a_bearer_token(channel, client):
    response = client.post(f"/hooks/email/{channel.pk}", fixture_bytes("simple_crlf.eml"),
                           content_type="message/rfc822", HTTP_AUTHORIZATION=f"Token {TOKEN}")
    assert response.status_code == 401


def test_channel_without_inbound_token_refuses_everything(email_channel, post_mail):
    channel = email_channel({"inbound_token": ""})
    assert post_mail(channel, fixture_bytes("simple_crlf.eml"), token="").status_code == 401


def test_mail_is_stored_raw_and_becomes_a_conversation(channel, post_mail, api):
    raw = fixture_bytes("simple_crlf.eml")
    response = post_mail(channel, raw)
    assert response.status_code == 200 and response.json()["duplicate"] is False
    event = InboundEvent.objects.get(pk=response.json()["event_id"])
    assert bytes(event.raw) == raw
    assert event.event_key == "<CAF-ann-0001@mail.customer.test>"
    assert event.status == EventStatus.DONE

    conversations = api.get("/api/v1/conversations").json()["results"]
    assert [c["subject"] for c in conversations] == ["Printer keeps jamming"]
    [message] = api.get(f"/api/v1/conversations/{conversations[0]['id']}/messages").json()["results"]
    assert message["provider_message_id"] == "<CAF-ann-0001@mail.customer.test>"
    assert message["direction"] == "in" and message["author"] == "Ann Kowalski"
    assert "jams on every second page" in message["text"]
    assert message["sent_at"].startswith("2025-03-04T08:15:00")
    contact = api.get(f"/api/v1/contacts/{conversations[0]['contact']}").json()
    assert [(i["kind"], i["handle"]) for i in contact["identities"]] == [
        ("email", "ann.kowalski@customer.test")]


def test_same_mail_twice_makes_one_message(channel, post_mail, api):
    raw = fixture_bytes("simple_crlf.eml")
    first, second = post_mail(channel, raw), post_mail(channel, raw)
    assert first.status_code == second.status_code == 200
    assert second.json() == {**first.json(), "duplicate": True}
    assert Message.objects.count() == 1
    assert api.get("/api/v1/conversations").json()["count"] == 1


def test_mail_without_message_id_is_deduplicated_by_digest(channel, post_mail):
    raw = fixture_bytes("no_message_id.eml")
    assert post_mail(channel, raw).json()["duplicate"] is False
    assert post_mail(channel, raw).json()["duplicate"] is True
    message = Message.objects.get()
    assert message.provider_message_id.startswith("sha256:")


def test_lf_and_crlf_mail_read_the_same(channel, deliver, api):
    crlf, lf = fixture_bytes("simple_crlf.eml"), fixture_bytes("simple_lf.eml")
    assert b"\r\n" in crlf and b"\r\n" not in lf
    deliver(channel, crlf)
    deliver(channel, lf)
    messages = api.get("/api/v1/messages").json()["results"]
    assert len(messages) == 2
    assert messages[0]["text"] == messages[1]["text"]
    assert messages[0]["subject"] == messages[1]["subject"] == "Printer keeps jamming"
    # Same customer, no threading headers between the two: two separate conversations.
    assert len({m["conversation"] for m in messages}) == 2


def test_mail_from_the_channel_address_is_recorded_but_opens_nothing(channel, deliver, api):
    raw = fixture_bytes("simple_crlf.eml").replace(
        b"From: Ann Kowalski <Ann.Kowalski@Customer.test>", b"From: Acme <Support@Brand.test>")
    event = deliver(channel, raw)
    assert event["status"] == "ignored"
    assert event["result"]["ignored"] == ["mail from the channel's own address"]
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_email_channel_connected_through_the_api_accepts_mail(api, client):
    created = api.post("/api/v1/channels", {
        "provider": "email", "name": "Support inbox",
        "credentials": {"address": "help@brand.test", "inbound_token": "api-made-token",
                        "smtp_host": "127.0.0.1", "smtp_port": "2525"},
        "settings": {},
    }, content_type="application/json")
    assert created.status_code == 201, created.content
    channel = created.json()
    assert channel["webhook_path"] == f"/hooks/email/{channel['id']}"
    response = client.post(channel["webhook_path"], fixture_bytes("simple_lf.eml"),
                           content_type="message/rfc822", HTTP_AUTHORIZATION="Bearer api-made-token")
    assert response.status_code == 200


def test_webhook_over_real_http(live_server, channel, api):
    url = f"{live_server.url}/hooks/email/{channel.pk}"
    raw = fixture_bytes("simple_crlf.eml")

    def post(token: str) -> tuple[int, bytes]:
        request = urllib.request.Request(url, data=raw, method="POST", headers={
            "Content-Type": "message/rfc822", "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    assert post("wrong")[0] == 401
    assert not InboundEvent.objects.exists()
    status, _ = post(TOKEN)
    assert status == 200
    assert bytes(InboundEvent.objects.get().raw) == raw
    found = api.get("/api/v1/messages", {"provider_message_id": "<CAF-ann-0001@mail.customer.test>"})
    assert found.json()["count"] == 1
