"""Automation rules as data: created through the API, fired after commit on the next matching
message, never on their own actions; loops stop and are logged; webhooks are SSRF-checked and
durable."""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler, HTTPServer
from threading import Thread

import pytest

from heedful.conversations.models import Conversation, Message
from heedful.core.safe_urls import refusal
from heedful.routing import webhooks
from heedful.routing.models import RuleRun, WebhookCall
from tests.contacts.support import channel, post_api_message

pytestmark = pytest.mark.django_db


def say(client, ch, text, thread="t-1", sender="cust-1"):
    post_api_message(client, ch, {"from": {"id": sender, "name": "Cus"}, "text": text, "thread": thread})


def create_rule(api, **body):
    response = api.post("/api/v1/automation-rules", body, content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def runs(api, rule):
    return api.get(f"/api/v1/automation-rules/{rule['id']}/runs").json()["results"]


def test_a_rule_from_the_api_fires_on_the_next_match_and_not_on_its_own_actions(api, client):
    ch = channel("api")
    say(client, ch, "my refund is late")  # before the rule exists: nothing happens
    # The reply's own text matches the rule's condition: only the guard keeps the rule from
    # answering itself.
    rule = create_rule(api, name="Refunds", event="message.created",
                       conditions=[{"field": "text", "op": "contains", "value": "refund"}],
                       actions=[{"type": "add_label", "label": "refunds"},
                                {"type": "reply", "text": "We have your refund request, thanks."},
                                {"type": "note", "text": "auto-labelled refund"}])
    assert rule["enabled"] and rule["event"] == "message.created"
    assert runs(api, rule) == []
    say(client, ch, "Where is my REFUND?")
    (run,) = runs(api, rule)
    assert run["outcome"] == "fired" and run["hop"] == 1
    assert [a["type"] for a in run["detail"]["actions"]] == ["add_label", "reply", "note"]
    conversation = Conversation.objects.get()
    assert list(conversation.labels.values_list("name", flat=True)) == ["refunds"]
    replies = Message.objects.filter(conversation=conversation, direction="out")
    assert [m.text for m in replies] == ["We have your refund request, thanks."]
    assert conversation.notes.count() == 1
    say(client, ch, "hello, something else entirely")  # no match: no firing
    assert len(runs(api, rule)) == 1
    listed = api.get("/api/v1/automation-rules").json()
    assert listed["count"] == 1 and listed["results"][0]["actions"][0] == {"type": "add_label", "label": "refunds"}


def test_conditions_on_channel_labels_and_language(api, client):
    ch = channel("api")
    rule = create_rule(api, name="French", event="message.created",
                       conditions=[{"field": "channel", "op": "eq", "value": "api"},
                                   {"field": "language", "op": "eq", "value": "fr"},
                                   {"field": "labels", "op": "not_contains", "value": "fr"}],
                       actions=[{"type": "add_label", "label": "fr"}, {"type": "set_priority", "priority": 2}])
    say(client, ch, "Hello, my parcel never arrived and I am waiting", thread="en")
    assert runs(api, rule) == []
    say(client, ch, "Bonjour, mon colis n'est jamais arrivé et j'attends toujours", thread="fr", sender="c-2")
    (run,) = runs(api, rule)
    french = Conversation.objects.get(pk=run["conversation"])
    assert list(french.labels.values_list("name", flat=True)) == ["fr"] and french.priority == 2


def test_a_rule_loop_stops_after_ten_hops_and_is_logged(api, client, caplog):
    """A bot on the other side answers every reply: each answer is a new customer message that
    matches again. The chain stops after 10 firings and the stop is logged."""
    ch = channel("api")
    rule = create_rule(api, name="Ack", event="message.created",
                       conditions=[{"field": "direction", "op": "eq", "value": "in"}],
                       actions=[{"type": "reply", "text": "Thanks, we got your message."}])
    with caplog.at_level(logging.WARNING, logger="heedful.routing.automation"):
        for n in range(12):
            say(client, ch, f"auto-response {n}: your message was received")
    outcomes = [r["outcome"] for r in reversed(runs(api, rule))]
    assert outcomes == ["fired"] * 10 + ["loop_stopped"] * 2
    stopped = RuleRun.objects.filter(outcome="loop_stopped").order_by("hop").first()
    assert stopped.hop == 11 and "more than 10" in stopped.detail["reason"]
    assert Message.objects.filter(direction="out").count() == 10
    assert "automation chain stopped" in caplog.text


def test_invalid_rules_are_422(api):
    for body in ({"name": "x", "event": "message.deleted", "actions": [{"type": "resolve"}]},
                 {"name": "x", "event": "message.created", "actions": [{"type": "explode"}]},
                 {"name": "x", "event": "message.created", "actions": []},
                 {"name": "x", "event": "message.created", "actions": [{"type": "reply"}]},
                 {"name": "x", "event": "message.created", "conditions": [{"field": "mood", "op": "eq"}],
                  "actions": [{"type": "resolve"}]},
                 {"name": "x", "event": "message.created", "actions": [{"type": "resolve"}], "colour": "red"}):
        assert api.post("/api/v1/automation-rules", body, content_type="application/json").status_code == 422, body


def test_webhook_urls_inside_the_network_are_refused(api, settings):
    for url, status in (("http://127.0.0.1:8000/x", 403), ("http://10.1.2.3/x", 403), ("http://[::1]/x", 403),
                        ("http://169.254.169.254/latest/meta-data", 403), ("http://localhost/x", 403),
                        ("ftp://example.com/x", 422)):
        assert refusal(url), url
        body = {"name": "hook", "event": "message.created", "actions": [{"type": "webhook", "url": url}]}
        response = api.post("/api/v1/automation-rules", body, content_type="application/json")
        assert response.status_code == status, url
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True
    assert refusal("http://127.0.0.1:8000/x") == ""


class _Receiver(BaseHTTPRequestHandler):
    bodies: list = []
    status = 500

    def do_POST(self):  # noqa: N802
        _Receiver.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(_Receiver.status)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_webhook_calls_are_durable_and_retried(api, client, settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True  # the receiver runs on this machine
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    Thread(target=server.serve_forever, daemon=True).start()
    _Receiver.bodies, _Receiver.status = [], 500
    try:
        ch = channel("api")
        url = f"http://127.0.0.1:{server.server_port}/hook"
        create_rule(api, name="hook", event="message.created", actions=[{"type": "webhook", "url": url}])
        say(client, ch, "please call my webhook")
        call = WebhookCall.objects.get()
        assert call.status == "pending" and call.attempts == 1 and call.last_error == "HTTP 500"
        assert _Receiver.bodies[0]["event"] == "message.created"
        _Receiver.status = 204
        assert webhooks.deliver(call.pk) == "sent"
        call.refresh_from_db()
        assert call.status == "sent" and call.attempts == 2 and call.response_status == 204
        assert len(_Receiver.bodies) == 2 and _Receiver.bodies[1]["conversation"] == Conversation.objects.get().pk
    finally:
        server.shutdown()


def test_the_acknowledgement_states_the_real_expected_wait(api, client, django_user_model):
    from datetime import timedelta

    from django.db import transaction

    from heedful.accounts.models import Profile, Role
    from heedful.core.clock import now
    from heedful.routing import actions
    from tests.contacts.support import team

    care = team("care")
    ch = channel("api", team=care)
    for name in ("ann", "bob"):
        person = django_user_model.objects.create_user(name, f"{name}@example.com", "pw-long-enough-1")
        Profile.objects.create(user=person, role=Role.AGENT).teams.set([care])
        with transaction.atomic():
            actions.set_presence(person, "online")
    # the last two hours: 8 first answers, i.e. 4 an hour
    for n in range(8):
        say(client, ch, "earlier question", thread=f"old-{n}", sender=f"old-{n}")
    Conversation.objects.update(first_response_at=now() - timedelta(minutes=30))
    for n in range(3):  # three customers still waiting
        say(client, ch, "still waiting", thread=f"w-{n}", sender=f"w-{n}")
    create_rule(api, name="Ack", event="conversation.created",
                actions=[{"type": "reply", "text": "Thanks! Expected wait: {expected_wait}."}])
    say(client, ch, "hello, new question", thread="new", sender="new")
    (ack,) = Message.objects.filter(direction="out")
    # 3 ahead + this one at 4 answers an hour: 60 minutes, shown as 36 to 90
    assert ack.text == "Thanks! Expected wait: about 36 minutes to 90 minutes (3 waiting ahead of you, 2 agents online)."
