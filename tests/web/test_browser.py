"""The agent workspace in a real headless Chromium against a live server.

Conversations arrive through the real webhook endpoints (a signed Twitter Account Activity
payload, a raw RFC 822 mail, an API-channel message); replies leave through the providers to
loopback fakes (Twitter v2 API fake, an SMTP sink, the brand's endpoint).
"""

from __future__ import annotations

import json
import os
import socket
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import httpx
import pytest

from heedful.channels import registry
from heedful.conversations.models import Conversation, Message
from heedful.core.clock import now
from tests.browser import DESK_VIEWPORT, SCREENSHOTS, signed_in
from tests.web.conftest import PASSWORD, make_user

# Playwright's sync API runs its own event loop in this thread; the ORM calls below are safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = pytest.mark.browser
# Records whether an optimistic "Sending…" bubble ever appeared, without blocking the page.
WATCH_SENDING = """
window.__sawSending = false;
new MutationObserver(() => {
  if (document.querySelector('.msg.is-optimistic')) { window.__sawSending = true; }
}).observe(document, {subtree: true, childList: true});
"""


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 1  # closed tabs free their server thread quickly


@pytest.fixture
def open_page(browser, live_server, fresh_broker):
    contexts = []

    def open_as(user, *, dialogs: list | None = None):
        context = browser.new_context(viewport=DESK_VIEWPORT)
        contexts.append(context)
        page = signed_in(context, live_server.url, user.username, PASSWORD)
        page.on("dialog", lambda d: (dialogs.append(d.message) if dialogs is not None else None, d.dismiss()))
        return page

    yield open_as
    for context in contexts:
        context.close()
    # Let the server notice the closed streams (next heartbeat) while the database is still ours.
    deadline = time.monotonic() + 5
    while fresh_broker.subscriber_count() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def ann(django_user_model, teams):
    return make_user(django_user_model, "ann", teams=[teams[0]], first_name="Ann")


@pytest.fixture
def abe(django_user_model, teams):
    return make_user(django_user_model, "abe", teams=[teams[0]], first_name="Abe")


