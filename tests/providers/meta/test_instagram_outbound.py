"""Agent replies on Instagram through the REST API, delivered to the local Graph API fake."""

from __future__ import annotations

from .meta_hooks import IG_USER_ID, cases, fresh

IG = cases("instagram_cases.json")


def _reply(api, conversation_id, text):
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text},
                    content_type="application/json")


def test_dm_reply_goes_to_the_instagram_account_messages_edge(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["dm"]))
    response = _reply(api, find_message("aWdfZAG1fake_dm_1")["conversation"], "Yes, sizes S to L.")
    assert response.status_code == 201
    (request,) = graph.sent("messages")
    assert request.path == f"/v21.0/{IG_USER_ID}/messages"
    assert request.json() == {"recipient": {"id": "3300000000000001"}, "messaging_type": "RESPONSE",
                              "message": {"text": "Yes, sizes S to L."}}


def test_comment_reply_uses_the_replies_edge(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["comment"]))
    response = _reply(api, find_message("17900000000000001")["conversation"], "So sorry Maya!")
    assert response.status_code == 201
    (request,) = graph.sent("replies")
    assert request.path == "/v21.0/17900000000000001/replies"
    assert request.json() == {"message": "So sorry Maya!"}


def test_move_to_private_replies_privately_and_the_dm_thread_follows(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["comment"]))
    conversation = find_message("17900000000000001")["conversation"]
    response = api.post(f"/api/v1/conversations/{conversation}/move-to-private",
                        {"text": "Maya, could you DM us your order number?", "acknowledgement": "We sent you a DM."},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    assert graph.sent("replies")[0].json() == {"message": "We sent you a DM."}
    assert graph.sent("messages")[0].json() == {"recipient": {"comment_id": "17900000000000001"},
                                                "message": {"text": "Maya, could you DM us your order number?"}}
    dm = fresh({"object": "instagram", "entry": [{"id": IG_USER_ID, "time": 1, "messaging": [
        {"sender": {"id": "3300000000000002"}, "recipient": {"id": IG_USER_ID}, "timestamp": 1,
         "message": {"mid": "aWdf_after_private", "text": "Order 8812"}}]}]})
    hook(instagram, dm)
    assert find_message("aWdf_after_private")["conversation"] == conversation
    assert api.get(f"/api/v1/conversations/{conversation}").json()["public"] is False


def test_a_dm_longer_than_1000_bytes_is_refused(graph, hook, api, instagram, find_message):
    hook(instagram, fresh(IG["dm"]))
    response = _reply(api, find_message("aWdfZAG1fake_dm_1")["conversation"], "é" * 501)
    assert response.status_code == 400
    assert "1000 bytes" in response.json()["detail"]
