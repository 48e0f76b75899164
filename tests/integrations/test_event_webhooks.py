"""Outgoing event webhooks through the REST API, delivered over real HTTP to a local receiver:
signed, durable, retried with the same delivery id, visible attempt by attempt, redeliverable,
and never sent inside the network unless HEEDFUL_WEBHOOK_ALLOW_PRIVATE says so."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from heedful.core import jobs
from heedful.core.clock import now
from heedful.devtools.fakeserver import FakeProviderServer, Reply
from heedful.integrations.models import WebhookDelivery
from tests.contacts.support import channel, post_api_message

pytestmark = pytest.mark.django_db
SECRET = "whsec-test-7f3a"


class Receiver(FakeProviderServer):
    """A brand's integration: answers 204 on /hook, redirects on /moved."""

    def setup_routes(self) -> None:
        self.route("POST", r"/hook", lambda recorded, match: Reply(204, {}))
        self.route("POST", r"/moved", lambda recorded, match: Reply(302, {}, {"Location": "/hook"}))

    def hits(self, path: str = "/hook"):
        return self.requests_to("POST", "^" + path + "$")


@pytest.fixture
def receiver(settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True  # the receiver runs on this machine
    with Receiver() as server:
        yield server


def subscribe(api, url, events, secret=SECRET, status=201):
    response = api.post("/api/v1/webhooks", {"url": url, "events": events, "secret": secret},
                        content_type="application/json")
    assert response.status_code == status, response.content
    return response.json()


def deliveries(api, webhook):
    response = api.get(f"/api/v1/webhooks/{webhook['id']}/deliveries")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def expected_signature(body: bytes, secret: str = SECRET) -> str:
    # Written out here rather than imported: the test must not trust the code under test.
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def say(client, ch, text, thread="t-1", sender="cust-1"):
    post_api_message(client, ch, {"from": {"id": sender, "name": "Cus"}, "text": text, "thread": thread})


def make_due():
    """Time passes: every pending retry is due now."""
    WebhookDelivery.objects.filter(status="pending").update(next_attempt_at=now() - timedelta(seconds=1))


def test_each_event_is_posted_signed_with_its_delivery_id(api, client, receiver):
    hook = subscribe(api, receiver.base_url + "/hook",
                     ["message.created", "conversation.created", "conversation.resolved"])
    assert "secret" not in hook and hook["events"] == ["message.created", "conversation.created",
                                                        "conversation.resolved"]
    ch = channel("api")
    say(client, ch, "my parcel is late")
    events = [r.json()["event"] for r in receiver.hits()]
    assert sorted(events) == ["conversation.created", "message.created"]
    for recorded in receiver.hits():
        body = recorded.json()
        assert recorded.headers["x-heedful-signature"] == expected_signature(recorded.body)
        assert recorded.headers["x-heedful-delivery"] == body["delivery"]
        assert recorded.headers["content-type"] == "application/json"
        assert set(body) == {"event", "delivery", "created_at", "data"}
    created = next(r.json() for r in receiver.hits() if r.json()["event"] == "message.created")
    assert created["data"]["message"]["text"] == "my parcel is late"
    assert created["data"]["message"]["direction"] == "in"
    conversation_id = created["data"]["conversation"]["id"]
    assert created["data"]["conversation"]["provider"] == "api"
    assert api.post(f"/api/v1/conversations/{conversation_id}/resolve").status_code == 200
    (resolved,) = [r.json() for r in receiver.hits() if r.json()["event"] == "conversation.resolved"]
    assert resolved["data"]["conversation"]["status"] == "resolved"
    # the survey sent on resolving is an outgoing message.created of its own
    survey = [r.json()["data"]["message"] for r in receiver.hits()[2:] if r.json()["event"] == "message.created"]
    assert [m["direction"] for m in survey] == ["out"]
    listed = deliveries(api, hook)
    assert len(listed) == 4 and {d["status"] for d in listed} == {"sent"}
    assert listed[0]["attempt_log"][0]["outcome"] == "sent" and listed[0]["attempt_log"][0]["response_status"] == 204


def test_an_unsubscribed_event_is_not_sent_and_another_webhook_gets_its_own_delivery(api, client, receiver):
    only_resolved = subscribe(api, receiver.base_url + "/hook", ["conversation.resolved"])
    both = subscribe(api, receiver.base_url + "/hook", ["conversation.created"], secret="other-secret")
    say(client, channel("api"), "hello")
    (hit,) = receiver.hits()
    assert hit.json()["event"] == "conversation.created"
    assert hit.headers["x-heedful-signature"] == expected_signature(hit.body, "other-secret")
    assert deliveries(api, only_resolved) == [] and len(deliveries(api, both)) == 1


def test_a_failed_delivery_is_retried_with_backoff_and_keeps_its_id_and_body(api, client, receiver):
    hook = subscribe(api, receiver.base_url + "/hook", ["message.created"])
    receiver.fail_next(503, {"error": "down for maintenance"})
    say(client, channel("api"), "please retry me")
    (first,) = receiver.hits()
    (delivery,) = deliveries(api, hook)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_error"] == "HTTP 503" and delivery["next_attempt_at"] > now().isoformat()
    assert jobs.run("heedful.integrations.sweep", ()) == 0  # not due yet: backoff
    make_due()
    assert jobs.run("heedful.integrations.sweep", ()) == 1
    first_try, second = receiver.hits()
    assert second.body == first.body  # the same bytes, so the same delivery id and signature
    assert second.headers["x-heedful-delivery"] == first.headers["x-heedful-delivery"] == delivery["id"]
    (delivery,) = deliveries(api, hook)
    assert delivery["status"] == "sent" and delivery["attempts"] == 2
    assert [(a["number"], a["outcome"], a["response_status"]) for a in delivery["attempt_log"]] == [
        (1, "retry", 503), (2, "sent", 204)]


def test_after_the_last_attempt_the_delivery_fails_and_can_be_redelivered(api, client, receiver, settings):
    settings.HEEDFUL_WEBHOOK_MAX_ATTEMPTS = 2
    hook = subscribe(api, receiver.base_url + "/hook", ["message.created"])
    receiver.fail_next(500, times=2)
    say(client, channel("api"), "nobody home")
    make_due()
    jobs.run("heedful.integrations.sweep", ())
    (delivery,) = deliveries(api, hook)
    assert delivery["status"] == "failed" and delivery["attempts"] == 2
    make_due()
    assert jobs.run("heedful.integrations.sweep", ()) == 0  # failed deliveries are left alone
    response = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver")
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "sent" and response.json()["attempts"] == 3
    assert len({r.headers["x-heedful-delivery"] for r in receiver.hits()}) == 1 and len(receiver.hits()) == 3
    unknown = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/00000000-0000-0000-0000-000000000000/redeliver")
    assert unknown.status_code == 404


def test_redirects_are_not_followed(api, client, receiver):
    hook = subscribe(api, receiver.base_url + "/moved", ["message.created"])
    say(client, channel("api"), "where do you go")
    assert len(receiver.hits("/moved")) == 1 and receiver.hits("/hook") == []
    (delivery,) = deliveries(api, hook)
    assert delivery["status"] == "pending" and "redirects are not followed" in delivery["last_error"]


def test_urls_inside_the_network_are_refused_at_creation_and_at_send(api, client, receiver, settings):
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = False
    for url in ("http://127.0.0.1:8000/x", "http://10.1.2.3/x", "http://[::1]/x", "http://localhost/x",
                "http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/x", "ftp://example.com/x",
                "http://user:pw@example.com/x"):
        response = api.post("/api/v1/webhooks", {"url": url, "events": ["message.created"]},
                            content_type="application/json")
        assert response.status_code == 422, (url, response.content)
    # Saved while allowed (or while the name pointed outside), refused when it is sent.
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = True
    hook = subscribe(api, receiver.base_url + "/hook", ["message.created"])
    settings.HEEDFUL_WEBHOOK_ALLOW_PRIVATE = False
    say(client, channel("api"), "sneaky")
    assert receiver.hits() == []
    (delivery,) = deliveries(api, hook)
    assert delivery["status"] == "refused" and "loopback, private or link-local" in delivery["last_error"]


def test_webhooks_are_admin_only_and_validated(api, client, receiver, django_user_model):
    from tests.contacts.support import token_client, user

    agent = token_client(type(client), user(django_user_model, "plain-agent"))
    assert agent.get("/api/v1/webhooks").status_code == 403
    assert agent.post("/api/v1/webhooks", {"url": receiver.base_url + "/hook", "events": ["message.created"]},
                      content_type="application/json").status_code == 403
    for body in ({"url": receiver.base_url + "/hook", "events": ["message.exploded"]},
                 {"url": receiver.base_url + "/hook", "events": []},
                 {"url": receiver.base_url + "/hook", "events": ["message.created"], "colour": "red"},
                 {"events": ["message.created"]}):
        assert api.post("/api/v1/webhooks", body, content_type="application/json").status_code == 422, body
    created = api.post("/api/v1/webhooks", {"url": receiver.base_url + "/hook", "events": ["message.created"]},
                       content_type="application/json").json()
    generated = created["secret"]
    assert len(generated) >= 32
    hook_id = created["id"]
    assert "secret" not in api.get(f"/api/v1/webhooks/{hook_id}").json()
    assert generated not in json.dumps(api.get("/api/v1/webhooks").json())
    assert agent.get(f"/api/v1/webhooks/{hook_id}/deliveries").status_code == 403
    patched = api.patch(f"/api/v1/webhooks/{hook_id}", {"events": ["conversation.created"], "active": False},
                        content_type="application/json")
    assert patched.status_code == 200 and patched.json()["events"] == ["conversation.created"]
    say(client, channel("api"), "inactive hooks get nothing")
    assert receiver.hits() == []
    api.patch(f"/api/v1/webhooks/{hook_id}", {"active": True, "secret": "rotated"}, content_type="application/json")
    say(client, channel("api"), "now it does", thread="t-2", sender="cust-2")
    (hit,) = receiver.hits()
    assert hit.headers["x-heedful-signature"] == expected_signature(hit.body, "rotated")
    assert api.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    assert api.get(f"/api/v1/webhooks/{hook_id}").status_code == 404
    actions = [e["action"] for e in api.get("/api/v1/audit", {"object_type": "webhook"}).json()["results"]]
    assert actions == ["webhook.deleted", "webhook.updated", "webhook.updated", "webhook.created"]


def test_assignment_reopening_and_merges_are_events_too(api, client, receiver, agent):
    subscribe(api, receiver.base_url + "/hook", ["conversation.assigned", "conversation.reopened", "contact.merged"])
    ch = channel("api")
    say(client, ch, "first", thread="a", sender="c-1")
    say(client, ch, "second", thread="b", sender="c-2")
    first, second = sorted(api.get("/api/v1/conversations").json()["results"], key=lambda c: c["id"])
    api.post(f"/api/v1/conversations/{first['id']}/assign", {"assignee": agent.pk}, content_type="application/json")
    api.post(f"/api/v1/conversations/{first['id']}/resolve")
    assert api.post(f"/api/v1/conversations/{first['id']}/reopen").status_code == 200
    merged = api.post(f"/api/v1/contacts/{second['contact']}/merge", {"into": first["contact"]},
                      content_type="application/json")
    assert merged.status_code == 200, merged.content
    bodies = [r.json() for r in receiver.hits()]
    assert [b["event"] for b in bodies] == ["conversation.assigned", "conversation.reopened", "contact.merged"]
    assert bodies[0]["data"]["conversation"]["assignee"] == agent.pk
    assert bodies[1]["data"]["conversation"]["status"] == "open"
    assert bodies[2]["data"] == {"source": second["contact"], "target": first["contact"],
                                 "merge": bodies[2]["data"]["merge"]}


def test_erasing_the_customer_blanks_their_deliveries(api, client, receiver):
    hook = subscribe(api, receiver.base_url + "/hook", ["message.created"])
    receiver.fail_next(500)
    say(client, channel("api"), "my card is 4111 and my name is Ann")
    (delivery,) = deliveries(api, hook)
    contact = api.get("/api/v1/conversations").json()["results"][0]["contact"]
    assert api.delete(f"/api/v1/contacts/{contact}").status_code in (200, 204)
    stored = WebhookDelivery.objects.get()
    assert "Ann" not in stored.body and stored.status == "failed"
    again = api.post(f"/api/v1/webhooks/{hook['id']}/deliveries/{delivery['id']}/redeliver")
    assert again.status_code == 400 and len(receiver.hits()) == 1


def test_a_survey_answer_is_an_event_and_logs_hold_no_bodies(api, client, receiver, caplog):
    import logging
    import re

    subscribe(api, receiver.base_url + "/hook", ["survey.answered", "message.created"])
    say(client, channel("api"), "thanks for the help with order 5521")
    conversation = api.get("/api/v1/conversations").json()["results"][0]["id"]
    receiver.fail_next(500)  # a failed attempt is logged: with ids, never the body or the secret
    with caplog.at_level(logging.DEBUG):
        api.post(f"/api/v1/conversations/{conversation}/resolve")
    survey_text = next(r.json()["data"]["message"]["text"] for r in receiver.hits()
                       if r.json()["event"] == "message.created" and r.json()["data"]["message"]["direction"] == "out")
    token = re.search(r"/s/([A-Za-z0-9_-]+)", survey_text).group(1)
    answered = client.post(f"/s/{token}", {"csat": "5", "why": "fastest", "why_text": ""})
    assert answered.status_code in (200, 302), answered.content
    (survey,) = [r.json()["data"]["survey"] for r in receiver.hits() if r.json()["event"] == "survey.answered"]
    assert survey["csat"] == 5 and survey["why"] == "fastest" and survey["conversation"] == conversation
    assert "attempt 1: retry" in caplog.text
    assert token not in caplog.text and SECRET not in caplog.text and "order 5521" not in caplog.text