def provider_ready(key: str) -> bool:
    """Providers are built in parallel; a test for one that is not registered yet is skipped."""
    return key in set(registry.keys())


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def open_from_inbox(page, customer: str):
    """Find the customer's row with j/k and open it with Enter, as an agent would."""
    rows = page.locator("#inbox-rows .row")
    target = next(i for i in range(rows.count()) if customer in rows.nth(i).inner_text())
    for _ in range(target + 1):
        page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/conversations/*/**")
    page.wait_for_selector("#reply-text")


def reply_resolve_reopen(page, text: str) -> None:
    """Reply and watch the delivery status, then resolve (keyboard) and reopen."""
    page.evaluate(WATCH_SENDING)
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("r")
    page.keyboard.type(text)
    page.click("#reply-form button[type=submit]")
    sent = page.locator("#thread-items .msg-out", has_text=text).locator(".status-text")
    sent.filter(has_text="Sent").wait_for()
    assert page.evaluate("window.__sawSending"), "the reply appeared at once, before the server answered"
    page.evaluate("document.activeElement && document.activeElement.blur()")  # shortcuts, not typing
    page.keyboard.press("e")
    page.locator("#conv-status", has_text="Resolved").wait_for()
    page.click("button[data-shortcut=reopen]")
    page.locator("#conv-status", has_text="Open").wait_for()


# -- a tweet -----------------------------------------------------------------------------------

def test_tweet_reply_resolve_reopen(open_page, live_server, ann, make_channel, teams):
    if not provider_ready("twitter"):
        pytest.skip("the twitter provider is not registered in this build")
    from heedful.channels.providers.twitter.fake import FakeTwitterAPI
    from heedful.channels.providers.twitter.signing import SIGNATURE_HEADER, webhook_signature

    brand = {"user_id": "4000", "screen_name": "heedfulhelp", "consumer_key": "ck", "consumer_secret": "cs",
             "access_token": "at", "access_token_secret": "ats"}
    with FakeTwitterAPI() as api:
        channel = make_channel("twitter", brand, {"api_base_url": api.base_url}, name="@heedfulhelp",
                               team=teams[0])
        tweet = {"for_user_id": "4000", "tweet_create_events": [{
            "created_at": now().strftime("%a %b %d %H:%M:%S +0000 %Y"), "id": 1790000000000000001,
            "id_str": "1790000000000000001", "text": "@heedfulhelp my router died again, third time this month",
            "in_reply_to_user_id_str": "4000", "in_reply_to_screen_name": "heedfulhelp",
            "user": {"id": 777, "id_str": "777", "name": "Tess Tweeter", "screen_name": "tess_t",
                     "followers_count": 18300, "verified": True},
            "entities": {"user_mentions": [{"screen_name": "heedfulhelp", "id_str": "4000", "indices": [0, 12]}]},
        }]}
        body = json.dumps(tweet).encode()
        response = httpx.post(f"{live_server.url}/hooks/twitter/{channel.pk}", content=body,
                              headers={"Content-Type": "application/json",
                                       SIGNATURE_HEADER: webhook_signature("cs", body)})
        assert response.status_code == 200
        page = open_page(ann)
        page.locator("#inbox-rows .row", has_text="Tess Tweeter").wait_for()
        assert "Public" in page.locator("#inbox-rows .row", has_text="Tess Tweeter").inner_text()
        open_from_inbox(page, "Tess Tweeter")
        assert "This reply is public on Twitter/X" in page.inner_text("#composer")
        page.fill("#reply-text", "x" * 281)
        assert page.is_disabled("#reply-form button[type=submit]")
        assert page.inner_text("#reply-count").startswith("281 / 280")
        page.fill("#reply-text", "")
        reply_resolve_reopen(page, "Sorry Tess! Could you DM us your account number?")
        shot(page, "conversation-tweet")
        sent = api.requests_to("POST", "/2/tweets")
        assert sent and sent[0].json()["reply"]["in_reply_to_tweet_id"] == "1790000000000000001"


# -- an email ----------------------------------------------------------------------------------

def raw_mail(subject: str, text: str, html: str = "") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Erin Mailer <erin@example.com>"
    mail["To"] = "help@brand.example"
    mail["Subject"] = subject
    mail["Date"] = format_datetime(now())
    mail["Message-ID"] = make_msgid(domain="example.com")
    mail.set_content(text)
    if html:
        mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


@pytest.fixture
def email_channel(make_channel, teams):
    if not provider_ready("email"):
        pytest.skip("the email provider is not registered in this build")
    from heedful.devtools.smtp_sink import SmtpSink

    sink = SmtpSink(port=free_port()).start()
    channel = make_channel("email", {"address": "help@brand.example", "inbound_token": "mail-token",
                                     "smtp_host": "127.0.0.1", "smtp_port": sink.controller.port},
                           {"smtp_starttls": False}, name="Help mailbox", team=teams[0])
    yield channel, sink
    sink.stop()


def post_mail(live_server, channel, raw: bytes):
    response = httpx.post(f"{live_server.url}/hooks/email/{channel.pk}", content=raw,
                          headers={"Content-Type": "message/rfc822", "Authorization": "Bearer mail-token"})
    assert response.status_code == 200, response.text


def test_email_reply_resolve_reopen(open_page, live_server, ann, email_channel):
    channel, sink = email_channel
    post_mail(live_server, channel, raw_mail("Invoice 4411 is wrong", "Hello,\nI was charged twice.\nErin"))
    page = open_page(ann)
    open_from_inbox(page, "Erin Mailer")
    assert "This reply is public" not in page.inner_text("#composer")
    reply_resolve_reopen(page, "Hi Erin, we refunded the second charge.")
    assert any(b"we refunded the second charge" in m for m in sink.messages)


# -- the API channel, the inbox, live updates ---------------------------------------------------

def post_api(live_server, channel, text, *, mid, sender="c-1", name="Carla Customer"):
    body = {"id": mid, "from": {"id": sender, "name": name}, "text": text, "thread": f"{sender}-thread"}
    response = httpx.post(f"{live_server.url}/hooks/api/{channel.pk}", json=body,
                          headers={"Authorization": f"Bearer {channel.credential('inbound_token')}"})
    assert response.status_code == 200, response.text


def test_inbox_and_api_conversation(open_page, live_server, ann, channel_a, brand):
    post_api(live_server, channel_a, "Where is my parcel? It is late again!", mid="p-1")
    post_api(live_server, channel_a, "Can I change my delivery address?", mid="p-2", sender="c-2", name="Dev Patel")
    Conversation.objects.filter(contact__name="Carla Customer").update(priority=3)
    page = open_page(ann)
    assert "Carla Customer" in page.locator("#inbox-rows .row").first.inner_text()  # urgent first
    page.keyboard.press("?")
    page.locator("#help").wait_for()
    page.keyboard.press("Escape")
    shot(page, "inbox")
    open_from_inbox(page, "Dev Patel")
    reply_resolve_reopen(page, "Yes, reply with the new address and we will update it.")
    shot(page, "conversation")
    assert brand.requests_to("POST", "/out")


def test_second_agent_sees_new_messages_live(open_page, live_server, ann, abe, channel_a, brand):
    post_api(live_server, channel_a, "My order is missing", mid="l-1")
    conversation = Conversation.objects.get()
    first = open_page(ann)
    second = open_page(abe)
    first.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    second.wait_for_selector(f"#row-{conversation.pk}")
    second.evaluate("window.__noReload = true")
    first.evaluate("window.__noReload = true")
    first.wait_for_timeout(300)  # both streams are subscribed

    post_api(live_server, channel_a, "Hello?? Anyone there?", mid="l-2")
    first.locator("#thread-items .msg-in", has_text="Hello?? Anyone there?").wait_for()
    second.locator(f"#row-{conversation.pk}", has_text="Hello?? Anyone there?").wait_for()
    assert first.evaluate("window.__noReload") and second.evaluate("window.__noReload")

    second.goto(f"{live_server.url}/conversations/{conversation.pk}/")
    second.evaluate("window.__noReload = true")
    second.wait_for_timeout(300)
    first.click("#reply-text")
    first.keyboard.type("Checking with the warehouse")
    second.locator("#typing", has_text="Ann is replying").wait_for()
    first.click("#reply-form button[type=submit]")
    second.locator("#thread-items .msg-out", has_text="Checking with the warehouse").locator(
        ".status-text", has_text="Sent").wait_for()
    assert second.evaluate("window.__noReload")
    assert Message.objects.filter(direction="out").count() == 1


def test_hostile_customer_text_is_shown_as_text(open_page, live_server, ann, channel_a, email_channel):
    dialogs: list[str] = []
    hostile = '<img src=x onerror=alert(1)> javascript:alert(2) <a href="javascript:alert(3)">click</a>'
    post_api(live_server, channel_a, hostile, mid="x-1", name="<b onmouseover=alert(4)>Mallory</b>")
    channel, _ = email_channel
    post_mail(live_server, channel, raw_mail(
        "<script>alert(5)</script>", "see html",
        '<p>Hi</p><script>alert(6)</script><img src=x onerror="alert(7)"><a href="javascript:alert(8)">x</a>'))
    page = open_page(ann, dialogs=dialogs)
    page.locator("#inbox-rows .row", has_text="<b onmouseover=alert(4)>Mallory</b>").wait_for()
    open_from_inbox(page, "Mallory")
    body = page.locator("#thread-items .msg-in .msg-body").first
    assert body.inner_text() == hostile
    assert page.locator("#thread-items img").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    page.goto(live_server.url + "/inbox/")
    open_from_inbox(page, "Erin Mailer")
    page.click("details.msg-html summary")
    page.wait_for_timeout(500)
    assert page.locator("iframe[sandbox='']").count() == 1
    page.mouse.move(400, 300)
    assert dialogs == []
