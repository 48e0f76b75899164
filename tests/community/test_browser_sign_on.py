"""In a real headless Chromium: one sign-in for the forum, the help centre and the web chat, and
an agent turning an accepted forum answer into a draft article in two clicks."""

from __future__ import annotations

import os

import pytest
from django.contrib.auth import get_user_model

from heedful.channels.providers.webchat.provider import public_key
from heedful.community import actions
from heedful.community.members import member_viewer, staff_viewer
from heedful.contacts.models import Identity
from heedful.conversations.models import Conversation
from heedful.knowledge import actions as knowledge_actions
from heedful.knowledge.models import Article, ArticleVote
from tests.community.test_browser import agent_login, shot, sign_up, wait_for

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def test_a_signed_in_member_is_known_on_help_pages_and_in_the_chat(new_page, live_server, agent, make_channel,
                                                                   settings):
    chat = make_channel("webchat", {"identity_secret": "brand-secret"}, {"allowed_origins": [live_server.url]},
                        name="Site chat")
    settings.HEEDFUL_COMMUNITY_CHAT_KEY = public_key(chat)
    article = knowledge_actions.create_article(agent, title="Refunds take five days", body="They do.",
                                               category="Billing", publish=True)
    actions.create_category(staff_viewer(agent), slug="help", name="Help", support=True, escalate_after_minutes=0)
    base = live_server.url
    page = new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_up(page, base, "carla")
    page.goto(base + article.url)
    page.locator("[data-heedful=help-member]", has_text="carla").wait_for()
    page.click("[data-heedful=helpful-yes]")
    page.wait_for_url("**?voted=1*")
    vote = ArticleVote.objects.get(article=article)
    assert vote.helpful and vote.user.username == "carla"

    # The chat on the same page: opening it signs the member on, so the chat is theirs.
    page.wait_for_function("typeof window.Heedful === 'object' && typeof Heedful.open === 'function'")
    def identified_session(response):
        return "/widget/v1/sessions" in response.url and "community-" in (response.request.post_data or "")

    with page.expect_response(identified_session) as identified, \
            page.expect_response("**/community/chat-identity/") as claimed:
        page.click("[data-heedful=launcher]")
    assert claimed.value.status == 200
    assert identified.value.json()["verified"] is True
    page.fill("[data-heedful=composer]", "Is my refund on its way?")
    page.click("[data-heedful=send]")
    page.locator("[data-heedful=message][data-author=visitor]").wait_for()
    shot(page, "community-member-chat")
    in_chat = wait_for(lambda: Conversation.objects.filter(channel=chat).first())
    member_user_id = get_user_model().objects.get(username="carla").pk
    assert Identity.objects.get(kind="forum", handle=str(member_user_id)).contact_id == in_chat.contact_id
    assert not errors, errors


def test_an_accepted_answer_becomes_a_draft_article_in_two_clicks(new_page, live_server, agent, make_member):
    actions.create_category(staff_viewer(agent), slug="lounge", name="Lounge")
    asker, helper = make_member("asker"), make_member("helper")
    topic = actions.create_topic(member_viewer(asker), category="lounge", title="How do I export my data?",
                                 body="I can't find it")
    answer = actions.create_post(member_viewer(helper), topic.pk, "Open **Settings**, then *Export*.")
    actions.accept(member_viewer(asker), answer.pk)
    base = live_server.url
    desk = new_page()
    agent_login(desk, base, agent)
    desk.goto(base + topic.get_absolute_url())
    accepted = desk.locator(f"[data-heedful=post][data-post='{answer.pk}']")
    assert desk.locator("[data-heedful=make-article]").count() == 1  # only on the accepted answer
    accepted.locator("[data-heedful=make-article]").click()  # click one: the prefilled draft
    desk.wait_for_url("**/knowledge/drafts/new/")
    assert desk.input_value("[data-heedful=article-title]") == "How do I export my data?"
    assert desk.input_value("[data-heedful=article-body]") == "Open **Settings**, then *Export*."
    desk.click("[data-heedful=save-draft-article]")  # click two
    desk.wait_for_url(f"**{topic.get_absolute_url()}")
    shot(desk, "community-answer-to-article")
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT and article.title == "How do I export my data?"
    assert article.source == f"post:{answer.pk}"
    # A member sees no such button.
    reader = new_page()
    reader.goto(base + topic.get_absolute_url())
    assert reader.locator("[data-heedful=make-article]").count() == 0


def test_an_agent_moves_a_topic_private_and_only_the_member_reads_it(new_page, live_server, agent):
    actions.create_category(staff_viewer(agent), slug="help", name="Help", support=True, escalate_after_minutes=0)
    base = live_server.url
    customer = new_page()
    sign_up(customer, base, "carla")
    customer.goto(base + "/community/c/help/new/")
    customer.fill("[data-heedful=topic-title]", "Charged twice for order 1234")
    customer.fill("[data-heedful=topic-body]", "Please look at my account")
    customer.click("[data-heedful=post-topic]")
    customer.wait_for_url("**/community/t/**")
    public = wait_for(lambda: Conversation.objects.filter(channel__provider="community").first())

    desk = new_page()
    agent_login(desk, base, agent)
    desk.goto(f"{base}/conversations/{public.pk}/")
    desk.click("[data-heedful=move-to-private]")
    desk.fill("#private-text", "Your refund reference is RF-7731.")
    desk.click("[data-heedful=continue-in-private]")
    private = wait_for(lambda: Conversation.objects.filter(continued_from=public).first())
    desk.wait_for_url(f"**/conversations/{private.pk}/")
    assert private.contact_id == public.contact_id and not private.public

    customer.reload()
    customer.locator("[data-heedful=post][data-staff='1']", has_text="private message").wait_for()
    assert "RF-7731" not in customer.content()
    customer.click("[data-heedful=private-messages]")
    customer.locator("[data-heedful=private-message][data-author=staff]", has_text="RF-7731").wait_for()
    customer.fill("[data-heedful=private-reply-body]", "Thanks, got it")
    customer.click("[data-heedful=private-reply]")
    customer.locator("[data-heedful=private-message][data-author=member]", has_text="Thanks, got it").wait_for()
    shot(customer, "community-private-messages")
    assert wait_for(lambda: private.messages.filter(direction="in", text__contains="Thanks, got it").exists())
    # Someone else signed in sees nothing of it.
    other = new_page()
    sign_up(other, base, "dave")
    other.goto(base + "/community/messages/")
    other.locator("[data-heedful=no-private-messages]").wait_for()
    assert "RF-7731" not in other.content()
