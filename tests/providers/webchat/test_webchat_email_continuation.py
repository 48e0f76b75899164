"""Offline web chat continues by email: the visitor leaves an email while nobody is online, the
agent's reply is mailed to them (real SMTP server), their answer by mail (real IMAP server) lands
in the same conversation."""

from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from heedful.conversations.models import Conversation, Direction
from heedful.core.clock import now
from heedful.ingestion.polling import poll_all
from heedful.outbound.replies import reply
from heedful.realtime import broker
from tests.providers.email.conftest import dovecot, smtp_server  # noqa: F401  real servers
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def nobody_online():
    broker.set_broker(broker.MemoryBroker())  # no agent page subscribed: the chat is away
    yield
    broker.set_broker(None)


@pytest.fixture
def chat(make_channel, smtp_server, dovecot):  # noqa: F811
    user, password = dovecot.new_mailbox()
    channel = make_channel("webchat", {
        "reply_address": "chat@brand.test", "smtp_host": "127.0.0.1", "smtp_port": smtp_server.port,
        "smtp_user": "mailer", "smtp_password": "right-password", "imap_host": dovecot.host,
        "imap_port": dovecot.port, "imap_user": user, "imap_password": password,
    }, {"allowed_origins": ["*"], "smtp_starttls": False}, name="Shop chat")
    return channel, user, password


def answer_to(mail: bytes, text: str) -> bytes:
    sent = email.message_from_bytes(mail, policy=policy.default)
    answer = EmailMessage()
    answer["From"] = "Ann Kay <ann@example.com>"
    answer["To"] = "chat@brand.test"
    answer["Subject"] = "Re: " + str(sent["Subject"])
    answer["Date"] = format_datetime(now())
    answer["Message-ID"] = "<answer-1@example.com>"
    answer["In-Reply-To"] = sent["Message-ID"]
    answer["References"] = sent["Message-ID"]
    answer.set_content(f"{text}\n\nOn Tue, someone wrote:\n> {sent.get_body(('plain',)).get_content()[:40]}\n")
    return answer.as_bytes()


def test_offline_chat_continues_by_email_in_the_same_conversation(client, chat, smtp_server, dovecot, agent):  # noqa: F811
    channel, user, password = chat
    ann = Visitor(client, channel)
    assert ann.session["channel"]["availability"]["reason"] == "no_agents"
    ann.say("Can someone call me about order 981?", email="ann@example.com")
    conversation = Conversation.objects.get()

    sent = reply(agent, conversation, "Of course - what time suits you?")
    sent.refresh_from_db()
    assert sent.delivery_status == "sent"
    assert smtp_server.recipients == [["ann@example.com"]]
    mail = email.message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert mail["Message-ID"] == f"<{sent.provider_message_id}>"
    assert "what time suits you?" in mail.get_body(("plain",)).get_content()
    assert [m["text"] for m in ann.messages()][-1] == "Of course - what time suits you?"  # and in the widget

    dovecot.append(user, password, answer_to(smtp_server.received[0], "Tomorrow at 10 works."))
    assert poll_all() == 1
    assert poll_all() == 0  # read once
    assert Conversation.objects.count() == 1
    last = conversation.messages.order_by("-id").first()
    assert last.direction == Direction.IN and last.display_text == "Tomorrow at 10 works."
    assert last.author_identity.kind == "email" and last.author_identity.handle == "ann@example.com"


def test_a_visitor_who_was_answered_live_gets_no_mail(client, chat, smtp_server, agent):  # noqa: F811
    channel, _, _ = chat
    subscription = broker.get_broker().subscribe(["user:1"])  # an agent's page is open
    try:
        ann = Visitor(client, channel)
        ann.say("Quick question", email="ann@example.com")
    finally:
        subscription.close()
    reply(agent, Conversation.objects.get(), "Sure, go ahead")
    assert smtp_server.received == []


def test_an_offline_visitor_gets_the_agents_files_in_the_mail(client, chat, smtp_server, agent):  # noqa: F811
    from heedful.conversations.attachments import NewFile

    channel, _, _ = chat
    Visitor(client, channel).say("Please send the manual", email="ann@example.com")
    manual = b"%PDF-1.4\n% manual\n%%EOF\n"
    sent = reply(agent, Conversation.objects.get(), "Here is the manual.",
                 attachments=[NewFile("manual.pdf", "application/pdf", manual)])
    sent.refresh_from_db()
    assert sent.delivery_status == "sent"
    mail = email.message_from_bytes(smtp_server.received[0], policy=policy.default)
    [part] = list(mail.iter_attachments())
    assert (part.get_filename(), part.get_content_type(), part.get_content()) == ("manual.pdf", "application/pdf",
                                                                                  manual)
