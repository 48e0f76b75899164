"""The widget's second half in a real headless Chromium: help-centre suggestions while the first
question is typed, a picture sent by the visitor and seen by the agent, typing and read receipts
both ways, the unread badge, and the satisfaction survey answered inside the chat."""

from __future__ import annotations

import struct
import zlib

import pytest
from django.db import transaction

from heedful.conversations import actions
from heedful.conversations.models import Attachment, Conversation, Message
from heedful.feedback.models import Survey
from heedful.knowledge import actions as knowledge
from heedful.knowledge.models import SuggestionOpen
from tests.browser import DESK_VIEWPORT, signed_in
from tests.widget.test_widget_browser import (  # noqa: F401  (fixtures)
    PASSWORD,
    brand_site,
    setup,
    short_streams,
    visitor_page,
)

pytestmark = pytest.mark.browser


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\xff\x00\x00" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_suggestions_files_receipts_badge_and_survey(browser, live_server, setup, tmp_path):  # noqa: F811
    origin, channel, agent = setup
    with transaction.atomic():
        knowledge.create_article(agent, title="How to return a parcel", body="Print the label and drop it off.",
                                 category="Returns", publish=True)
    contexts, errors = [], []
    try:
        ctx_agent = browser.new_context(viewport=DESK_VIEWPORT)
        contexts.append(ctx_agent)
        desk = signed_in(ctx_agent, live_server.url, agent.username, PASSWORD)

        ctx, ann = visitor_page(browser, origin, errors)
        contexts.append(ctx)
        ann.evaluate("Heedful.open()")
        ann.locator(".greeting").wait_for()
        ann.locator("[data-heedful=composer]").press_sequentially("return a parcel")
        hint = ann.locator("[data-heedful=suggestion]", has_text="How to return a parcel")
        hint.wait_for()
        with ctx.expect_page() as opened:
            hint.click()
        opened.value.close()
        ann.wait_for_timeout(300)
        assert SuggestionOpen.objects.filter(surface="widget", kind="article").count() == 1

        ann.fill("[data-heedful=composer]", "I want to return my parcel")
        ann.click("[data-heedful=send]")
        ann.locator("[data-heedful=message][data-author=visitor][data-id]").wait_for()
        assert ann.locator("[data-heedful=suggestion]").is_hidden()
        picture = tmp_path / "damage.png"
        picture.write_bytes(tiny_png())
        ann.locator("input[type=file]").set_input_files(str(picture))
        ann.wait_for_function("""() => { const i = document.querySelector('[data-heedful-widget]').shadowRoot
            .querySelector('[data-heedful=attachment] img'); return i && i.naturalWidth === 2; }""")
        conversation = Conversation.objects.get(channel=channel)
        assert Attachment.objects.get(message__conversation=conversation).content_type == "image/png"

        desk.goto(f"{live_server.url}/conversations/{conversation.pk}/")
        desk.locator("#thread-items .msg-in a", has_text="damage.png").wait_for()
        ann.locator("[data-heedful=seen]").wait_for()  # the agent has the chat on screen

        ann.locator("[data-heedful=composer]").press_sequentially("one more thing")
        desk.locator("#typing[data-heedful=customer-typing]", has_text="The customer is typing").wait_for()

        ann.evaluate("Heedful.close()")
        desk.fill("#reply-text", "Here is your return label.")
        desk.click("#reply-form button[type=submit]")
        badge = ann.locator(".badge")
        badge.wait_for()
        assert badge.inner_text() == "1"
        reply = Message.objects.filter(conversation=conversation, direction="out").latest("pk")
        ann.evaluate("Heedful.open()")
        assert badge.is_hidden()
        desk.locator(f"#msg-{reply.pk}[data-status=read]").wait_for()  # the agent sees it was read

        with transaction.atomic():
            actions.resolve(agent, Conversation.objects.get(pk=conversation.pk))
        form = ann.locator("[data-heedful=survey]")
        form.wait_for()
        ann.click("[data-heedful=csat-4]")
        ann.locator("[data-heedful=why]").select_option("prefer_writing")
        ann.click("[data-heedful=survey-send]")
        ann.locator("[data-heedful=survey-thanks]").wait_for()
        survey = Survey.objects.get(conversation=conversation)
        assert (survey.csat, survey.why) == (4, "prefer_writing")
        assert errors == []
    finally:
        for context in contexts:
            context.close()
