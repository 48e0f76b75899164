"""Surveys after a resolution: on the conversation's own channel and never in public, at most one
per customer per week, and a small form page that works without JavaScript or a session."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client

from heedful.accounts.models import Profile, Role, Team
from heedful.contacts.models import Contact
from heedful.conversations import actions
from heedful.conversations.models import Conversation, Direction, Message
from heedful.core.clock import now
from heedful.feedback import actions as feedback
from heedful.feedback.models import Survey, SurveyStatus


def conversation(channel, contact=None, *, public=False, last_in=None):
    contact = contact or Contact.objects.create(name="Cleo")
    at = last_in or now()
    with transaction.atomic():
        conv = actions.open_conversation(channel, contact, public=public, at=at)
        actions.append_message(conv, direction=Direction.IN, text="help please", sent_at=at, public=public)
    return conv


def resolve(agent, conv):
    with transaction.atomic():
        actions.resolve(agent, conv)
    return Survey.objects.filter(conversation=conv).first()


def test_resolution_sends_a_survey_link_on_the_same_channel(make_channel, agent, settings):
    settings.HEEDFUL_BASE_URL = "https://desk.brand.test"
    conv = conversation(make_channel("api"))
    survey = resolve(agent, conv)
    assert survey.status == SurveyStatus.SENT
    message = Message.objects.get(pk=survey.message_id)
    assert message.conversation_id == conv.pk and message.direction == Direction.OUT and not message.public
    assert message.automated and f"https://desk.brand.test/s/{survey.token}" in message.text
    assert len(survey.token) >= 40


def test_public_conversation_without_a_private_route_gets_no_survey(make_channel, agent):
    conv = conversation(make_channel("api"), public=True)
    survey = resolve(agent, conv)
    assert survey.status == SurveyStatus.NOT_SENT and "no private route" in survey.reason
    assert not Message.objects.filter(conversation=conv, direction=Direction.OUT).exists()
    assert feedback.find(survey.token) is None  # a link never sent opens nothing


def test_whatsapp_outside_the_24_hour_window_is_recorded_not_sent(make_channel, agent):
    channel = make_channel("whatsapp", {"phone_number_id": "1", "app_secret": "s", "verify_token": "v",
                                        "access_token": "t"})
    conv = conversation(channel, last_in=now() - timedelta(hours=30))
    survey = resolve(agent, conv)
    assert survey.status == SurveyStatus.NOT_SENT and "24-hour window" in survey.reason
    assert not Message.objects.filter(conversation=conv, direction=Direction.OUT).exists()


def test_one_survey_per_customer_per_week_across_channels(make_channel, agent):
    cleo = Contact.objects.create(name="Cleo")
    first = resolve(agent, conversation(make_channel("api", name="a"), cleo))
    assert first.status == SurveyStatus.SENT
    assert resolve(agent, conversation(make_channel("email", {"address": "s@brand.test"}), cleo)) is None
    Survey.objects.filter(pk=first.pk).update(created_at=now() - timedelta(days=8))
    assert resolve(agent, conversation(make_channel("api", name="b"), cleo)).status == SurveyStatus.SENT


@pytest.fixture
def survey(make_channel, agent):
    return resolve(agent, conversation(make_channel("api")))


def test_page_works_without_javascript_or_session_and_takes_one_answer(survey):
    browser = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: the link's token is the key
    page = browser.get(f"/s/{survey.token}")
    body = page.content.decode()
    assert page.status_code == 200 and "<script" not in body and 'name="viewport"' in body
    assert "Why did you choose API today?" in body and 'name="csat"' in body and 'value="usual_channel"' in body
    assert page["Referrer-Policy"] == "no-referrer" and "default-src 'none'" in page["Content-Security-Policy"]
    bad = browser.post(f"/s/{survey.token}", {"csat": "9", "why": "fastest"})
    assert bad.status_code == 400 and b"Please choose a score from 1 to 5." in bad.content
    bad = browser.post(f"/s/{survey.token}", {"csat": "3", "why": "<script>"})
    assert bad.status_code == 400
    ok = browser.post(f"/s/{survey.token}", {"csat": "5", "why": "other", "why_text": "<img src=x onerror=alert(1)>"})
    assert ok.status_code == 200 and b"Thank you" in ok.content
    survey.refresh_from_db()
    assert (survey.csat, survey.why, survey.status) == (5, "other", SurveyStatus.ANSWERED)
    assert survey.why_text == "<img src=x onerror=alert(1)>"  # stored as written, escaped when shown
    browser.post(f"/s/{survey.token}", {"csat": "1", "why": "fastest"})
    survey.refresh_from_db()
    assert survey.csat == 5


def test_unknown_or_mangled_tokens_are_404(survey):
    assert Client().get(f"/s/{survey.token[:-1]}").status_code == 404
    assert Client().get("/s/" + "x" * 70).status_code == 404
    assert Client().post(f"/s/{survey.token}x", {"csat": "5", "why": "fastest"}).status_code == 404


def test_answers_show_on_the_contact_page_but_not_to_the_handling_agent(client, survey, agent, django_user_model):
    Client().post(f"/s/{survey.token}", {"csat": "2", "why": "tried_before_not_resolved", "why_text": "<b>again</b>"})
    client.force_login(agent)  # an admin
    page = client.get(f"/contacts/{survey.contact_id}/").content.decode()
    assert 'data-heedful="survey-answers"' in page and "CSAT 2/5" in page and "&lt;b&gt;again&lt;/b&gt;" in page
    handler = django_user_model.objects.create_user("handler", "h@example.com", "pw-123456789")
    team = Team.objects.create(name="care")
    Profile.objects.create(user=handler, role=Role.AGENT).teams.add(team)
    Conversation.objects.filter(pk=survey.conversation_id).update(team=team, assignee=handler)
    client.force_login(handler)
    page = client.get(f"/contacts/{survey.contact_id}/")
    assert page.status_code == 200 and b"survey-answers" not in page.content and b"CSAT" not in page.content
    assert re.search(rb"CSAT \d", page.content) is None


def test_erasing_the_customer_removes_their_words_and_kills_the_link(api, survey):
    Client().post(f"/s/{survey.token}", {"csat": "3", "why": "other", "why_text": "my neighbour Jo Bloggs said so"})
    assert api.delete(f"/api/v1/contacts/{survey.contact_id}").status_code in (200, 204)
    old = survey.token
    survey.refresh_from_db()
    assert survey.why_text == "" and survey.csat == 3 and survey.token != old
    assert Client().get(f"/s/{old}").status_code == 404
