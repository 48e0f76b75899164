"""Agent replies on Facebook through the REST API, delivered to the local Graph API fake."""

from __future__ import annotations

import time

from heedful.channels.providers.meta.fake import graph_error

from .meta_hooks import PAGE_ID, PAGE_TOKEN, cases, fresh

FB = cases("facebook_cases.json")
PSID = "6100000000000001"


def _reply(api, conversation_id, text, **extra):
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text, **extra},
                    content_type="application/json")


def _conversation_of(find_message, provider_message_id):
    return find_message(provider_message_id)["conversation"]


def _newest(api, conversation_id) -> dict:
    return api.get("/api/v1/messages", {"conversation": conversation_id}).json()["results"][0]


def test_reply_to_a_messenger_conversation_uses_the_send_api(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Sorry! Let me check order #1234.")
    assert response.status_code == 201, response.content
    (request,) = graph.sent("messages")
    assert request.path == f"/v21.0/{PAGE_ID}/messages"
    assert request.json() == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                              "message": {"text": "Sorry! Let me check order #1234."}}
    assert request.headers["authorization"] == f"Bearer {PAGE_TOKEN}"
    assert "access_token" not in request.query  # kept out of URLs and their logs
    assert len(request.headers["idempotency-key"]) == 32
    sent = _newest(api, response.json()["conversation"])
    assert sent["delivery_status"] == "sent"
    assert sent["provider_message_id"].startswith("m_FAKE")


def test_the_echo_of_a_sent_reply_is_not_stored_twice(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    conversation = _conversation_of(find_message, "m_fb_text_1")
    _reply(api, conversation, "On it.")
    mid = _newest(api, conversation)["provider_message_id"]
    echo = fresh(FB["echo"])
    echo["entry"][0]["messaging"][0]["message"].update(mid=mid, text="On it.")
    event = hook(facebook, echo)
    assert event["result"]["duplicates"] == 1 and event["result"]["created"] == []
    assert api.get("/api/v1/messages", {"conversation": conversation}).json()["count"] == 2
    assert len(graph.sent("messages")) == 1  # and nothing was sent again


def test_delivery_and_read_receipts_move_the_status_forward(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    conversation = _conversation_of(find_message, "m_fb_text_1")
    graph.answer_with_ids("m_sent_1")
    _reply(api, conversation, "Here is your tracking link.")
    delivery = {"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": int(time.time() * 1000),
         "delivery": {"mids": ["m_sent_1"], "watermark": int(time.time() * 1000)}}]}]}
    assert hook(facebook, delivery)["result"]["statuses"] == 1
    assert find_message("m_sent_1")["delivery_status"] == "delivered"
    read = {"object": "page", "entry": [{"id": PAGE_ID, "time": 2, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": int(time.time() * 1000) + 5,
         "read": {"watermark": int(time.time() * 1000) + 5}}]}]}
    event = hook(facebook, read)
    assert event["result"].get("statuses") == 1, event
    assert find_message("m_sent_1")["delivery_status"] == "read"


def test_a_read_watermark_only_touches_that_customers_messages(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    hook(facebook, fresh(FB["postback"]))  # another customer
    graph.answer_with_ids("m_to_ann", "m_to_other")
    _reply(api, _conversation_of(find_message, "m_fb_text_1"), "For Ann")
    _reply(api, _conversation_of(find_message, "m_fb_postback_1"), "For the other customer")
    read = {"object": "page", "entry": [{"id": PAGE_ID, "time": 2, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": int(time.time() * 1000) + 5,
         "read": {"watermark": int(time.time() * 1000) + 5}}]}]}
    hook(facebook, read)
    assert find_message("m_to_ann")["delivery_status"] == "read"
    assert find_message("m_to_other")["delivery_status"] == "sent"


