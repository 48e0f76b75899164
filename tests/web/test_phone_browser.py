"""The workspace on a phone (390 px wide) and the contacts list, in a real headless Chromium.

What a new user on a phone would try: the inbox, opening a conversation, the header menu by
touch and by keyboard, and every other workspace page. No page may scroll sideways; the header
items (search, log out) are either inside the viewport or in the open menu. Screenshots are
saved under test-output/screenshots/.
"""

from __future__ import annotations

import os
import time

import pytest
from playwright.sync_api import expect

from heedful.accounts.models import Role
from heedful.conversations.models import Conversation
from tests.browser import SCREENSHOTS, signed_in
from tests.web.conftest import PASSWORD, make_user, post_api_message

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here
pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

INSIDE = """(el) => { const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= 390
         && r.top >= 0 && r.bottom <= window.innerHeight; }"""


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 1


@pytest.fixture
def open_page(browser, live_server, fresh_broker):
    contexts = []

    def open_as(user, viewport=PHONE, path="/inbox/"):
        context = browser.new_context(viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        contexts.append(context)
        page = signed_in(context, live_server.url, user.username, PASSWORD)
        if path != "/inbox/":
            page.goto(live_server.url + path)
        return page

    yield open_as
    for context in contexts:
        context.close()
    deadline = time.monotonic() + 5
    while fresh_broker.subscriber_count() and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def long_thread(client, channel_a):
    """A conversation of 24 customer messages, the newest one last."""
    for n in range(1, 25):
        post_api_message(client, channel_a, f"Message number {n}: still waiting for my parcel, day {n}.",
                         thread="order-1")
    return Conversation.objects.get(channel=channel_a)


def settle(page, expression: str, timeout: float = 5.0) -> None:
    """Wait until `expression` holds (the page's CSP forbids wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"never true: {expression}"
        page.wait_for_timeout(50)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at {PHONE['width']}px"


def header_items_reachable(page) -> None:
    """Search and Log out are in the viewport, else in the header menu once it is opened."""
    search, logout = page.locator("[data-heedful=search]"), page.locator("[data-heedful=logout]")
    if search.is_visible() and search.evaluate(INSIDE) and logout.is_visible() and logout.evaluate(INSIDE):
        return
    page.click("[data-heedful=menu]")
    assert page.get_attribute("[data-heedful=menu]", "aria-expanded") == "true"
    assert search.evaluate(INSIDE) and logout.evaluate(INSIDE)
    assert page.locator("#topbar-menu").evaluate("(m, s) => m.contains(s)", search.element_handle())
    page.keyboard.press("Escape")


def test_inbox_on_a_phone_folds_the_header_into_a_menu(open_page, agent_a, conversation_a):
    page = open_page(agent_a)
    page.locator("#inbox-rows .row").first.wait_for()
    shot(page, "phone-inbox")
    no_sideways_scroll(page)
    menu = page.locator("[data-heedful=menu]")
    assert menu.evaluate(INSIDE) and menu.get_attribute("aria-expanded") == "false"
    assert not page.locator("[data-heedful=logout]").is_visible()  # folded away, not cut off

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    for name in ("search", "logout", "nav-contacts", "nav-reports-menu"):
        assert page.locator(f"[data-heedful={name}]").evaluate(INSIDE), name
    shot(page, "phone-inbox-menu")
    no_sideways_scroll(page)
    page.fill("[data-heedful=search]", "parcel")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox/?q=parcel*")
    assert page.locator("#inbox-rows .row").count() == 1


def test_the_header_menu_works_by_keyboard(open_page, agent_a, conversation_a):
    page = open_page(agent_a)
    menu = page.locator("[data-heedful=menu]")
    menu.focus()
    page.keyboard.press("Enter")
    assert menu.get_attribute("aria-expanded") == "true"
    page.keyboard.press("Tab")  # the next stop is the search box, inside the menu
    assert page.evaluate("document.activeElement.dataset.heedful") == "search"
    page.keyboard.press("Escape")  # closes the menu, focus back on its button
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.dataset.heedful") == "menu"
    assert not page.locator("[data-heedful=logout]").is_visible()
    page.keyboard.press("Space")
    assert menu.get_attribute("aria-expanded") == "true"
    page.mouse.click(200, 700)  # a tap outside closes it
    assert menu.get_attribute("aria-expanded") == "false"


def test_a_conversation_opens_at_its_newest_message_on_a_phone(open_page, agent_a, long_thread, live_server):
    page = open_page(agent_a)
    page.locator("#inbox-rows .row-link").first.click()
    page.wait_for_url("**/conversations/*/**")
    page.wait_for_selector("#reply-text")
    settle(page, "window.scrollY > 0")
    newest = page.locator("#thread-items .msg", has_text="Message number 24:")
    assert newest.evaluate(INSIDE), "the newest message is on screen"
    assert page.locator("#thread-items .msg", has_text="Message number 23:").evaluate(
        "(el) => el.getBoundingClientRect().bottom > 0"), "the thread above it is visible too"
    shot(page, "phone-conversation")
    no_sideways_scroll(page)
    header_items_reachable(page)
    # the reply box follows the thread: reachable by scrolling, and it does not cover the thread
    composer = page.locator(".composer")
    assert composer.evaluate("(el) => getComputedStyle(el).position") == "static"
    page.locator("#reply-text").scroll_into_view_if_needed()
    assert page.locator("#reply-text").evaluate(INSIDE)
    page.fill("#reply-text", "We are on it.")
    shot(page, "phone-conversation-reply")


def test_the_conversation_still_opens_above_a_sticky_reply_box_on_a_wide_screen(open_page, agent_a, long_thread):
    page = open_page(agent_a, viewport={"width": 1360, "height": 860}, path=f"/conversations/{long_thread.pk}/")
    page.wait_for_selector("#reply-text")
    settle(page, "window.scrollY > 0")
    newest = page.locator("#thread-items .msg", has_text="Message number 24:").bounding_box()
    composer = page.locator(".composer").bounding_box()
    assert newest["y"] + newest["height"] <= composer["y"] + 1, "the newest message is not behind the reply box"
    assert newest["y"] >= 0


@pytest.mark.parametrize("path", ["/contacts/", "/reports/", "/settings/labels/", "/password/"])
def test_other_workspace_pages_fit_a_phone(open_page, django_user_model, teams, conversation_a, path):
    admin = make_user(django_user_model, "ada", role=Role.ADMIN, teams=[teams[0]], first_name="Ada")
    page = open_page(admin, path=path)
    assert page.url.endswith(path)
    page.wait_for_load_state("networkidle")
    shot(page, "phone" + path.rstrip("/").replace("/", "-"))
    no_sideways_scroll(page)
    if path == "/password/":  # a form card of its own, without the workspace header
        assert page.locator("a", has_text="Back to the inbox").evaluate(INSIDE)
    else:
        header_items_reachable(page)


def test_contacts_list_searches_as_you_type_and_opens_a_contact(open_page, client, agent_a, agent_b, channel_a,
                                                                 channel_b):
    for n in range(3):
        post_api_message(client, channel_a, "hello", sender=f"u-{n}", name=f"Nora Number{n}")
    post_api_message(client, channel_b, "team B", sender="u-b", name="Nora Hidden")
    page = open_page(agent_a, viewport={"width": 1360, "height": 860}, path="/contacts/")
    table = page.locator("[data-heedful=contact-table]")
    assert table.locator("tbody tr").count() == 3
    page.fill("[data-heedful=contact-search]", "number1")
    expect(table.locator("tbody tr")).to_have_count(1)
    assert "q=number1" in page.url
    row = table.locator("tbody tr")
    assert "Nora Number1" in row.inner_text() and row.locator(".ch").count() == 1
    page.fill("[data-heedful=contact-search]", "Hidden")  # another team's customer stays hidden
    page.locator(".empty-title", has_text="No contacts found").wait_for()
    page.fill("[data-heedful=contact-search]", "Nora")
    expect(table.locator("tbody tr")).to_have_count(3)
    shot(page, "contacts-list")
    page.locator("[data-heedful=contact-link]", has_text="Nora Number2").click()
    page.wait_for_url("**/contacts/*/")
    assert page.locator("#contact-title").inner_text().startswith("Nora Number2")
