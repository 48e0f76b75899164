"""The optional pre-chat form: the brand asks a name and fields of its own before the first
message; the answers travel with it and the agent reads them on the conversation."""

from __future__ import annotations

import pytest

from heedful.accounts.models import Profile, Role, Team
from heedful.channels.providers.webchat.provider import public_key
from heedful.conversations.models import Conversation, Message

from .test_widget_browser import PAGE, PASSWORD, brand_site, free_port, short_streams, visitor_page  # noqa: F401

FIELDS = [{"key": "order", "label": "Order number", "required": True},
          {"key": "country", "label": "Country"}]


@pytest.fixture
def prechat_chat(make_channel):
    from tests.widget.conftest import SITE

    return make_channel("webchat", {}, {"allowed_origins": [SITE], "ask_name": True, "prechat_fields": FIELDS},
                        name="Shop chat")


@pytest.mark.django_db
def test_the_answers_travel_with_the_first_message(client, prechat_chat):
    from tests.widget.conftest import Visitor

    ann = Visitor(client, prechat_chat)
    assert ann.session["channel"]["ask_name"] is True
    assert ann.session["channel"]["fields"] == [{**FIELDS[0]}, {**FIELDS[1], "required": False}]

    refused = ann.post("/widget/v1/messages", {"text": "hello", "client_id": "client-pre-001"})
    assert refused.status_code == 400 and "Order number is required" in refused.json()["detail"]
    unknown = ann.post("/widget/v1/messages", {"text": "hello", "client_id": "client-pre-002",
                                               "fields": {"order": "A-981", "shoe_size": "44"}})
    assert unknown.status_code == 400 and "unknown pre-chat field: shoe_size" in unknown.json()["detail"]

    ann.say("Where is my parcel?", name="Ann Lee", fields={"order": "A-981", "country": ""})
    message = Message.objects.get()
    assert message.metadata["prechat"] == {"order": "A-981"}
    assert message.conversation.contact.name == "Ann Lee"
    ann.say("It was due Monday.")  # the conversation is open: nothing more is asked
    assert Message.objects.count() == 2


@pytest.mark.browser
def test_the_widget_asks_before_the_first_message_and_the_agent_sees_it(browser, live_server, brand_site,  # noqa: F811
                                                                          make_channel, django_user_model):
    import os

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    origin, pages = brand_site
    team = Team.objects.create(name="Support", slug="support")
    channel = make_channel("webchat", {}, {"allowed_origins": [origin], "ask_name": True,
                                           "prechat_fields": FIELDS}, name="Shop chat", team=team)
    pages["/"] = PAGE.format(snippet=f'<script src="{live_server.url}/widget.js" '
                                     f'data-channel="{public_key(channel)}" async></script>').encode()
    agent = django_user_model.objects.create_user("alice", "alice@example.com", PASSWORD)
    Profile.objects.create(user=agent, role=Role.AGENT).teams.set([team])
    errors: list = []
    context, page = visitor_page(browser, origin, errors)
    try:
        page.click("[data-heedful=launcher]")
        page.locator("[data-heedful=prechat]").wait_for()
        page.fill("[data-heedful=composer]", "Where is my parcel?")
        page.click("[data-heedful=send]")
        assert "Order number" in page.locator("[role=status]").first.inner_text()
        assert page.locator("[data-heedful=message]").count() == 0  # nothing sent
        page.fill("[data-heedful=name]", "Ann <b>Lee</b>")
        page.fill('[data-heedful=prechat-field][data-key=order]', "A-981")
        page.click("[data-heedful=send]")
        page.locator("[data-heedful=message][data-author=visitor]").wait_for()
        page.locator("[data-heedful=prechat]").wait_for(state="hidden")
        assert errors == []
    finally:
        context.close()

    conversation = Conversation.objects.get(channel=channel)
    assert conversation.contact.name == "Ann <b>Lee</b>"
    desk = browser.new_context()
    try:
        tab = desk.new_page()
        tab.goto(live_server.url + "/login/")
        tab.fill("#id_username", "alice")
        tab.fill("#id_password", PASSWORD)
        tab.click("button[type=submit]")
        tab.wait_for_url("**/inbox/")
        tab.goto(f"{live_server.url}/conversations/{conversation.pk}/")
        answers = tab.locator("[data-heedful=prechat-answers]")
        assert "order" in answers.inner_text() and "A-981" in answers.inner_text()
    finally:
        desk.close()
