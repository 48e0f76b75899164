"""Right of access (export) and right to erasure, through the REST API and the pages."""

from __future__ import annotations

import io
import json
import os

import pytest
from django.core.management import call_command

from heedful.audit.models import AuditEntry
from heedful.channels.base import InboundAttachment
from heedful.contacts.models import Contact, Identity, LinkSuggestion
from heedful.conversations.models import Attachment, Conversation, Message
from heedful.ingestion.models import InboundEvent
from tests.contacts.support import channel, ingest, message, post_api_message

pytestmark = pytest.mark.django_db

# Everything personal about Ann, as it could appear anywhere.
PII = ["Ann Kay", "ann@example.com", "+442079460018", "7946 0018", "ann_k", "98765431",
       "parcel 42", "Ann is upset", "called twice", "Leeds", "order-981", "ann-app-7", "PNGDATA"]


def _json(response):
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.json()


@pytest.fixture
def ann(client, api, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    chans = {p: channel(p) for p in ("email", "twilio", "twitter", "api")}
    ingest(chans["email"], message("email", "ann@example.com", "My parcel 42 never arrived", name="Ann Kay",
                                   attachments=[InboundAttachment("photo.png", "image/png", content=b"PNGDATA 42")]))
    ingest(chans["email"], message("email", "bob@example.com", "Bob's printer is broken", name="Bob Bright"))
    ingest(chans["twilio"], message("phone", "+44 20 7946 0018", "It's Ann Kay, my email is ann@example.com"))
    ingest(chans["twitter"], message("twitter", "98765431", "@brand parcel 42 never arrived", username="ann_k",
                                     name="Ann Kay", public=True, followers=99))
    ingest(chans["twitter"], message("twitter", "98765431", "my email is ann@example.com", username="ann_k",
                                     thread="dm:98765431"))
    post_api_message(client, chans["api"], {"id": "ann-app-7", "text": "parcel 42 never arrived", "thread": "order-981",
                                            "from": {"id": "u-ann", "name": "Ann Kay", "email": "ann@example.com"}})
    contact = Contact.objects.get(identities__handle="ann@example.com")
    assert Contact.objects.filter(merged_into__isnull=True).count() == 2  # Ann and Bob
    api.patch(f"/api/v1/contacts/{contact.pk}", json.dumps({"attributes": {"city": "Leeds"}}),
              content_type="application/json")
    api.post(f"/api/v1/contacts/{contact.pk}/notes", {"text": "Ann is upset"}, content_type="application/json")
    on_email = Conversation.objects.get(contact=contact, channel=chans["email"])
    api.post(f"/api/v1/conversations/{on_email.pk}/notes", {"text": "Ann Kay called twice"},
             content_type="application/json")
    on_api = Conversation.objects.get(contact=contact, channel=chans["api"])
    reply = api.post(f"/api/v1/conversations/{on_api.pk}/messages", {"text": "Sorry Ann Kay, parcel 42 is refunded"},
                     content_type="application/json")
    assert reply.status_code == 201
    return {"contact": contact, "channels": chans}


def test_export_holds_every_message_notes_and_its_own_audit(api, ann):
    contact = ann["contact"]
    export = _json(api.get(f"/api/v1/contacts/{contact.pk}/export"))
    expected = set(Message.objects.filter(conversation__contact=contact).values_list("pk", flat=True))
    assert len(expected) == 6
    assert {m["id"] for m in export["messages"]} == expected
    texts = {m["text"] for m in export["messages"]}
    assert {"My parcel 42 never arrived", "Sorry Ann Kay, parcel 42 is refunded", "my email is ann@example.com"} <= texts
    photo = next(a for m in export["messages"] for a in m["attachments"])
    assert (photo["filename"], photo["size"], photo["stored"]) == ("photo.png", 10, True)
    assert {c["provider"] for c in export["conversations"]} == {"email", "twilio", "twitter", "api"}
    assert sorted(i["kind"] for i in export["identities"]) == ["api", "email", "phone", "twitter"]
    assert [n["text"] for n in export["contact_notes"]] == ["Ann is upset"]
    assert [n["text"] for n in export["conversation_notes"]] == ["Ann Kay called twice"]
    assert export["contact"]["attributes"] == {"city": "Leeds"}
    assert export["audit"][-1]["action"] == "contact.exported"
    assert AuditEntry.objects.filter(action="contact.exported", object_id=str(contact.pk)).count() == 1
    assert "Bob" not in json.dumps(export)


def test_only_admins_export_and_erase(django_user_model, ann):
    from django.test import Client

    from heedful.accounts.models import Role
    from tests.contacts.support import token_client, user

    supervisor = token_client(Client, user(django_user_model, "sup", Role.SUPERVISOR))
    contact = ann["contact"]
    assert supervisor.get(f"/api/v1/contacts/{contact.pk}/export").status_code == 403
    assert supervisor.delete(f"/api/v1/contacts/{contact.pk}").status_code == 404  # not their team's
    assert Contact.objects.get(pk=contact.pk).erased_at is None


def totals(api) -> dict:
    """Conversation and message counts per channel, and every report, as the API gives them."""
    per_channel = {}
    for chan in _json(api.get("/api/v1/channels"))["results"]:
        convs = _json(api.get("/api/v1/conversations", {"channel": chan["id"], "page_size": 200}))
        per_channel[chan["id"]] = (convs["count"], sum(c["messages_count"] for c in convs["results"]))
    reports = {}
    for name in _json(api.get("/api/v1/reports"))["reports"]:
        reports[name] = _json(api.get(f"/api/v1/reports/{name}", {"days": 3660}))["rows"]
    return {"channels": per_channel, "reports": reports,
            "messages": Message.objects.count(), "conversations": Conversation.objects.count()}


def every_page(api, client, admin, contact_id) -> dict[str, bytes]:
    """Everything an admin can read through the API and the pages after the erasure."""
    bodies = {}
    paths = [f"/api/v1/contacts/{contact_id}", f"/api/v1/contacts/{contact_id}/export",
             f"/api/v1/contacts/{contact_id}/notes", f"/api/v1/contacts/{contact_id}/merges",
             f"/api/v1/contacts/{contact_id}/suggestions", "/api/v1/contacts", "/api/v1/contacts?q=ann",
             "/api/v1/conversations?page_size=200", "/api/v1/conversations?q=parcel",
             "/api/v1/messages?page_size=200", "/api/v1/inbound-events", "/api/v1/audit?page_size=200",
             "/api/v1/channels"]
    for conv in Conversation.objects.all():
        paths += [f"/api/v1/conversations/{conv.pk}", f"/api/v1/conversations/{conv.pk}/messages",
                  f"/api/v1/conversations/{conv.pk}/notes"]
    paths += [f"/api/v1/inbound-events/{pk}" for pk in InboundEvent.objects.values_list("pk", flat=True)]
    for path in paths:
        bodies[path] = _json(api.get(path)) and api.get(path).content
    client.force_login(admin)
    pages = [f"/contacts/{contact_id}/", "/contacts/?q=ann", "/contacts/", "/inbox/?status=any",
             "/inbox/?q=parcel&status=any"]
    pages += [f"/conversations/{pk}/" for pk in Conversation.objects.values_list("pk", flat=True)]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        bodies[path] = response.content
    return bodies


def leaks(blobs: dict[str, bytes]) -> list[tuple[str, str]]:
    found = []
    for where, blob in blobs.items():
        text = blob.decode("utf-8", "replace").lower()
        found += [(where, p) for p in PII if p.lower() in text]
    return found


def test_erasure_removes_personal_data_everywhere_and_keeps_totals(api, client, agent, ann):
    contact = ann["contact"]
    before = totals(api)
    photo = Attachment.objects.get(filename="photo.png")
    photo_path = photo.file.path
    assert os.path.exists(photo_path)

    erased = _json(api.delete(f"/api/v1/contacts/{contact.pk}"))
    assert erased["erased"] is True and erased["messages"] == 6 and erased["identities"] == 4

    assert totals(api) == before
    found = leaks(every_page(api, client, agent, contact.pk))
    assert found == [], found
    assert not os.path.exists(photo_path)
    dump = io.StringIO()
    call_command("dumpdata", exclude=["contenttypes", "auth.permission", "sessions"], stdout=dump)
    raw_bodies = {f"raw event {e.pk}": bytes(e.raw) for e in InboundEvent.objects.all()}
    assert leaks({"database": dump.getvalue().encode(), **raw_bodies}) == []
    assert b"Bob's printer is broken" in api.get("/api/v1/conversations?q=printer").content  # others untouched
    assert all(i.blocked and i.handle.startswith("erased:") for i in Identity.objects.filter(contact=contact))
    assert AuditEntry.objects.get(action="contact.erased").detail["messages"] == 6
    bob = Contact.objects.get(identities__handle="bob@example.com").pk
    assert api.post(f"/api/v1/contacts/{contact.pk}/merge", {"into": bob}, content_type="application/json").status_code == 400


def test_an_erased_customer_writing_again_is_stored_anonymised_and_never_relinked(api, client, agent, ann):
    contact = ann["contact"]
    assert api.delete(f"/api/v1/contacts/{contact.pk}").status_code == 200
    messages_before = Message.objects.count()
    chans = ann["channels"]
    ingest(chans["email"], message("email", "Ann@Example.com", "I am Ann Kay, parcel 42?", name="Ann Kay",
                                   attachments=[InboundAttachment("again.png", "image/png", content=b"PNGDATA")]))
    ingest(channel("whatsapp"), message("whatsapp", "442079460018", "parcel 42 via WhatsApp", name="Ann Kay"))
    assert Message.objects.count() == messages_before + 2  # the brand sees that she wrote ...
    latest = Message.objects.order_by("-pk")[:2]
    assert {(m.text, m.author_name, m.conversation.contact_id) for m in latest} == {("[erased]", "[erased]", contact.pk)}
    assert Contact.objects.filter(erased_at__isnull=True, merged_into__isnull=True).count() == 1  # just Bob
    assert leaks(every_page(api, client, agent, contact.pk)) == []  # ... but not what, or who

    ingest(chans["twitter"], message("twitter", "5550001", "my email is ann@example.com", thread="dm:x"))
    assert not Identity.objects.filter(handle="ann@example.com").exists()
    assert not LinkSuggestion.objects.exists()


def test_erasing_someone_who_wrote_in_another_customers_public_thread(api):
    twitter = channel("twitter")
    ingest(twitter, message("twitter", "2001", "@brand my printer is broken", name="Bob Bright", public=True,
                            pid="t-bob"))
    reply = message("twitter", "98765431", "@brand same here, parcel 42 too", name="Ann Kay", public=True)
    reply.reply_to_ids = ["t-bob"]
    ingest(twitter, reply)
    thread = Conversation.objects.get()
    assert thread.messages_count == 2 and "parcel 42" in thread.preview
    ann = Identity.objects.get(handle="98765431").contact
    assert _json(api.delete(f"/api/v1/contacts/{ann.pk}"))["messages"] == 1
    thread.refresh_from_db()
    assert "parcel 42" not in thread.preview and thread.messages_count == 2
    texts = sorted(thread.messages.values_list("text", flat=True))
    assert texts == ["@brand my printer is broken", "[erased]"]
    found = leaks({"thread": api.get(f"/api/v1/conversations/{thread.pk}/messages").content,
                   "list": api.get("/api/v1/conversations").content})
    assert found == []
