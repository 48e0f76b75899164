"""The community forum in a real headless Chromium against a live server, joined to the desk.

A customer signs up and asks in a support category; the escalation opens one conversation; an
agent answers it in the workspace; the answer appears on the topic as a staff post; the customer
accepts it; the topic is solved and suggested to the next customer who asks something similar.
"""

from __future__ import annotations

import os
import time

import pytest

from heedful.community import actions
from heedful.community.members import member_viewer, staff_viewer
from heedful.community.models import Post, PostStatus, Topic
from heedful.conversations.models import Conversation, Message
from tests.browser import SCREENSHOTS
from tests.community.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here

pytestmark = pytest.mark.browser


@pytest.fixture
def support(agent):
    return actions.create_category(staff_viewer(agent), slug="help", name="Help", support=True,
                                   escalate_after_minutes=0)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_up(page, base: str, username: str) -> None:
    page.goto(base + "/community/signup/")
    page.fill("#id_username", username)
    page.fill("#id_email", f"{username}@example.org")
    page.fill("#id_password", PASSWORD)
    page.click("[data-heedful=create-account]")
    page.wait_for_url("**/community/")


def agent_login(page, base: str, user) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/inbox/")


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_question_escalated_answered_by_an_agent_accepted_and_suggested(new_page, live_server, agent, support):
    base = live_server.url
    customer = new_page()
    sign_up(customer, base, "carla")
    customer.goto(base + "/community/c/help/")
    customer.click("[data-heedful=new-topic]")
    customer.fill("[data-heedful=topic-title]", "Card charged twice for one order")
    customer.fill("[data-heedful=topic-body]", "My card was charged twice for order 1234. Can I get a refund?")
    customer.click("[data-heedful=post-topic]")
    customer.wait_for_url("**/community/t/*/card-charged-twice-for-one-order/")
    topic = Topic.objects.get()

    # The escalation opened exactly one conversation, and a rerun of the sweep adds none.
    from heedful.community_desk import bridge

    bridge.escalate_due()
    conversation = wait_for(lambda: Conversation.objects.filter(channel__provider="community").first())
    assert Conversation.objects.filter(channel__provider="community").count() == 1

    desk = new_page()
    agent_login(desk, base, agent)
    desk.goto(f"{base}/conversations/{conversation.pk}/")
    assert desk.locator(f"#thread-items a[href*='/community/t/{topic.pk}/']").count() >= 1  # the topic link
    desk.fill("#reply-text", "Sorry about that! We refunded the second charge; it shows in 3-5 days.")
    desk.click("#reply-form button[type=submit]")
    desk.locator("#thread-items .msg-out .status-text", has_text="Sent").wait_for()
    shot(desk, "community-agent-reply")
    assert Post.objects.filter(topic=topic, staff=True).count() == 1

    customer.reload()
    staff_post = customer.locator("[data-heedful=post][data-staff='1']")
    assert "We refunded the second charge" in staff_post.inner_text()
    customer.locator("[data-heedful=answered-by-staff]").wait_for()
    staff_post.locator("[data-heedful=accept]").click()
    customer.locator("[data-heedful=solved]").wait_for()
    customer.locator("[data-heedful=accepted-answer]").wait_for()
    shot(customer, "community-solved-topic")
    topic.refresh_from_db()
    assert topic.solved and topic.accepted_post.staff
    ld = customer.locator("script[type='application/ld+json']").text_content()
    assert '"QAPage"' in ld and "refunded the second charge" in ld
    assert Message.objects.filter(conversation=conversation, direction="out", delivery_status="sent").count() == 1

    # The next customer who asks something similar is shown the solved topic while typing.
    second = new_page()
    sign_up(second, base, "dave")
    second.goto(base + "/community/c/help/new/")
    second.locator("[data-heedful=topic-title]").press_sequentially("charged twice refund", delay=20)
    suggestion = second.locator("[data-heedful=suggestion]", has_text="Card charged twice for one order")
    suggestion.wait_for()
    assert suggestion.get_attribute("href").endswith(topic.get_absolute_url())
    shot(second, "community-suggestion")


HOSTILE = ('<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">\n\n'
           '[click me](javascript:window.__pwned=3) <a href="#" onclick="window.__pwned=4">x</a>\n\n'
           '<svg onload="window.__pwned=5"></svg> <iframe src="javascript:window.__pwned=6"></iframe>')


def test_markup_and_script_in_posts_never_run(new_page, live_server, agent, support, make_member):
    base = live_server.url
    author = make_member("mallory", trust_level=1)
    topic = actions.create_topic(member_viewer(author), category="help",
                                 title='<script>window.__pwned = 7</script> "quoted" title', body=HOSTILE)
    actions.create_post(member_viewer(author), topic.pk, HOSTILE)
    actions.accept(staff_viewer(agent), actions.create_post(staff_viewer(agent), topic.pk, HOSTILE).pk)
    page = new_page()
    page.goto(base + topic.get_absolute_url())
    link = page.locator("[data-heedful=post-body] a", has_text="click me")
    if link.count():
        link.first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("[data-heedful=post-body] script, [data-heedful=post-body] img, "
                        "[data-heedful=post-body] svg, [data-heedful=post-body] iframe, "
                        "[data-heedful=post-body] [onclick]").count() == 0
    assert "<script>window.__pwned = 7</script>" in page.locator("[data-heedful=topic-heading]").inner_text()
    assert "<script>window.__pwned = 1</script>" in page.locator("[data-heedful=post-body]").first.inner_text()

    # The agent's workspace shows the same text as text.
    desk = new_page()
    agent_login(desk, base, agent)
    conversation = Conversation.objects.get(channel__provider="community")
    desk.goto(f"{base}/conversations/{conversation.pk}/")
    desk.wait_for_timeout(300)
    assert desk.evaluate("window.__pwned") is None

    # And the suggestion list in the new-topic form renders titles as text.
    page.goto(base + "/community/c/help/new/")
    sign_up(page, base, "erin")
    page.goto(base + "/community/c/help/new/")
    page.locator("[data-heedful=topic-title]").press_sequentially("quoted title pwned", delay=20)
    page.locator("[data-heedful=suggestion]").first.wait_for()
    assert page.evaluate("window.__pwned") is None


def test_a_new_members_post_with_five_links_goes_to_the_review_queue(new_page, live_server, agent, support):
    base = live_server.url
    page = new_page()
    sign_up(page, base, "newbie")
    page.goto(base + "/community/c/help/new/")
    page.fill("[data-heedful=topic-title]", "Best prices here")
    page.fill("[data-heedful=topic-body]", "\n".join(f"https://deal{i}.example/" for i in range(5)))
    page.click("[data-heedful=post-topic]")
    page.locator("[data-heedful=awaiting-review]").wait_for()
    post = Post.objects.get()
    assert post.status == PostStatus.REVIEW
    assert Conversation.objects.count() == 0  # nothing unreviewed reaches the desk
    anonymous = new_page()
    response = anonymous.goto(base + post.topic.get_absolute_url())
    assert response.status == 404

    moderator = new_page()
    agent_login(moderator, base, agent)
    moderator.goto(base + "/community/review/")
    item = moderator.locator("[data-heedful=review-item]", has_text="Best prices here")
    item.wait_for()
    item.locator("[data-heedful=approve]").click()
    wait_for(lambda: Post.objects.get(pk=post.pk).status == PostStatus.VISIBLE)
    assert anonymous.goto(base + post.topic.get_absolute_url()).status == 200
