"""Topic labels from keyword rules: the API, the pipeline's route step, skills and reports."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from heedful.accounts.models import Role
from heedful.channels.base import ParsedEvent
from heedful.conversations.models import Conversation
from heedful.core.clock import now
from heedful.ingestion import pipeline
from heedful.ingestion.models import InboundEvent
from tests.contacts.support import channel, ingest, message, team, token_client, user

pytestmark = pytest.mark.django_db


def add_rule(api, **body):
    response = api.post("/api/v1/label-rules", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def labels_of(ch, handle):
    conversation = Conversation.objects.filter(channel=ch, contact__identities__handle=handle).latest("created_at")
    return sorted(conversation.labels.values_list("name", flat=True))


def test_label_rules_api_admin_writes_agents_read(api, django_user_model):
    rule = add_rule(api, label="refunds", keywords=["refund", " money   back ", "REFUND"])
    assert rule["keywords"] == ["refund", "money back"] and rule["channel"] is None and rule["enabled"]
    agent = token_client(Client, user(django_user_model, "ann", Role.AGENT, teams=[team("care")]))
    assert agent.get("/api/v1/label-rules").json()["results"][0]["label"] == "refunds"
    assert agent.post("/api/v1/label-rules", {"label": "x", "keywords": ["y"]},
                      content_type="application/json").status_code == 403
    assert agent.patch(f"/api/v1/label-rules/{rule['id']}", {"enabled": False},
                       content_type="application/json").status_code == 403
    assert agent.delete(f"/api/v1/label-rules/{rule['id']}").status_code == 403
    for bad in ({"label": "x", "keywords": []}, {"label": "x", "keywords": ["y"], "colour": "red"},
                {"label": "", "keywords": ["y"]}, {"label": "x", "keywords": "refund"}):
        assert api.post("/api/v1/label-rules", bad, content_type="application/json").status_code == 422, bad
    assert api.post("/api/v1/label-rules", {"label": "x", "keywords": ["y"], "channel": 999999},
                    content_type="application/json").status_code == 404
    changed = api.patch(f"/api/v1/label-rules/{rule['id']}", {"keywords": ["chargeback"], "enabled": False},
                        content_type="application/json")
    assert changed.status_code == 200 and changed.json()["keywords"] == ["chargeback"]
    assert changed.json()["enabled"] is False and changed.json()["label"] == "refunds"
    assert api.delete(f"/api/v1/label-rules/{rule['id']}").status_code == 204
    assert api.get("/api/v1/label-rules").json()["count"] == 0
    assert api.delete(f"/api/v1/label-rules/{rule['id']}").status_code == 404


def test_keywords_label_conversations_as_messages_arrive(api):
    email, twitter = channel("email"), channel("twitter")
    add_rule(api, label="refunds", keywords=["refund", "money back"])
    add_rule(api, label="outage", keywords=["down", "not loading"], channel=twitter.pk)
    ingest(email, message("email", "a@example.com", "I want my MONEY\n back, this is a refund request"))
    ingest(email, message("email", "b@example.com", "It was refunded already, thanks. The site is down."))
    ingest(twitter, message("twitter", "tw-1", "@brand app is down again, and I want a refund", public=True))
    ingest(email, message("email", "c@example.com", "Hello, a question about sizes"))
    assert labels_of(email, "a@example.com") == ["refunds"]
    assert labels_of(email, "b@example.com") == []  # whole words only; the outage rule is Twitter's
    assert labels_of(twitter, "tw-1") == ["outage", "refunds"]
    assert labels_of(email, "c@example.com") == []
    conversation = Conversation.objects.filter(channel=twitter).get()
    data = api.get(f"/api/v1/conversations/{conversation.pk}").json()
    assert sorted(data["labels"]) == ["outage", "refunds"]
    assert api.get("/api/v1/conversations?label=outage").json()["count"] == 1


def test_a_changed_rule_applies_to_the_next_message_and_a_deleted_one_no_more(api):
    email = channel("email")
    rule = add_rule(api, label="delivery", keywords=["parcel"])
    ingest(email, message("email", "a@example.com", "Where is my parcel?"))
    assert labels_of(email, "a@example.com") == ["delivery"]
    api.patch(f"/api/v1/label-rules/{rule['id']}", {"keywords": ["courier"]}, content_type="application/json")
    ingest(email, message("email", "b@example.com", "Where is my parcel?"))
    ingest(email, message("email", "c@example.com", "The courier never came"))
    assert labels_of(email, "b@example.com") == [] and labels_of(email, "c@example.com") == ["delivery"]
    api.patch(f"/api/v1/label-rules/{rule['id']}", {"enabled": False}, content_type="application/json")
    ingest(email, message("email", "d@example.com", "The courier never came"))
    assert labels_of(email, "d@example.com") == []
    api.patch(f"/api/v1/label-rules/{rule['id']}", {"enabled": True}, content_type="application/json")
    api.delete(f"/api/v1/label-rules/{rule['id']}")
    ingest(email, message("email", "e@example.com", "The courier never came"))
    assert labels_of(email, "e@example.com") == []


def test_labelling_costs_the_same_queries_for_5_or_40_messages(api):
    twitter = channel("twitter")
    for i in range(30):
        add_rule(api, label=f"topic-{i}", keywords=[f"word{i}", f"phrase number {i}"])
    ingest(twitter, message("twitter", "warm-up", "hello", public=True))

    def queries_for(count, prefix):
        msgs = [message("twitter", f"{prefix}-{i}", f"about word{i % 30} and phrase number {(i + 1) % 30}",
                        public=True) for i in range(count)]
        event = InboundEvent.objects.create(channel=twitter, provider="twitter", event_key=prefix, raw=b"{}")
        event = InboundEvent.objects.select_related("channel").get(pk=event.pk)
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            pipeline.apply([event], {event.pk: ParsedEvent(messages=msgs)})
        return len(captured.captured_queries)

    assert queries_for(5, "a") == queries_for(40, "b")
    labelled = Conversation.objects.filter(contact__identities__handle="b-7").get()
    assert sorted(labelled.labels.values_list("name", flat=True)) == ["topic-7", "topic-8"]


def test_rule_labels_feed_skill_assignment(api, django_user_model):
    care = team("care")
    email = channel("email", team=care)
    people = {n: user(django_user_model, n, Role.AGENT, teams=[care]) for n in ("ann", "bob")}
    assert api.patch(f"/api/v1/teams/{care.pk}", {"assignment": "skill", "capacity": 5},
                     content_type="application/json").status_code == 200
    for name, skills in (("ann", ["sizes"]), ("bob", ["refunds"])):
        assert api.patch(f"/api/v1/agents/{people[name].pk}/routing", {"languages": ["en"], "skills": skills},
                         content_type="application/json").status_code == 200
        assert token_client(Client, people[name]).post("/api/v1/presence", {"status": "online"},
                                                       content_type="application/json").status_code == 200
    add_rule(api, label="Refunds", keywords=["refund"])
    ingest(email, message("email", "r@example.com", "Hello, I would like a refund for my broken order please"))
    conversation = Conversation.objects.get(channel=email)
    assert conversation.assignee.username == "bob"
    decision = api.get(f"/api/v1/assignment-decisions?conversation={conversation.pk}").json()["results"][0]
    assert "knows refunds" in decision["reason"]


def test_rule_labels_are_a_report_dimension(api):
    email = channel("email")
    add_rule(api, label="refunds", keywords=["refund"])
    ingest(email, message("email", "a@example.com", "Please refund my order", sent_at=now()))
    ingest(email, message("email", "b@example.com", "Please change my address", sent_at=now()))
    since = (now() - timedelta(days=1)).isoformat()
    labelled = api.get("/api/v1/reports/resolution", {"since": since, "label": "refunds"}).json()["rows"]
    everything = api.get("/api/v1/reports/resolution", {"since": since}).json()["rows"]
    assert sum(r["conversations"] for r in labelled) == 1
    assert sum(r["conversations"] for r in everything) == 2
