"""Routing in the workspace, in a real headless Chromium against a live server: automation
rules made in the settings pages fire on the next matching message, topic label rules label
arriving conversations, SLA timers show in the inbox and on the conversation page. The role
gates and CSRF checks of the same pages through Django's test client."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.test import Client, override_settings

from heedful.accounts.models import ApiToken, Role
from heedful.conversations.models import Conversation
from heedful.routing import sweep
from heedful.routing.models import AutomationRule, LabelRule
from tests.browser import DESK_VIEWPORT, SCREENSHOTS, signed_in
from tests.web.conftest import PASSWORD, make_user

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs its own loop here


@pytest.fixture
def open_page(browser, live_server, fresh_broker):
    contexts = []

    def open_as(user):
        context = browser.new_context(viewport=DESK_VIEWPORT)
        contexts.append(context)
        return signed_in(context, live_server.url, user.username, PASSWORD)

    yield open_as
    for context in contexts:
        context.close()


def post_api(live_server, channel, text, *, mid, sender="c-1", name="Carla Customer", sent_at=None):
    body = {"id": mid, "from": {"id": sender, "name": name}, "text": text, "thread": f"{sender}-thread"}
    if sent_at is not None:
        body["sent_at"] = sent_at.isoformat()
    response = httpx.post(f"{live_server.url}/hooks/api/{channel.pk}", json=body,
                          headers={"Authorization": f"Bearer {channel.credential('inbound_token')}"})
    assert response.status_code == 200, response.text


def token_for(user) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {ApiToken.issue(user)}"
    return client


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.browser
def test_a_rule_made_in_the_workspace_fires_on_the_next_matching_message(open_page, live_server, django_user_model,
                                                                         teams, channel_a, brand):
    sue = make_user(django_user_model, "sue", role=Role.SUPERVISOR, teams=[teams[0]], first_name="Sue")
    page = open_page(sue)
    page.click('[data-heedful="nav-automation"]')
    page.click('[data-heedful="automation-rule-new"]')
    page.fill('[data-heedful="rule-name"]', "Refund requests")
    page.select_option('[data-heedful="rule-event"]', "message.created")
    condition = page.locator('[data-heedful="rule-condition"]').first
    condition.locator('[data-heedful="rule-condition-field"]').fill("text")
    condition.locator('[data-heedful="rule-condition-op"]').select_option("contains")
    condition.locator('[data-heedful="rule-condition-value"]').fill("refund")
    actions = page.locator('[data-heedful="rule-action"]')
    actions.nth(0).locator('[data-heedful="rule-action-type"]').select_option("add_label")
    actions.nth(0).locator('[data-heedful="rule-action-value"]').fill("refunds")
    actions.nth(1).locator('[data-heedful="rule-action-type"]').select_option("set_priority")
    actions.nth(1).locator('[data-heedful="rule-action-value"]').fill("3")
    page.click('[data-heedful="automation-rule-save"]')
    page.wait_for_url("**/settings/automation/")
    row = page.locator('[data-heedful="automation-rule"]', has_text="Refund requests")
    assert "text contains refund" in row.inner_text() and "Add label refunds" in row.inner_text()
    assert row.locator('[data-heedful="automation-rule-toggle"]').get_attribute("aria-pressed") == "true"

    post_api(live_server, channel_a, "Hello, I want a REFUND for order 7", mid="r-1")
    post_api(live_server, channel_a, "Just saying hello", mid="r-2", sender="c-2", name="Dev Patel")
    refund = Conversation.objects.get(contact__name="Carla Customer")
    assert list(refund.labels.values_list("name", flat=True)) == ["refunds"] and refund.priority == 3
    assert not Conversation.objects.get(contact__name="Dev Patel").labels.exists()
    row.locator('[data-heedful="automation-rule-runs"]').click()
    runs = page.locator('[data-heedful="automation-run"]')
    runs.first.wait_for()
    assert runs.count() == 1 and runs.first.get_attribute("data-outcome") == "fired"
    assert f"#{refund.pk}" in runs.first.inner_text() and "add_label, set_priority" in runs.first.inner_text()
    shot(page, "automation-runs")

    # switched off in the list, it no longer fires
    page.goto(live_server.url + "/settings/automation/")
    page.locator('[data-heedful="automation-rule"]', has_text="Refund requests").locator(
        '[data-heedful="automation-rule-toggle"]').click()
    page.wait_for_load_state()
    toggle = page.locator('[data-heedful="automation-rule"]', has_text="Refund requests").locator(
        '[data-heedful="automation-rule-toggle"]')
    assert toggle.get_attribute("aria-pressed") == "false"
    post_api(live_server, channel_a, "Another refund please", mid="r-3", sender="c-3", name="Eve Other")
    assert not Conversation.objects.get(contact__name="Eve Other").labels.exists()
    assert AutomationRule.objects.get().runs.count() == 1


@pytest.mark.browser
def test_label_rules_edited_in_the_workspace_label_arriving_conversations(open_page, live_server,
                                                                          django_user_model, teams, channel_a, brand):
    admin = make_user(django_user_model, "ada", role=Role.ADMIN, first_name="Ada")
    page = open_page(admin)
    page.click('[data-heedful="nav-label-rules"]')
    form = page.locator('[data-heedful="label-rule-form"]')
    form.locator('[data-heedful="label-rule-label"]').fill("delivery")
    form.locator('[data-heedful="label-rule-keywords"]').fill("parcel\ncourier, tracking number")
    form.locator('[data-heedful="label-rule-create"]').click()
    page.wait_for_url("**/settings/labels/")
    assert page.locator('[data-heedful="label-rule"]').count() == 1
    assert LabelRule.objects.get().keywords == ["parcel", "courier", "tracking number"]

    post_api(live_server, channel_a, "My tracking  number shows nothing", mid="d-1")
    post_api(live_server, channel_a, "Can I pay by card?", mid="d-2", sender="c-2", name="Dev Patel")
    page.goto(live_server.url + "/inbox/?view=all")
    carla = page.locator("#inbox-rows .row", has_text="Carla Customer")
    assert carla.locator(".tag-label").inner_text() == "delivery"
    assert page.locator("#inbox-rows .row", has_text="Dev Patel").locator(".tag-label").count() == 0

    # an edit applies to the next message; a deleted rule labels nothing more
    page.goto(live_server.url + "/settings/labels/")
    rule = page.locator('[data-heedful="label-rule"]').first
    rule.locator('[data-heedful="label-rule-keywords"]').fill("card")
    rule.locator('[data-heedful="label-rule-save"]').click()
    page.wait_for_url("**/settings/labels/")
    post_api(live_server, channel_a, "Card payment failed", mid="d-3", sender="c-3", name="Eve Other")
    assert list(Conversation.objects.get(contact__name="Eve Other").labels.values_list("name", flat=True)) == [
        "delivery"]
    page.locator('[data-heedful="label-rule-delete"]').click()
    page.wait_for_url("**/settings/labels/")
    assert not LabelRule.objects.exists()
    shot(page, "label-rules")


@pytest.mark.browser
def test_sla_timers_in_the_inbox_and_on_the_conversation_page(open_page, live_server, django_user_model, teams,
                                                              channel_a, brand):
    admin = make_user(django_user_model, "ada", role=Role.ADMIN, first_name="Ada")
    ann = make_user(django_user_model, "ann", teams=[teams[0]], first_name="Ann")
    created = token_for(admin).post("/api/v1/sla-policies", {"name": "App", "first_response_minutes": 60,
                                                             "resolution_minutes": 480},
                                    content_type="application/json")
    assert created.status_code == 201, created.content
    at = datetime.now(UTC)
    post_api(live_server, channel_a, "Nobody answered me", mid="s-1", sent_at=at - timedelta(minutes=90))
    post_api(live_server, channel_a, "Question about sizes", mid="s-2", sender="c-2", name="Dev Patel",
             sent_at=at - timedelta(minutes=55))
    post_api(live_server, channel_a, "Just opened", mid="s-3", sender="c-3", name="Eve Other")
    sweep.sla_sweep()  # the periodic sweep: breaches and near breaches noted
    page = open_page(ann)

    def timers(name):
        row = page.locator("#inbox-rows .row", has_text=name)
        found = row.locator('[data-heedful="sla-timer"]')
        return [(found.nth(i).get_attribute("data-target"), found.nth(i).get_attribute("data-state"),
                 found.nth(i).locator("time").inner_text().strip()) for i in range(found.count())]

    late = timers("Carla Customer")
    assert late[0][:2] == ("first_response", "breach")
    assert re.fullmatch(r"First response overdue by 3\d min", late[0][2]), late
    assert late[1][:2] == ("resolution", "ok") and re.fullmatch(r"Resolution due in [67] h", late[1][2]), late
    soon = timers("Dev Patel")
    assert soon[0][:2] == ("first_response", "warn") and re.fullmatch(r"First response due in [45] min", soon[0][2])
    assert soon[1][:2] == ("resolution", "ok")  # 7 of 8 hours left: no warning for that one
    fresh = timers("Eve Other")
    assert fresh[0][:2] == ("first_response", "ok") and re.fullmatch(r"First response due in (59|60) min", fresh[0][2])
    shot(page, "inbox-sla-timers")

    carla = Conversation.objects.get(contact__name="Carla Customer")
    page.goto(f"{live_server.url}/conversations/{carla.pk}/")
    header = page.locator("#conv-header")
    found = header.locator('[data-heedful="sla-timer"]')
    assert [found.nth(i).get_attribute("data-target") for i in range(found.count())] == ["first_response",
                                                                                         "resolution"]
    assert found.first.get_attribute("data-state") == "breach"
    assert "Resolution due in" in found.nth(1).inner_text()
    # the answer meets the first response: late, so it stays breached, and the resolution clock runs on
    page.fill("#reply-text", "Sorry for the wait, here is the answer.")
    page.click("#reply-form button[type=submit]")
    page.locator("#thread-items .msg-out .status-text", has_text="Sent").wait_for()
    page.reload()
    found = page.locator('#conv-header [data-heedful="sla-timer"]')
    assert found.first.get_attribute("data-target") == "first_response"
    assert found.first.locator("time").inner_text().strip() == "First response breached"
    shot(page, "conversation-sla-timers")


@pytest.mark.django_db
def test_rule_pages_are_for_their_roles_and_csrf_checked(django_user_model, teams, channel_a):
    agent = make_user(django_user_model, "ann", teams=[teams[0]])
    boss = make_user(django_user_model, "sue", role=Role.SUPERVISOR, teams=[teams[0]])
    admin = make_user(django_user_model, "ada", role=Role.ADMIN)
    rule = AutomationRule.objects.create(name="Hi", event="message.created", actions=[{"type": "note", "text": "x"}])
    label_rule = LabelRule.objects.create(label="delivery", keywords=["parcel"])
    body = {"name": "X", "event": "message.created", "action-0-type": "note", "action-0-value": "hello"}

    as_agent = Client()
    as_agent.force_login(agent)
    for url in ("/settings/automation/", "/settings/automation/new/", f"/settings/automation/{rule.pk}/",
                f"/settings/automation/{rule.pk}/runs/"):
        assert as_agent.get(url).status_code == 403, url
    assert as_agent.post("/settings/automation/new/", body).status_code == 403
    assert as_agent.post(f"/settings/automation/{rule.pk}/enabled/", {}).status_code == 403
    assert as_agent.get("/settings/labels/").status_code == 200  # agents read the topic rules
    assert 'data-heedful="label-rule-form"' not in as_agent.get("/settings/labels/").content.decode()
    assert as_agent.post("/settings/labels/new/", {"label": "x", "keywords": "y"}).status_code == 403
    assert as_agent.post(f"/settings/labels/{label_rule.pk}/delete/").status_code == 403
    assert AutomationRule.objects.count() == 1 and AutomationRule.objects.get().enabled
    assert LabelRule.objects.count() == 1

    strict = Client(enforce_csrf_checks=True)  # a form post from another site carries no token
    strict.force_login(boss)
    assert strict.post("/settings/automation/new/", body).status_code == 403
    assert strict.post(f"/settings/automation/{rule.pk}/enabled/", {}).status_code == 403
    strict.force_login(admin)
    assert strict.post("/settings/labels/new/", {"label": "x", "keywords": "y"}).status_code == 403
    assert AutomationRule.objects.count() == 1 and LabelRule.objects.count() == 1

    as_boss = Client()
    as_boss.force_login(boss)
    with override_settings(HEEDFUL_WEBHOOK_ALLOW_PRIVATE=False):  # the brand fixture allows loopback
        refused = as_boss.post("/settings/automation/new/", {**body, "action-0-type": "webhook",
                                                               "action-0-value": "http://127.0.0.1:9/x"})
    assert refused.status_code == 422 and 'data-heedful="automation-rule-error"' in refused.content.decode()
    assert 'value="X"' in refused.content.decode()  # what was typed is kept
    edited = as_boss.post(f"/settings/automation/{rule.pk}/", {
        "name": "Big orders", "event": "conversation.created", "enabled": "on",
        "condition-0-field": "priority", "condition-0-op": "gt", "condition-0-value": "1",
        "action-0-type": "add_label", "action-0-value": "big"})
    assert edited.status_code == 302
    listed = token_for(boss).get("/api/v1/automation-rules").json()["results"]
    assert listed[0]["name"] == "Big orders" and listed[0]["event"] == "conversation.created"
    assert listed[0]["conditions"] == [{"field": "priority", "op": "gt", "value": 1.0}]
    assert listed[0]["actions"] == [{"type": "add_label", "label": "big"}]
    assert token_for(agent).get("/api/v1/automation-rules").status_code == 403
    as_admin = Client()
    as_admin.force_login(admin)
    assert as_admin.post("/settings/labels/new/", {"label": "", "keywords": "y"}).status_code == 302
    assert LabelRule.objects.count() == 1  # refused with a message, nothing stored
