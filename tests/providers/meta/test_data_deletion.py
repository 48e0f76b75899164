"""Meta's user data deletion callback: a signed_request POSTed to the channel's callback URL is
verified with the app secret, the app-scoped user is erased through the privacy erasure, and
Meta gets `{"url", "confirmation_code"}` with a public status page. Audited; replayed from a
captured-format fixture."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from heedful.audit.models import AuditEntry
from heedful.privacy.models import DeletionRequest

from .meta_hooks import APP_SECRET, cases, fresh

FB = cases("facebook_cases.json")
CAPTURED = cases("data_deletion.json")


def signed_request(payload: dict, secret: str = APP_SECRET) -> str:
    # Written out here rather than imported: the test must not trust the code under test.
    encoded = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    sig = base64.urlsafe_b64encode(hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest())
    return sig.rstrip(b"=").decode() + "." + encoded


def call(client, channel, value: str):
    return client.post(f"/hooks/meta/{channel.pk}/data-deletion", {"signed_request": value})


def test_the_captured_request_erases_the_customer_and_answers_with_a_status_page(client, api, facebook, hook,
                                                                                 find_message):
    hook(facebook, fresh(FB["text"]))  # from 6100000000000001, the user the captured request names
    conversation = find_message("m_fb_text_1")["conversation"]
    contact = api.get(f"/api/v1/conversations/{conversation}").json()["contact"]
    response = call(client, facebook, CAPTURED["signed_request"])
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"url", "confirmation_code"} and body["url"].endswith(f"/privacy/deletion/{body['confirmation_code']}/")
    texts = [m["text"] for m in api.get("/api/v1/messages", {"conversation": conversation}).json()["results"]]
    assert texts == ["[erased]"]
    page = client.get("/" + body["url"].split("/", 3)[3])
    assert page.status_code == 200 and body["confirmation_code"].encode() in page.content
    assert b"has been erased" in page.content
    actions = {e.action: e for e in AuditEntry.objects.all()}
    assert actions["contact.erased"].object_id == str(contact)
    assert actions["privacy.deletion_requested"].detail["outcome"] == "erased"
    assert "6100000000000001" not in json.dumps([e.detail for e in AuditEntry.objects.all()])


def test_a_bad_signature_erases_nothing(client, api, facebook, hook, find_message):
    hook(facebook, fresh(FB["text"]))
    forged = signed_request(CAPTURED["payload"], secret="not-the-app-secret")
    for value in (forged, "", "garbage", CAPTURED["signed_request"].split(".")[1]):
        response = call(client, facebook, value)
        assert response.status_code in (401, 403), value
    assert find_message("m_fb_text_1")["text"] == "My order #1234 never arrived"
    assert not DeletionRequest.objects.exists() and not AuditEntry.objects.filter(action="contact.erased").exists()


def test_a_user_heedful_never_stored_gets_a_code_too(client, facebook):
    response = call(client, facebook, signed_request({"algorithm": "HMAC-SHA256", "issued_at": 1, "user_id": "42"}))
    assert response.status_code == 200
    page = client.get(f"/privacy/deletion/{response.json()['confirmation_code']}/")
    assert b"no data about you was stored" in page.content
    assert client.get("/privacy/deletion/not-a-code/").status_code == 404


def test_the_wrong_algorithm_or_family_is_refused(client, facebook, make_channel):
    md5 = signed_request({"algorithm": "MD5", "user_id": "6100000000000001"})
    assert call(client, facebook, md5).status_code == 401
    twitter = make_channel("twitter", {"consumer_secret": "x"})
    assert client.post(f"/hooks/meta/{twitter.pk}/data-deletion",
                       {"signed_request": CAPTURED["signed_request"]}).status_code == 404
