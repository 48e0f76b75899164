"""The reply box in a real headless Chromium: outside WhatsApp's 24-hour window it offers the
channel's approved templates, read from the Cloud API fake, and sends one with its variables."""

from __future__ import annotations

import json
import os

import pytest

from heedful.channels.providers.whatsapp.fake import FakeWhatsAppAPI, fake_template
from heedful.conversations.models import Conversation
from tests.browser import SCREENSHOTS
from tests.providers.meta.meta_hooks import APP_SECRET, VERIFY_TOKEN, sign
from tests.providers.whatsapp.whatsapp_hooks import ACCESS_TOKEN, PHONE_NUMBER_ID, cases, fresh
from tests.web.conftest import PASSWORD, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here
pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.HEEDFUL_SSE_HEARTBEAT_SECONDS = 1  # closed tabs free their server thread quickly


@pytest.fixture
def cloud_api():
    with FakeWhatsAppAPI(token=ACCESS_TOKEN) as fake:
        fake.templates[:] = [fake_template("order_update", "en_US", "Hi {{1}}, your order {{2}} has shipped."),
                             fake_template("hello_again", "en_US", "Hello again! Reply to continue.")]
        yield fake


def test_reply_box_offers_a_template_outside_the_window(browser, live_server, client, make_channel, teams,
                                                          django_user_model, cloud_api):
    channel = make_channel("whatsapp", {"phone_number_id": PHONE_NUMBER_ID, "app_secret": APP_SECRET,
                                        "verify_token": VERIFY_TOKEN, "access_token": ACCESS_TOKEN,
                                        "waba_id": "102290129340398"},
                           {"api_base_url": cloud_api.base_url}, name="Acme WhatsApp", team=teams[0])
    body = json.dumps(fresh(cases()["text"], age_seconds=30 * 3600)).encode()
    assert client.post(f"/hooks/meta/{channel.pk}", body, content_type="application/json",
                       HTTP_X_HUB_SIGNATURE_256=sign(body)).status_code == 200
    conversation = Conversation.objects.get(channel=channel)
    agent = make_user(django_user_model, "ann", teams=[teams[0]], first_name="Ann")
    context = browser.new_context(viewport={"width": 1360, "height": 860})
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(live_server.url + "/login/")
        page.fill("#id_username", agent.username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/inbox/")
        page.goto(f"{live_server.url}/conversations/{conversation.pk}/")
        offer = page.locator('[data-heedful="templates"]')
        assert "24-hour window closed" in offer.inner_text()
        assert page.locator('[data-heedful="template"]').count() == 2
        order = page.locator('[data-heedful="template"][data-name="order_update"]')
        order.locator("summary").click()
        variables = order.locator('[data-heedful="template-variable"]')
        assert variables.count() == 2
        variables.nth(0).fill("Ann")
        variables.nth(1).fill("A-1043")
        order.locator('[data-heedful="send-template"]').click()
        page.wait_for_selector("text=Hi Ann, your order A-1043 has shipped.")
        page.screenshot(path=str(SCREENSHOTS / "whatsapp-template-reply.png"))
    finally:
        context.close()
    (sent,) = cloud_api.template_sends()
    assert sent["template"]["name"] == "order_update"
    assert [p["text"] for p in sent["template"]["components"][0]["parameters"]] == ["Ann", "A-1043"]
