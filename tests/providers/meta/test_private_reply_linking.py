"""A Page comment moved to private (a Messenger private reply), then answered in Messenger: Meta
tells us the commenter's PSID in the private reply's answer, and the customer's Messenger
answer (from that PSID, not their feed id) lands in the same conversation on the same contact."""

from __future__ import annotations

from .meta_hooks import PAGE_ID, cases, fresh

FB = cases("facebook_cases.json")
COMMENTER = "6100000000000003"  # Ann's id in the Page feed (the captured comment)
PSID = "24187000000000077"  # Ann's page-scoped id in Messenger, as the private reply's answer gives it


def _messenger_answer(sender: str, mid: str, text: str) -> dict:
    return fresh({"object": "page", "entry": [{"id": PAGE_ID, "time": 1, "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": PAGE_ID}, "timestamp": 1,
         "message": {"mid": mid, "text": text}}]}]})


def _identities(api, contact_id) -> set[tuple[str, str]]:
    body = api.get(f"/api/v1/contacts/{contact_id}").json()
    return {(i["kind"], i["handle"]) for i in body["identities"]}


def _move_to_private(api, conversation):
    response = api.post(f"/api/v1/conversations/{conversation}/move-to-private",
                        {"text": "Hi Ann, can you send us your order number?"}, content_type="application/json")
    assert response.status_code == 201, response.content


def test_the_messenger_answer_joins_the_commenters_contact_and_conversation(graph, hook, api, facebook,
                                                                             find_message):
    hook(facebook, fresh(FB["comment"]))
    conversation = find_message("777_9001")["conversation"]
    contact = api.get(f"/api/v1/conversations/{conversation}").json()["contact"]
    graph.private_reply_recipient("777_9001", PSID)
    _move_to_private(api, conversation)
    assert graph.sent("messages")[0].json()["recipient"] == {"comment_id": "777_9001"}
    assert _identities(api, contact) == {("facebook", COMMENTER), ("facebook", PSID)}
    hook(facebook, _messenger_answer(PSID, "m_ann_answer", "It is #5521"))
    answer = find_message("m_ann_answer")
    assert answer["conversation"] == conversation
    assert api.get(f"/api/v1/conversations/{conversation}").json()["contact"] == contact
    assert api.get("/api/v1/contacts", {"q": "Ann"}).json()["count"] == 1  # one customer, not two
    # The agent's next answer goes to the Messenger thread, by PSID.
    api.post(f"/api/v1/conversations/{conversation}/messages", {"text": "Thanks, refund is on its way."},
             content_type="application/json")
    assert graph.sent("messages")[-1].json()["recipient"] == {"id": PSID}
    linked = api.get("/api/v1/audit", {"action": "contact.identity_linked"}).json()["results"]
    assert [e["detail"]["reason"] for e in linked] == ["private reply recipient"]


def test_a_psid_that_already_wrote_to_the_page_merges_into_the_commenter(graph, hook, api, facebook,
                                                                          find_message):
    hook(facebook, _messenger_answer(PSID, "m_ann_earlier", "Hello, anyone there?"))
    earlier = find_message("m_ann_earlier")["conversation"]
    earlier_contact = api.get(f"/api/v1/conversations/{earlier}").json()["contact"]
    api.post(f"/api/v1/conversations/{earlier}/resolve")
    hook(facebook, fresh(FB["comment"]))
    conversation = find_message("777_9001")["conversation"]
    contact = api.get(f"/api/v1/conversations/{conversation}").json()["contact"]
    assert contact != earlier_contact
    graph.private_reply_recipient("777_9001", PSID)
    _move_to_private(api, conversation)
    assert _identities(api, contact) == {("facebook", COMMENTER), ("facebook", PSID)}
    merges = api.get(f"/api/v1/contacts/{contact}/merges").json()
    assert merges["results"][0]["source"] == earlier_contact, merges  # recorded, so it can be undone
    hook(facebook, _messenger_answer(PSID, "m_ann_answer", "It is #5521"))
    assert find_message("m_ann_answer")["conversation"] == conversation


def test_without_a_named_recipient_nothing_is_linked(graph, hook, api, facebook, find_message):
    hook(facebook, fresh(FB["comment"]))
    conversation = find_message("777_9001")["conversation"]
    contact = api.get(f"/api/v1/conversations/{conversation}").json()["contact"]
    _move_to_private(api, conversation)
    assert _identities(api, contact) == {("facebook", COMMENTER)}
    hook(facebook, _messenger_answer(PSID, "m_stranger", "Who is this?"))
    assert find_message("m_stranger")["conversation"] != conversation
