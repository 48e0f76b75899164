"""What a mail becomes: charsets, RFC 2047 headers, HTML, attachments, quotes, broken mail."""

from __future__ import annotations

import pytest

from heedful.conversations.models import Attachment

from .conftest import fixture_bytes


def only_message(api) -> dict:
    [message] = api.get("/api/v1/messages").json()["results"]
    return message


@pytest.mark.parametrize(("fixture", "subject", "text"), [
    ("charset_iso2022jp.eml", "プリンターの故障", "プリンターが動きません。至急対応してください。"),
    ("charset_shiftjis.eml", "返品について", "商品を返品したいです。よろしくお願いします。"),
    ("charset_big5.eml", "訂單問題", "我的訂單還沒有到。請幫忙查詢。"),
    ("charset_euckr.eml", "배송 문의", "주문한 상품이 아직 도착하지 않았습니다."),
    ("charset_ksc5601.eml", "환불 요청", "환불을 요청합니다. 감사합니다."),
    ("charset_cp1251.eml", "Возврат денег", "Здравствуйте, верните деньги за заказ."),
])
def test_declared_charsets_are_decoded(channel, deliver, api, fixture, subject, text):
    event = deliver(channel, fixture_bytes(fixture))
    assert event["status"] == "done"
    message = only_message(api)
    assert (message["subject"], message["text"]) == (subject, text)


def test_unknown_charset_is_read_on_a_best_effort_basis(channel, deliver, api):
    assert deliver(channel, fixture_bytes("charset_unknown.eml"))["status"] == "done"
    message = only_message(api)
    assert message["subject"] == "Qaplaé"
    assert message["text"].startswith("Café olé") and "\x00" not in message["text"]


def test_html_only_mail_is_sanitised_and_gets_plain_text(channel, deliver, api):
    deliver(channel, fixture_bytes("html_only.eml"))
    message = only_message(api)
    assert message["author"] == "Björn Müller"
    assert message["subject"] == "Rückerstattung für Bestellung 💳"
    html = message["html"].lower()
    for dangerous in ("<script", "onerror", "onload", "javascript:", "document.cookie", "<style"):
        assert dangerous not in html, dangerous
    assert "ich möchte mein geld zurück." in html
    assert 'href="https://shop.test/order/9"' in html
    assert message["text"] == "Ich möchte mein Geld zurück.\n\nKlick Bestellung\n\nDanke\nBjörn"


def test_attachments_inline_images_and_forwarded_mail(channel, deliver, api):
    deliver(channel, fixture_bytes("multipart_attachments.eml"))
    message = only_message(api)
    assert message["text"] == "The box arrived crushed. Pictures attached. Café stains too."
    assert '<img src="cid:photo1@customer.test">' in message["html"]
    attachments = {a["filename"]: a for a in message["attachments"]}
    assert set(attachments) == {"attachment-1.png", "Quittung März.pdf", "Your invoice.eml"}
    assert attachments["attachment-1.png"]["content_type"] == "image/png"
    assert attachments["Quittung März.pdf"]["content_type"] == "application/pdf"
    assert attachments["Your invoice.eml"]["content_type"] == "message/rfc822"
    assert all(a["url"] and not a["skipped_reason"] for a in attachments.values())

    stored = {a.filename: a.file.read() for a in Attachment.objects.all()}
    assert stored["Quittung März.pdf"].startswith(b"%PDF-1.4")
    assert b"Subject: Your invoice" in stored["Your invoice.eml"]
    assert stored["attachment-1.png"].startswith(b"\x89PNG")


def test_reply_display_text_drops_quotes_and_signature(channel, deliver, api):
    deliver(channel, fixture_bytes("simple_crlf.eml"))
    reply = fixture_bytes("reply_template.eml").replace(
        b"{in_reply_to}", b"<CAF-ann-0001@mail.customer.test>").replace(b" [#HF-{conversation_id}]", b"")
    event = deliver(channel, reply)
    assert event["status"] == "done"
    messages = api.get("/api/v1/messages").json()["results"]
    assert len({m["conversation"] for m in messages}) == 1
    newest = next(m for m in messages if m["provider_message_id"] == "<CAF-ann-0002@mail.customer.test>")
    assert newest["display_text"] == "That worked, thank you so much!"
    assert "> Please switch the printer off" in newest["text"]
    assert newest["reply_to_provider_id"] == "<CAF-ann-0001@mail.customer.test>"


def test_missing_from_uses_sender_and_a_bad_date_is_ignored(channel, deliver, api):
    event = deliver(channel, fixture_bytes("sender_without_from.eml"))
    assert event["status"] == "done"
    message = only_message(api)
    assert message["author"] == "Dana Reyes"
    assert message["sent_at"]  # the receiving time stands in for the unreadable Date


def test_mail_without_any_sender_fails_visibly(channel, deliver, api):
    event = deliver(channel, fixture_bytes("no_sender.eml"))
    assert event["status"] == "failed"
    assert "PayloadError" in event["last_error"] and "without a sender" in event["last_error"]
    assert api.get("/api/v1/conversations").json()["count"] == 0
    failed = api.get("/api/v1/inbound-events", {"status": "failed"}).json()
    assert [e["id"] for e in failed["results"]] == [event["id"]]


def test_garbage_body_fails_visibly_and_is_kept(channel, post_mail, api):
    from heedful.ingestion.models import InboundEvent

    raw = b"\x00\xff\xfe garbage that is not a mail \x80\x81"
    assert post_mail(channel, raw).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.status, bytes(event.raw)) == ("failed", raw)
    assert event.last_error.startswith("PayloadError")
