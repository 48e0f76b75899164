"""Merge and unmerge through the API: full history kept, both contacts restored exactly."""

import json

import pytest

from heedful.audit.models import AuditEntry
from heedful.contacts.models import Contact
from heedful.events import dispatcher, names
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db


def patch(api, contact_id, body):
    response = api.patch(f"/api/v1/contacts/{contact_id}", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def merge(api, source, target):
    return api.post(f"/api/v1/contacts/{source}/merge", json.dumps({"into": target}),
                    content_type="application/json")


def state(api, contact_id) -> dict:
    """Everything the API shows about a contact (identities sorted), plus its notes."""
    data = api.get(f"/api/v1/contacts/{contact_id}").json()
    data["identities"] = sorted(data["identities"], key=lambda i: i["id"])
    data["notes"] = api.get(f"/api/v1/contacts/{contact_id}/notes").json()["results"]
    return data


@pytest.fixture
def ann_and_annie(api):
    """A: Ann by email, with attributes and a note. B: @ann_k on Twitter, two conversations."""
    email, twitter = channel("email"), channel("twitter")
    ingest(email, message("email", "ann@example.com", "Where is my parcel?", name="Ann Kay"))
    ingest(twitter, message("twitter", "1111", "@brand parcel?!", username="ann_k", name="Annie",
                            public=True, followers=250))
    ingest(twitter, message("twitter", "1111", "sent you a DM", username="ann_k", thread="dm:1111"))
    a = Contact.objects.get(identities__kind="email").pk
    b = Contact.objects.get(identities__kind="twitter").pk
    patch(api, a, {"attributes": {"plan": "gold", "city": "Leeds"}})
    patch(api, b, {"attributes": {"plan": "free", "vip": True}, "name": "Annie K"})
    for contact_id, text in ((a, "Prefers email"), (b, "Loud on Twitter")):
        assert api.post(f"/api/v1/contacts/{contact_id}/notes", {"text": text},
                        content_type="application/json").status_code == 201
    return a, b, twitter


def test_merge_then_unmerge_restores_both_contacts_exactly(api, agent, ann_and_annie):
    a, b, _ = ann_and_annie
    before = state(api, a), state(api, b)
    seen = []
    dispatcher.listen(names.CONTACT_MERGED)(listener := lambda name, payload: seen.append(payload))
    try:
        response = merge(api, b, a)
    finally:
        dispatcher._listeners[names.CONTACT_MERGED].remove(listener)
    assert response.status_code == 200, response.content
    merged = state(api, a)
    assert sorted(i["kind"] for i in merged["identities"]) == ["email", "twitter"]
    assert len(merged["timeline"]) == 3 and merged["followers_count"] == 250
    assert merged["attributes"] == {"plan": "gold", "city": "Leeds", "vip": True}  # target wins
    assert merged["name"] == "Ann Kay"
    assert {n["text"] for n in merged["notes"]} == {"Prefers email", "Loud on Twitter"}
    assert api.get(f"/api/v1/contacts/{b}").json()["merged_into"] == a
    assert [c["id"] for c in api.get("/api/v1/contacts", {"q": "ann"}).json()["results"]] == [a]
    assert seen == [{"source_id": b, "target_id": a, "merge_id": response.json()["merge"]["id"]}]

    undone = api.post(f"/api/v1/contacts/{b}/unmerge")
    assert undone.status_code == 200, undone.content
    assert (state(api, a), state(api, b)) == before
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", "actor_id"))
    assert ("contact.merged", agent.pk) in actions and ("contact.unmerged", agent.pk) in actions


def test_unmerge_keeps_later_edits_and_returns_later_conversations_of_the_source(api, ann_and_annie):
    a, b, twitter = ann_and_annie
    assert merge(api, b, a).status_code == 200
    ingest(twitter, message("twitter", "1111", "new DM after the merge", username="ann_k", thread="dm:new"))
    patch(api, a, {"attributes": {"tier": "new", "plan": "platinum"}})
    assert len(state(api, a)["timeline"]) == 4
    assert api.post(f"/api/v1/contacts/{b}/unmerge").status_code == 200
    a_after, b_after = state(api, a), state(api, b)
    assert a_after["attributes"] == {"plan": "platinum", "city": "Leeds", "tier": "new"}
    assert len(a_after["timeline"]) == 1 and len(b_after["timeline"]) == 3
    assert b_after["attributes"] == {"plan": "free", "vip": True}


def test_merge_refusals(api, ann_and_annie):
    a, b, _ = ann_and_annie
    assert merge(api, a, a).status_code == 400
    assert api.post(f"/api/v1/contacts/{a}/unmerge").status_code == 400  # not merged
    c = Contact.objects.create(name="Third")
    assert merge(api, b, a).status_code == 200
    assert merge(api, b, c.pk).status_code == 409  # already merged
    assert merge(api, a, c.pk).status_code == 200
    assert api.post(f"/api/v1/contacts/{b}/unmerge").status_code == 409  # undo the later merge first
    assert api.post(f"/api/v1/contacts/{a}/unmerge").status_code == 200
    assert api.post(f"/api/v1/contacts/{b}/unmerge").status_code == 200
    assert Contact.objects.filter(merged_into__isnull=False).count() == 0


def test_openapi_documents_the_merge_direction(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/contacts/{contact_id}/merge" in schema["paths"]
    assert "/api/v1/contacts/{contact_id}/unmerge" in schema["paths"]
    merge_in = schema["components"]["schemas"]["MergeIn"]
    assert merge_in["required"] == ["into"]
    assert "merged into it" in merge_in["properties"]["into"]["description"]
