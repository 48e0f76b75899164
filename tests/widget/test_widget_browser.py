"""The widget in a real headless Chromium, embedded in a page of another origin.

A visitor chats from the brand's page; an agent answers in the workspace; the visitor sees the
answer live, without reloading; a second visitor sees nothing of the first; a forged token gets
401; nothing is stored in the browser before the first message.
"""

from __future__ import annotations

import http.server
import os
import socket
import threading

import pytest

from heedful.accounts.models import Profile, Role, Team
from heedful.channels.providers.webchat.provider import public_key
from heedful.conversations.models import Conversation
from tests.browser import DESK_VIEWPORT, signed_in

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Brand shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><h1>Brand shop</h1><p>Our products.</p>{snippet}</body></html>"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 1
    settings.HEEDFUL_SSE_LIFETIME_SECONDS = 30


@pytest.fixture
def brand_site():
    """The brand's own site: another origin (another port) serving a page that embeds the widget."""
    pages: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path.split("?")[0])
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body or b"not found")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", pages
    server.shutdown()


@pytest.fixture
def setup(live_server, brand_site, make_channel, django_user_model):
    origin, pages = brand_site
    team = Team.objects.create(name="Support", slug="support")
    channel = make_channel("webchat", {"identity_secret": "s"},
                           {"allowed_origins": [origin], "greeting": "Hi! Ask us anything."},
                           name="Shop chat", team=team)
    snippet = f'<script src="{live_server.url}/widget.js" data-channel="{public_key(channel)}" async></script>'
    pages["/"] = PAGE.format(snippet=snippet).encode()
    agent = django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD, first_name="Alice")
    Profile.objects.create(user=agent, role=Role.AGENT).teams.set([team])
    return origin, channel, agent


def visitor_page(browser, origin, errors: list):
    context = browser.new_context(viewport={"width": 1200, "height": 800}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("pageerror", lambda e: errors.append(str(e)))  # an exception in the widget fails the test
    page.goto(origin + "/")
    page.wait_for_function("typeof window.Heedful === 'object' && typeof Heedful.open === 'function'")
    return context, page


def test_visitor_and_agent_chat_live_across_origins(browser, live_server, setup):
    origin, channel, agent = setup
    contexts, errors = [], []
    try:
        ctx_agent = browser.new_context(viewport=DESK_VIEWPORT)
        contexts.append(ctx_agent)
        desk = signed_in(ctx_agent, live_server.url, agent.username, PASSWORD)  # an agent is online: the widget says so

        ctx, ann = visitor_page(browser, origin, errors)
        contexts.append(ctx)
        assert ann.evaluate("Object.keys(localStorage).length") == 0
        assert ann.evaluate("document.cookie") == ""
        ann.click("[data-heedful=launcher]")  # in the widget's open shadow root
        dialog = ann.locator("[role=dialog]")
        dialog.wait_for()
        assert dialog.get_attribute("aria-labelledby") and \
            ann.locator("[data-heedful=launcher]").get_attribute("aria-expanded") == "true"
        ann.locator(".greeting", has_text="Hi! Ask us anything.").wait_for()
        assert ann.locator("[data-heedful=email]").is_hidden()  # someone is there: no email asked
        assert ann.evaluate("Object.keys(localStorage).length") == 0  # opened, nothing sent yet
        ann.fill("[data-heedful=composer]", "<b>My parcel</b> never arrived")
        ann.click("[data-heedful=send]")
        mine = ann.locator("[data-heedful=message][data-author=visitor]")
        mine.wait_for()
        assert mine.inner_text() == "<b>My parcel</b> never arrived"  # text, not markup
        ann.wait_for_function("Object.keys(localStorage).length === 1")

        conversation = Conversation.objects.get(channel=channel)
        desk.reload()
        desk.locator(f"#row-{conversation.pk}").wait_for()  # the chat is in the agent's queue
        desk.goto(f"{live_server.url}/conversations/{conversation.pk}/")
        desk.locator("#thread-items .msg-in", has_text="never arrived").wait_for()
        ann.evaluate("window.__noReload = true")
        desk.fill("#reply-text", "Sorry! A new one ships today.")
        desk.click("#reply-form button[type=submit]")

        answer = ann.locator("[data-heedful=message][data-author=agent]", has_text="A new one ships today")
        answer.wait_for()
        assert ann.evaluate("window.__noReload") is True  # live: no reload happened

        ctx2, bob = visitor_page(browser, origin, errors)
        contexts.append(ctx2)
        bob.evaluate("Heedful.open()")
        bob.locator(".greeting").wait_for()
        bob.wait_for_timeout(800)
        assert bob.locator("[data-heedful=message]").count() == 0
        assert "never arrived" not in bob.content() and "ships today" not in bob.locator("body").inner_text()

        token = ann.evaluate(f"localStorage.getItem('heedful:{public_key(channel)}')")
        statuses = bob.evaluate("""async ([base, token]) => {
            const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
            const read = (t) => fetch(base + '/widget/v1/messages', {headers: {Authorization: 'Bearer ' + t}})
                .then(r => r.status);
            return [await read(forged), await read(token)];
        }""", [live_server.url, token])
        assert statuses == [401, 200]  # a forged token is refused; the real one is Ann's alone

        ann.keyboard.press("Escape")
        assert ann.locator("[role=dialog]").is_hidden()
        assert errors == []
    finally:
        for context in contexts:
            context.close()


@pytest.mark.parametrize("locale, title, direction", [
    ("es-ES", "Chatea con nosotros", "ltr"), ("fr-FR", "Discutez avec nous", "ltr"),
    ("de-DE", "Chatten Sie mit uns", "ltr"), ("ar-EG", "Chat with us", "rtl"),
])
def test_language_direction_and_dark_mode_follow_the_browser(browser, setup, locale, title, direction):
    origin, _channel, _agent = setup
    context = browser.new_context(locale=locale, color_scheme="dark", viewport={"width": 390, "height": 800})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(origin + "/")
        page.wait_for_function("typeof window.Heedful === 'object'")
        page.keyboard.press("Tab")  # the launcher is reachable from the keyboard
        assert page.evaluate("document.activeElement.shadowRoot.activeElement.dataset.heedful") == "launcher"
        page.keyboard.press("Enter")
        dialog = page.locator("[role=dialog]")
        dialog.wait_for()
        assert page.locator("#hf-title").inner_text() == title
        assert dialog.get_attribute("dir") == direction
        assert page.evaluate("document.activeElement.shadowRoot.activeElement.dataset.heedful") == "composer"
        background = dialog.evaluate("node => getComputedStyle(node).backgroundColor")
        assert background == "rgb(23, 25, 28)"  # the dark palette
        box = dialog.bounding_box()
        assert box["width"] == 390  # a phone: the chat fills the screen
        assert page.locator("[data-heedful=composer]").evaluate("n => getComputedStyle(n).fontSize") == "16px"
    finally:
        context.close()
