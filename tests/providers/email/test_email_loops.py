"""Mail no person wrote is recorded but never opens a conversation or gets an answer."""

from __future__ import annotations

import email
from email import policy

import pytest

from heedful.outbound.models import OutboundMessage

from .conftest import fixture_bytes
from .test_email_smtp import agent_reply, open_conversation


def test_auto_reply_to_nothing_is_recorded_and_ignored(channel, deliver, api):
    event = deliver(channel, fixture_bytes("auto_reply.eml"))
    assert event["status"] == "ignored"
    assert event["result"]["ignored"] == ["automated message outside any conversation"]
    assert api.get("/api/v1/conversations").json()["count"] == 0
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize("header", [
    b"Precedence: bulk", b"Precedence: junk", b"Precedence: list", b"X-Autorespond: vacation",
    b"Auto-Submitted: auto-generated",
])
def test_other_automation_markers_are_recognised(channel, deliver, api, header):
    raw = fixture_bytes("simple_crlf.eml").replace(b"MIME-Version: 1.0", header + b"\r\nMIME-Version: 1.0")
    assert deliver(channel, raw)["status"] == "ignored"
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_auto_submitted_no_is_a_person(channel, deliver, api):
    raw = fixture_bytes("simple_crlf.eml").replace(b"MIME-Version: 1.0",
                                                   b"Auto-Submitted: no\r\nMIME-Version: 1.0")
    assert deliver(channel, raw)["status"] == "done"
    assert api.get("/api/v1/conversations").json()["count"] == 1


def test_auto_reply_to_our_mail_joins_quietly_and_does_not_reopen(smtp_channel, smtp_server,
                                                                  deliver, api):
    channel = smtp_channel()
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])
    api.post(f"/api/v1/conversations/{conversation['id']}/resolve")
    ooo = fixture_bytes("auto_reply.eml").replace(
        b"Message-ID: <ooo-0001@customer.test>",
        b"Message-ID: <ooo-0001@customer.test>\r\nIn-Reply-To: " + sent["provider_message_id"].encode())
    assert deliver(channel, ooo)["status"] == "done"
    after = api.get(f"/api/v1/conversations/{conversation['id']}").json()
    assert after["status"] == "resolved"
    automated = api.get("/api/v1/messages", {"provider_message_id": "<ooo-0001@customer.test>"})
    assert automated.json()["results"][0]["automated"] is True
    # The next agent reply still goes to the customer, answering the customer's mail.
    agent_reply(api, conversation["id"], "Following up.")
    mail = email.message_from_bytes(smtp_server.received[-1], policy=policy.default)
    assert smtp_server.recipients[-1] == ["ann.kowalski@customer.test"]
    assert mail["In-Reply-To"] == "<CAF-ann-0001@mail.customer.test>"


def test_bounce_marks_our_reply_failed_and_is_never_answered(smtp_channel, deliver, api):
    channel = smtp_channel()
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "sent"
    bounce = fixture_bytes("bounce_template.eml").replace(
        b"ORIGINAL-MESSAGE-ID", sent["provider_message_id"].encode())
    event = deliver(channel, bounce)
    assert event["status"] == "done" and event["result"]["statuses"] == 1
    message = api.get("/api/v1/messages", {"provider_message_id": sent["provider_message_id"]})
    message = message.json()["results"][0]
    assert message["delivery_status"] == "failed"
    assert "5.1.1" in message["delivery_error"]
    # Nothing new: no conversation for MAILER-DAEMON, no message from it, one outbound only.
    assert api.get("/api/v1/conversations").json()["count"] == 1
    assert api.get(f"/api/v1/conversations/{conversation['id']}").json()["messages_count"] == 2
    assert OutboundMessage.objects.count() == 1


def test_read_receipt_marks_our_reply_read_and_opens_nothing(smtp_channel, deliver, api):
    channel = smtp_channel()
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])
    receipt = (
        "From: Ann <ann.kowalski@customer.test>\r\nTo: support@brand.test\r\n"
        "Subject: Read: Re: Printer keeps jamming\r\nMessage-ID: <mdn-1@customer.test>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=disposition-notification; boundary="m"\r\n\r\n'
        "--m\r\nContent-Type: text/plain\r\n\r\nYour message was displayed.\r\n"
        "--m\r\nContent-Type: message/disposition-notification\r\n\r\n"
        "Final-Recipient: rfc822;ann.kowalski@customer.test\r\n"
        f"Original-Message-ID: {sent['provider_message_id']}\r\n"
        "Disposition: manual-action/MDN-sent-manually; displayed\r\n\r\n--m--\r\n")
    assert deliver(channel, receipt.encode())["status"] == "done"
    message = api.get("/api/v1/messages", {"provider_message_id": sent["provider_message_id"]})
    assert message.json()["results"][0]["delivery_status"] == "read"
    assert api.get(f"/api/v1/conversations/{conversation['id']}").json()["messages_count"] == 2


def test_bounce_about_unknown_mail_is_ignored(channel, deliver, api):
    event = deliver(channel, fixture_bytes("bounce_template.eml"))
    assert event["status"] == "ignored"
    assert event["result"]["ignored"][0].startswith("bounce:")
    assert api.get("/api/v1/conversations").json()["count"] == 0


def test_plain_text_bounce_from_mailer_daemon_opens_nothing(channel, deliver, api):
    raw = (b"From: MAILER-DAEMON@mx.other.test\r\nTo: support@brand.test\r\n"
           b"Subject: failure notice\r\nMessage-ID: <qmail-bounce-1@mx.other.test>\r\n"
           b"In-Reply-To: <CAF-ann-0001@mail.customer.test>\r\n\r\n"
           b"Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message.\r\n")
    deliver(channel, fixture_bytes("simple_crlf.eml"))
    event = deliver(channel, raw)
    assert event["status"] == "ignored"
    # Even though it names a mail of the conversation, the bounce does not join it.
    assert api.get("/api/v1/messages").json()["count"] == 1


@pytest.fixture
def smtp_channel(email_channel, smtp_server):
    def make():
        return email_channel({"smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port)})

    return make