def test_public_reply_answers_the_comment_in_public(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    response = _reply(api, _conversation_of(find_message, "777_9001"), "Sorry Ann, we will sort it out.")
    assert response.status_code == 201
    (request,) = graph.sent("comments")
    assert request.path == "/v21.0/777_9001/comments"
    assert request.json() == {"message": "Sorry Ann, we will sort it out."}
    reply = _newest(api, response.json()["conversation"])
    assert reply["public"] is True and reply["delivery_status"] == "sent"
    assert reply["provider_message_id"].startswith("777_")


def test_an_answer_to_a_reply_goes_under_the_top_comment(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    hook(facebook, fresh(FB["comment_reply"]))
    _reply(api, _conversation_of(find_message, "777_9002"), "Bob, please message us.")
    assert graph.sent("comments")[0].path == "/v21.0/777_9001/comments"


def test_move_to_private_sends_a_private_reply_and_follows_the_dm(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    conversation = _conversation_of(find_message, "777_9001")
    response = api.post(f"/api/v1/conversations/{conversation}/move-to-private",
                        {"text": "Hi Ann, can you send us your order number?"}, content_type="application/json")
    assert response.status_code == 201, response.content
    (public,) = graph.sent("comments")
    assert "private message" in public.json()["message"]
    (private,) = graph.sent("messages")
    assert private.path == f"/v21.0/{PAGE_ID}/messages"
    assert private.json() == {"recipient": {"comment_id": "777_9001"},
                              "message": {"text": "Hi Ann, can you send us your order number?"}}
    assert api.get(f"/api/v1/conversations/{conversation}").json()["public"] is False
    dm = fresh({"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [
        {"sender": {"id": "6100000000000003"}, "recipient": {"id": PAGE_ID}, "timestamp": 1,
         "message": {"mid": "m_after_private", "text": "It is #5521"}}]}]})
    hook(facebook, dm)
    assert find_message("m_after_private")["conversation"] == conversation
    _reply(api, conversation, "Thanks, refund is on its way.")
    later = graph.sent("messages")[-1].json()
    assert later["recipient"] == {"id": "6100000000000003"}


def test_rate_limit_is_retried_after_the_retry_after_delay(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    graph.rate_limit(retry_after=1)
    started = time.monotonic()
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Thanks for waiting.")
    assert response.status_code == 201
    assert time.monotonic() - started >= 1.0
    assert len(graph.sent("messages")) == 2
    sent = _newest(api, response.json()["conversation"])
    assert sent["delivery_status"] == "sent"


def test_server_errors_are_temporary(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    graph.fail_next(503, graph_error(2, "Service temporarily unavailable", transient=True), {"Retry-After": "0"})
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Trying again.")
    assert len(graph.sent("messages")) == 2
    assert _newest(api, response.json()["conversation"])["delivery_status"] == "sent"


def test_an_expired_token_marks_the_channel_for_reauthorisation(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    graph.expire_token()
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Hello?")
    assert response.status_code == 201
    message = _newest(api, response.json()["conversation"])
    assert message["delivery_status"] == "failed"
    assert "expired" in message["delivery_error"]
    channel = api.get(f"/api/v1/channels/{facebook.pk}").json()
    assert channel["status"] == "needs_reauth"
    assert len(graph.sent("messages")) == 1  # a reauth failure is not retried


def test_other_client_errors_fail_without_retry(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    graph.fail_next(400, graph_error(100, "(#100) The parameter recipient is required"))
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Hello?")
    message = _newest(api, response.json()["conversation"])
    assert message["delivery_status"] == "failed"
    assert "recipient is required" in message["delivery_error"]
    assert len(graph.sent("messages")) == 1
    assert api.get(f"/api/v1/channels/{facebook.pk}").json()["status"] == "active"


def test_after_a_day_the_reply_carries_the_human_agent_tag(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"], age_seconds=3 * 86400))
    _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Sorry for the slow answer.")
    body = graph.sent("messages")[0].json()
    assert (body["messaging_type"], body["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_after_seven_days_the_reply_is_refused_with_the_reason(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"], age_seconds=8 * 86400))
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "Hello again")
    assert response.status_code == 400
    assert "7-day reply window closed" in response.json()["detail"]
    assert graph.sent("messages") == []


def test_a_messenger_text_longer_than_2000_characters_is_refused(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["text"]))
    response = _reply(api, _conversation_of(find_message, "m_fb_text_1"), "x" * 2001)
    assert response.status_code == 400
    assert "at most 2000 characters" in response.json()["detail"]
