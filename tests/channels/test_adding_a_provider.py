"""Adding a provider is one package: the throwaway `pigeon` provider (tests/channels/pigeon),
registered for these tests only, works through the webhook, the inbox, the contact page, linking,
replies, export and erasure without any edit outside its package."""

from __future__ import annotations

import json

import pytest

from heedful.channels import registry
from heedful.contacts.models import Contact, Identity, LinkSuggestion
from heedful.conversations.models import Conversation, Message
from heedful.ingestion.models import InboundEvent
from tests.channels.pigeon import provider as pigeon

TOKEN = "loft-secret"


@pytest.fixture
def pigeon_channel(api):
    registry.register(pigeon.PigeonProvider)
    pigeon.SENT.clear()
    response = api.post("/api/v1/channels", {"provider": "pigeon", "name": "Loft",
                                             "credentials": {"loft_token": TOKEN, "wingspan_cm": "64"}},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    yield response.json()["id"]
    registry.unregister("pigeon")


def fly(client, channel_id, ring, sender, text, name="Ann Kay"):
    body = json.dumps({"ring": ring, "from": sender, "name": name, "text": text})
    response = client.post(f"/hooks/pigeon/{channel_id}", body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    return response


def test_credentials_are_checked_against_the_providers_schema(api, pigeon_channel):
    unknown = api.post("/api/v1/channels", {"provider": "pigeon", "name": "Loft 2",
                                            "credentials": {"loft_token": "x", "beak": "sharp"}},
                       content_type="application/json")
    assert unknown.status_code == 422
    assert "beak: unknown key" in unknown.json()["detail"]
    badly_typed = api.patch(f"/api/v1/channels/{pigeon_channel}", {"credentials": {"wingspan_cm": "wide"}},
                            content_type="application/json")
    assert badly_typed.status_code == 422
    assert "wingspan_cm" in badly_typed.json()["detail"] and "wide" not in badly_typed.json()["detail"]


def test_inbox_contact_page_and_reply(client, api, agent, pigeon_channel):
    fly(client, pigeon_channel, "r-1", "loft-7", "My scroll got wet")
    assert client.post(f"/hooks/pigeon/{pigeon_channel}", b"{}", content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    conversation = Conversation.objects.get()
    client.force_login(agent)
    inbox = client.get("/inbox/").content.decode()
    assert "My scroll got wet" in inbox and 'data-glyph="pigeon"' in inbox
    page = client.get(f"/contacts/{conversation.contact_id}/").content.decode()
    assert "Pigeon post" in page and "loft-7" in page

    too_long = api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "x" * 141},
                        content_type="application/json")
    assert too_long.status_code == 400 and "pigeon" in too_long.json()["detail"]
    sent = api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "Drying it now"},
                    content_type="application/json")
    assert sent.status_code in (200, 201), sent.content
    assert [r.text for r in pigeon.SENT] == ["Drying it now"]
    assert pigeon.SENT[0].payload["to"] == "loft-7"


def test_linking_uses_the_kinds_declared_facts(client, pigeon_channel):
    fly(client, pigeon_channel, "r-1", "loft-7", "It's Ann, my email is ann@example.com")
    ann = Identity.objects.get(kind="pigeon", handle="loft-7").contact
    assert set(ann.identities.values_list("kind", "handle")) == {("pigeon", "loft-7"), ("email", "ann@example.com")}
    # One pigeon account per person: another loft giving the same email is a suggestion, not a merge.
    fly(client, pigeon_channel, "r-2", "loft-9", "my email is ann@example.com", name="Ann K")
    other = Identity.objects.get(kind="pigeon", handle="loft-9").contact
    assert other.pk != ann.pk and Contact.objects.get(pk=other.pk).merged_into_id is None
    assert LinkSuggestion.objects.filter(reason="same email, different accounts").exists()


def test_export_and_erasure(client, api, pigeon_channel):
    fly(client, pigeon_channel, "r-1", "loft-7", "Ann Kay here, scroll 42 is lost")
    contact = Identity.objects.get(kind="pigeon").contact
    export = api.get(f"/api/v1/contacts/{contact.pk}/export").json()
    assert [(i["kind"], i["handle"]) for i in export["identities"]] == [("pigeon", "loft-7")]
    assert [m["text"] for m in export["messages"]] == ["Ann Kay here, scroll 42 is lost"]

    assert api.delete(f"/api/v1/contacts/{contact.pk}").status_code in (200, 204)
    identity = Identity.objects.get(kind="pigeon")
    assert identity.blocked and identity.handle.startswith("erased:")
    assert Message.objects.get().text == "[erased]"
    event = InboundEvent.objects.get()
    assert bytes(event.raw) == b"" and event.event_key.startswith("erased:")
    # The same customer writes again: stored anonymised under the erased contact.
    fly(client, pigeon_channel, "r-2", "loft-7", "Ann again")
    assert Message.objects.filter(text="[erased]").count() == 2
    assert Contact.objects.count() == 1
