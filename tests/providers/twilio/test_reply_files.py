"""MMS replies: Twilio is handed signed, expiring Heedful links (MediaUrl) and fetches the files
itself; the fake does so too, through the real signed-link view, and keeps what it got."""

from __future__ import annotations

import time
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core import signing
from django.test import Client

from heedful.channels.providers.twilio.fake import FakeTwilioAPI
from heedful.conversations.models import Attachment, Conversation
from heedful.outbound.models import OutboundMessage

from .test_twilio import TOKEN, post, sms

JPEG = b"\xff\xd8\xff\xe0" + b"\x22" * 500
VCARD = b"BEGIN:VCARD\nVERSION:3.0\nFN:Acme support\nEND:VCARD\n"


def fetch_through_heedful(url: str):
    """Twilio fetches the MediaUrl; here the fake fetches it from this very app."""
    parts = urlsplit(url)
    response = Client().get(parts.path)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, response.get("Content-Type", ""), body


@pytest.fixture
def fake():
    with FakeTwilioAPI(fetch=fetch_through_heedful) as server:
        yield server


@pytest.fixture
def channel(make_channel, fake):
    return make_channel("twilio", {"account_sid": "AC123", "auth_token": TOKEN, "phone_number": "+15005550006"},
                        {"api_base_url": fake.base_url})


def reply(api, conversation_id, text, *files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [SimpleUploadedFile(n, c, content_type=t) for n, t, c in files]
    return api.post(f"/api/v1/conversations/{conversation_id}/messages", {"text": text, "files": uploads})


def conversation_id(client, channel) -> int:
    post(client, channel, sms("SM1", "Can you send a photo of the part?"))
    return Conversation.objects.get().pk


def test_mms_reply_hands_twilio_signed_links_it_can_fetch(client, channel, api, fake):
    cid = conversation_id(client, channel)
    response = reply(api, cid, "The part, and our card.", ("part.jpg", "image/jpeg", JPEG),
                     ("acme.vcf", "text/vcard", VCARD))
    assert response.status_code == 201, response.content
    [request] = fake.requests_to("POST", r"/Messages\.json$")
    form = parse_qsl(request.body.decode())
    urls = [v for k, v in form if k == "MediaUrl"]
    assert dict(form)["Body"] == "The part, and our card." and len(urls) == 2
    assert all(u.startswith("http://") and "/files/" in u for u in urls)
    [(sid, media)] = fake.media.items()
    assert sid.startswith("MM")
    assert media == [("image/jpeg", JPEG), ("text/vcard", VCARD)]
    assert OutboundMessage.objects.get().status == "sent"


def test_signed_links_expire_and_cannot_be_forged(client, channel, api, fake, monkeypatch):
    cid = conversation_id(client, channel)
    reply(api, cid, "", ("part.jpg", "image/jpeg", JPEG))
    [url] = [v for k, v in parse_qsl(fake.requests[0].body.decode()) if k == "MediaUrl"]
    path = urlsplit(url).path
    assert Client().get(path).status_code == 200
    forged = path.replace("/files/", "/files/x")
    assert Client().get(forged).status_code == 404
    later = time.time() + 3601
    monkeypatch.setattr(signing.time, "time", lambda: later)
    assert Client().get(path).status_code == 404
    # A customer's inbound file is never served by a signed link, even with a valid token.
    from heedful.conversations.attachments import NewFile, signed_token, store

    monkeypatch.undo()
    customer_message = Attachment.objects.get().message.conversation.messages.get(direction="in")
    inbound = store(customer_message, NewFile("x.jpg", "image/jpeg", JPEG))
    assert Client().get(f"/files/{signed_token(inbound.pk)}/x.jpg").status_code == 404


def test_mms_limits_are_checked_before_queueing(client, channel, api, fake):
    cid = conversation_id(client, channel)
    too_big = reply(api, cid, "", ("a.jpg", "image/jpeg", b"\xff" * (3 * 1024 * 1024)),
                    ("b.jpg", "image/jpeg", b"\xff" * (3 * 1024 * 1024)))
    assert too_big.status_code == 422
    assert "Twilio MMS takes at most 5.0 MB of files per reply" in too_big.json()["detail"]
    zip_file = reply(api, cid, "", ("a.zip", "application/zip", b"PK\x03\x04"))
    assert zip_file.status_code == 422 and "does not accept application/zip" in zip_file.json()["detail"]
    assert not fake.requests and not OutboundMessage.objects.exists()
