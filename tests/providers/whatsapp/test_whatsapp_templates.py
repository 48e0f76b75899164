"""WhatsApp message templates through the REST API, against the Cloud API fake: the approved list
read from the business account (cached, refreshable), a template message checked before it is
queued and sent as Graph `type: "template"`, and the survey outside the 24-hour window."""

from __future__ import annotations

from heedful.channels.providers.whatsapp.fake import fake_template
from heedful.feedback.models import Survey

from .whatsapp_hooks import CUSTOMER, cases, fresh

WA = cases()
DAY = 24 * 3600
WABA = "102290129340398"
BODY = [{"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "A-1043"}]}]


def _setup(cloud_api, whatsapp):
    whatsapp.credentials = {**whatsapp.credentials, "waba_id": WABA}
    whatsapp.save()
    cloud_api.templates[:] = [
        fake_template("order_update", "en_US", "Hi {{1}}, your order {{2}} has shipped.", header="Order news"),
        fake_template("order_update", "es", "Hola {{1}}, tu pedido {{2}} ya salió."),
        fake_template("draft_promo", "en_US", "Not approved yet", status="PENDING"),
        *[fake_template(f"notice_{n:03d}", "en_US", "Notice") for n in range(120)],  # two pages
    ]


def _open(hook, whatsapp, find_message, age_seconds: float) -> int:
    hook(whatsapp, fresh(WA["text"], age_seconds=age_seconds))
    return find_message("wamid.TEXT001")["conversation"]


def _send(api, conversation, template):
    return api.post(f"/api/v1/conversations/{conversation}/messages", {"template": template},
                    content_type="application/json")


def test_outside_the_window_the_approved_templates_are_listed_and_cached(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    listed = api.get(f"/api/v1/conversations/{conversation}/templates").json()
    assert listed["required"] is True and listed["count"] == 122  # the pending one is not offered
    order = [t for t in listed["results"] if t["name"] == "order_update" and t["language"] == "en_US"][0]
    assert [(c["type"], c["parameters"]) for c in order["components"]] == [("HEADER", 0), ("BODY", 2)]
    reads = cloud_api.requests_to("GET", rf"/{WABA}/message_templates$")
    assert len(reads) == 2 and reads[0].headers["authorization"].startswith("Bearer ")
    cloud_api.templates.append(fake_template("late_arrival", "en_US", "Hello"))
    assert api.get(f"/api/v1/conversations/{conversation}/templates").json()["count"] == 122  # cached
    assert len(cloud_api.requests_to("GET", r"/message_templates$")) == 2
    fresh_list = api.get(f"/api/v1/conversations/{conversation}/templates?refresh=true").json()
    assert fresh_list["count"] == 123


def test_a_template_message_is_sent_as_graph_template(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    text_reply = api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "hello?"},
                          content_type="application/json")
    assert text_reply.status_code == 400 and "24-hour window" in text_reply.json()["detail"]
    answer = _send(api, conversation, {"name": "order_update", "language": "en_US", "components": BODY})
    assert answer.status_code == 201, answer.content
    assert answer.json()["text"] == "Order news\n\nHi Ann, your order A-1043 has shipped."
    (sent,) = cloud_api.template_sends()
    assert sent == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER,
                    "type": "template", "template": {"name": "order_update", "language": {"code": "en_US"},
                                                     "components": BODY}}
    newest = api.get(f"/api/v1/conversations/{conversation}/messages").json()["results"][-1]
    assert newest["delivery_status"] == "sent" and newest["provider_message_id"].startswith("wamid.FAKE")


def test_wrong_templates_are_a_422_with_a_clear_detail(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    cases_ = [
        ({"name": "no_such_template", "language": "en_US"}, "unknown template 'no_such_template'"),
        ({"name": "draft_promo", "language": "en_US"}, "unknown template 'draft_promo'"),
        ({"name": "order_update", "language": "fr"}, "approved in en_US, es, not 'fr'"),
        ({"name": "order_update", "language": "en_US", "components": BODY[:0]}, "needs 2 variable(s) in body, got 0"),
        ({"name": "order_update", "language": "en_US",
          "components": [{"type": "body", "parameters": BODY[0]["parameters"][:1]}]}, "needs 2 variable(s) in body, got 1"),
        ({"name": "order_update", "language": "en_US",
          "components": [*BODY, {"type": "header", "parameters": [{"type": "text", "text": "x"}]}]},
         "has no variables in header"),
        ({"name": "order_update", "language": "en_US", "colour": "red"}, "colour"),
    ]
    for template, detail in cases_:
        answer = _send(api, conversation, template)
        assert answer.status_code == 422, (template, answer.content)
        assert detail in answer.json()["detail"], answer.json()
    both = api.post(f"/api/v1/conversations/{conversation}/messages",
                    {"text": "hi", "template": {"name": "order_update", "language": "es", "components": BODY}},
                    content_type="application/json")
    assert both.status_code == 422 and "no text" in both.json()["detail"]
    assert cloud_api.template_sends() == []


def test_without_a_business_account_id_templates_cannot_be_read(cloud_api, hook, api, whatsapp, find_message):
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    answer = api.get(f"/api/v1/conversations/{conversation}/templates")
    assert answer.status_code == 400 and "waba_id" in answer.json()["detail"]


def test_survey_inside_the_window_is_a_normal_message(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    conversation = _open(hook, whatsapp, find_message, age_seconds=60)
    assert api.post(f"/api/v1/conversations/{conversation}/resolve").status_code == 200
    survey = api.get(f"/api/v1/conversations/{conversation}/survey").json()
    assert survey["status"] == "sent" and survey["template"] is None
    (sent,) = cloud_api.sent("messages")
    assert sent.json()["type"] == "text" and "/s/" in sent.json()["text"]["body"]


def test_survey_outside_the_window_goes_as_the_channels_survey_template(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    cloud_api.templates.append(fake_template("survey_invite", "en_US", "How did we do? Tell us here: {{1}}"))
    whatsapp.settings = {**whatsapp.settings, "survey_template": "survey_invite"}
    whatsapp.save()
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    assert api.post(f"/api/v1/conversations/{conversation}/resolve").status_code == 200
    survey = api.get(f"/api/v1/conversations/{conversation}/survey").json()
    assert survey["status"] == "sent" and survey["template"] == "survey_invite"
    (sent,) = cloud_api.template_sends()
    token = Survey.objects.get(conversation_id=conversation).token
    (parameter,) = sent["template"]["components"][0]["parameters"]
    assert sent["template"]["name"] == "survey_invite" and parameter["text"].endswith(f"/s/{token}")


def test_survey_outside_the_window_without_a_template_is_not_sent(cloud_api, hook, api, whatsapp, find_message):
    _setup(cloud_api, whatsapp)
    conversation = _open(hook, whatsapp, find_message, age_seconds=DAY + 3600)
    assert api.post(f"/api/v1/conversations/{conversation}/resolve").status_code == 200
    survey = api.get(f"/api/v1/conversations/{conversation}/survey").json()
    assert survey["status"] == "not_sent" and "24-hour window" in survey["reason"]
    assert "survey_template" in survey["reason"]
    assert cloud_api.sent("messages") == []
    whatsapp.settings = {**whatsapp.settings, "survey_template": "missing_one"}
    whatsapp.save()
    Survey.objects.all().delete()
    assert api.post(f"/api/v1/conversations/{conversation}/reopen").status_code == 200
    assert api.post(f"/api/v1/conversations/{conversation}/resolve").status_code == 200
    survey = api.get(f"/api/v1/conversations/{conversation}/survey").json()
    assert survey["status"] == "not_sent" and "unknown template 'missing_one'" in survey["reason"]
