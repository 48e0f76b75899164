"""Agent replies go out over real SMTP with threading headers; SMTP errors map to retries."""

from __future__ import annotations

import email
from email import policy

import pytest

from heedful.channels.models import Channel
from heedful.outbound.models import DeliveryAttempt, OutboundMessage

from .conftest import ADDRESS, fixture_bytes, free_port

FIRST_ID = "<CAF-ann-0001@mail.customer.test>"


@pytest.fixture
def smtp_channel(email_channel, smtp_server):
    def make(settings: dict | None = None, **credentials):
        return email_channel({"smtp_host": "127.0.0.1", "smtp_port": str(smtp_server.port),
                              **credentials}, settings)

    return make


def open_conversation(channel, deliver, api) -> dict:
    assert deliver(channel, fixture_bytes("simple_crlf.eml"))["status"] == "done"
    [conversation] = api.get("/api/v1/conversations").json()["results"]
    return conversation


def agent_reply(api, conversation_id: int, text: str = "Please switch it off and on again.", **extra):
    response = api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text, **extra},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    return api.get("/api/v1/messages", {"conversation": conversation_id}).json()["results"][0]


def test_reply_reaches_smtp_with_threading_and_the_answer_comes_back(
        smtp_channel, smtp_server, deliver, api):
    channel = smtp_channel()
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])

    assert len(smtp_server.received) == 1
    assert smtp_server.recipients == [["ann.kowalski@customer.test"]]
    mail = email.message_from_bytes(smtp_server.received[0], policy=policy.default)
    outbound = OutboundMessage.objects.get()
    message_id = f"<hf-{outbound.idempotency_key}@brand.test>"
    assert mail["Message-ID"] == message_id
    assert mail["In-Reply-To"] == FIRST_ID
    assert mail["References"] == FIRST_ID
    assert mail["From"] == ADDRESS
    assert mail["To"] == "Ann Kowalski <ann.kowalski@customer.test>"
    assert mail["Subject"] == f"Re: Printer keeps jamming [#HF-{conversation['id']}]"
    assert mail.get_body(("plain",)).get_content().strip() == "Please switch it off and on again."
    assert (sent["delivery_status"], sent["provider_message_id"]) == ("sent", message_id)

    # The customer answers that mail: it joins the same conversation through In-Reply-To.
    answer = fixture_bytes("reply_template.eml").replace(b"{in_reply_to}", message_id.encode())
    answer = answer.replace(b"{conversation_id}", str(conversation["id"]).encode())
    assert deliver(channel, answer)["status"] == "done"
    assert api.get("/api/v1/conversations").json()["count"] == 1
    assert api.get(f"/api/v1/conversations/{conversation['id']}").json()["messages_count"] == 3

    # The next agent reply keeps one "Re:", one token, and the whole chain in References.
    agent_reply(api, conversation["id"], "Glad it works!")
    second = email.message_from_bytes(smtp_server.received[1], policy=policy.default)
    assert second["Subject"] == f"Re: Printer keeps jamming [#HF-{conversation['id']}]"
    assert second["In-Reply-To"] == "<CAF-ann-0002@mail.customer.test>"
    assert second["References"].split() == [FIRST_ID, message_id, "<CAF-ann-0002@mail.customer.test>"]


def test_html_reply_is_sent_as_an_alternative(smtp_channel, smtp_server, deliver, api):
    conversation = open_conversation(smtp_channel(), deliver, api)
    agent_reply(api, conversation["id"], "Try this.", html="<p>Try <b>this</b>.<script>x()</script></p>")
    mail = email.message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    html = mail.get_body(("html",)).get_content()
    assert "<b>this</b>" in html and "<script" not in html


def test_subject_token_threads_a_reply_without_headers_only_for_the_same_customer(
        smtp_channel, deliver, api):
    channel = smtp_channel()
    conversation = open_conversation(channel, deliver, api)
    token = f"[#HF-{conversation['id']}]".encode()
    follow_up = (b"From: ann.kowalski@customer.test\r\nTo: support@brand.test\r\n"
                 b"Subject: Still broken " + token + b"\r\nMessage-ID: <ann-3@customer.test>\r\n\r\n"
                 b"Any news?\r\n")
    deliver(channel, follow_up)
    stranger = follow_up.replace(b"ann.kowalski@", b"mallory@").replace(b"ann-3@", b"mallory-1@")
    deliver(channel, stranger)
    conversations = api.get("/api/v1/conversations").json()["results"]
    counts = {c["id"]: c["messages_count"] for c in conversations}
    assert counts[conversation["id"]] == 2
    assert len(counts) == 2  # the stranger's mail opened its own conversation


def test_smtp_4xx_is_retried_later_and_stays_queued(smtp_channel, smtp_server, deliver, api):
    conversation = open_conversation(smtp_channel(), deliver, api)
    smtp_server.rcpt_reply = "451 4.7.1 Greylisted, please try again later"
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "queued"
    assert "451" in sent["delivery_error"]
    outbound = OutboundMessage.objects.get()
    assert outbound.status == "queued" and outbound.next_attempt_at is not None
    [attempt] = DeliveryAttempt.objects.filter(outbound=outbound)
    assert (attempt.outcome, attempt.provider_status) == ("retry", "451")
    assert smtp_server.received == []


def test_smtp_4xx_then_success_delivers_once(smtp_channel, smtp_server, deliver, api):
    conversation = open_conversation(smtp_channel({"smtp_retry_seconds": 0}), deliver, api)
    smtp_server.rcpt_reply, smtp_server.failures_left = "452 4.2.2 Mailbox busy", 1
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "sent"
    outcomes = list(DeliveryAttempt.objects.order_by("number").values_list("outcome", flat=True))
    assert outcomes == ["retry", "sent"]
    assert len(smtp_server.received) == 1


def test_smtp_5xx_fails_and_is_visible(smtp_channel, smtp_server, deliver, api):
    conversation = open_conversation(smtp_channel(), deliver, api)
    smtp_server.rcpt_reply = "550 5.1.1 No such user here"
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "failed"
    assert "550" in sent["delivery_error"] and "No such user" in sent["delivery_error"]
    assert OutboundMessage.objects.get().status == "failed"
    assert list(DeliveryAttempt.objects.values_list("outcome", flat=True)) == ["failed"]


def test_smtp_login_refused_marks_the_channel_for_reauthorisation(smtp_channel, deliver, api):
    channel = smtp_channel(smtp_user="mailer", smtp_password="wrong-password")
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "failed" and "535" in sent["delivery_error"]
    channel.refresh_from_db()
    assert channel.status == "needs_reauth"


def test_smtp_login_with_the_right_password_sends(smtp_channel, smtp_server, deliver, api):
    channel = smtp_channel(smtp_user="mailer", smtp_password="right-password")
    conversation = open_conversation(channel, deliver, api)
    assert agent_reply(api, conversation["id"])["delivery_status"] == "sent"
    assert len(smtp_server.received) == 1


def test_unreachable_smtp_server_is_a_temporary_failure(email_channel, deliver, api):
    channel = email_channel({"smtp_host": "127.0.0.1", "smtp_port": str(free_port())})
    conversation = open_conversation(channel, deliver, api)
    sent = agent_reply(api, conversation["id"])
    assert sent["delivery_status"] == "queued"
    assert "SMTP connection failed" in sent["delivery_error"]
    assert Channel.objects.get(pk=channel.pk).status == "active"
