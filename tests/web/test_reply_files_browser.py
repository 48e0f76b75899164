"""An agent attaches a file in the reply box, in real Chromium: it is mailed and shown on the page."""

from __future__ import annotations

import email
from email import policy

import httpx
import pytest

from heedful.conversations.models import Conversation
from tests.web.test_browser import (  # noqa: F401 (fixtures)
    ann,
    email_channel,
    open_page,
    raw_mail,
    short_streams,
    shot,
)

pytestmark = pytest.mark.browser
PDF = b"%PDF-1.4\n% a receipt for the browser test\n%%EOF\n"
PATIENCE_MS = 30_000  # a shared, busy machine: the page waits longer than the default 10 s


def post_mail(live_server, channel, raw: bytes):
    response = httpx.post(f"{live_server.url}/hooks/email/{channel.pk}", content=raw, timeout=30,
                          headers={"Content-Type": "message/rfc822", "Authorization": "Bearer mail-token"})
    assert response.status_code == 200, response.text


def conversation_page(open_page, live_server, user):  # noqa: F811
    page = open_page(user)
    page.set_default_timeout(PATIENCE_MS)
    page.goto(f"{live_server.url}/conversations/{Conversation.objects.get().pk}/")
    page.wait_for_selector("#reply-text")
    return page


def test_agent_attaches_a_pdf_and_sees_it_on_the_conversation(
        open_page, live_server, ann, email_channel, tmp_path):  # noqa: F811
    channel, sink = email_channel
    post_mail(live_server, channel, raw_mail("Receipt please", "Hello,\ncan I have the receipt?\nErin"))
    page = conversation_page(open_page, live_server, ann)

    receipt = tmp_path / "receipt-4411.pdf"
    receipt.write_bytes(PDF)
    page.set_input_files("[data-heedful=attach]", str(receipt))
    page.fill("#reply-text", "Here is your receipt, Erin.")
    page.click("#reply-form button[type=submit]")

    sent = page.locator("#thread-items .msg-out", has_text="Here is your receipt")
    link = sent.locator("[data-heedful=attachment]", has_text="receipt-4411.pdf")
    link.wait_for()
    sent.locator(".status-text").filter(has_text="Sent").wait_for()
    # The file input is empty again: the next reply does not resend the file.
    assert page.eval_on_selector("[data-heedful=attach]", "el => el.files.length") == 0

    download = page.request.get(live_server.url + link.get_attribute("href"))
    assert download.status == 200 and download.body() == PDF

    # After a reload the file is still on the conversation, and the mail carried it.
    page.reload()
    page.locator("#thread-items [data-heedful=attachment]", has_text="receipt-4411.pdf").wait_for()
    shot(page, "conversation-reply-with-file")
    [raw] = [m for m in sink.messages if b"Here is your receipt" in m]
    [part] = list(email.message_from_bytes(raw, policy=policy.default).iter_attachments())
    assert (part.get_filename(), part.get_content()) == ("receipt-4411.pdf", PDF)


def test_a_refused_file_says_why_and_is_given_back(
        open_page, live_server, ann, email_channel, tmp_path, settings):  # noqa: F811
    channel, sink = email_channel
    settings.HEEDFUL_MAX_ATTACHMENT_BYTES = 10
    post_mail(live_server, channel, raw_mail("Photos", "Hello,\nplease look at this.\nErin"))
    page = conversation_page(open_page, live_server, ann)
    big = tmp_path / "scan.pdf"
    big.write_bytes(PDF)
    page.set_input_files("[data-heedful=attach]", str(big))
    page.click("#reply-form button[type=submit]")  # a file alone is a reply
    page.locator("#thread-items .msg-out", has_text="10 byte limit").wait_for()
    assert page.eval_on_selector("[data-heedful=attach]", "el => el.files.length") == 1
    assert not [m for m in sink.messages if b"scan.pdf" in m]
