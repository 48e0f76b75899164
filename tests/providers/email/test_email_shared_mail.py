"""Every real-world mail of the shared corpus goes through the webhook without a server error."""

from __future__ import annotations

from heedful.conversations.models import Message
from heedful.ingestion.models import EventStatus, InboundEvent
from tests.conftest import shared_data

from .conftest import TOKEN

CORPUS = ("emails", "ruby_mail_gem_fixtures")


def corpus_files():
    root = shared_data(*CORPUS)
    return root, sorted(root.rglob("*.eml"))


def test_every_corpus_mail_is_stored_and_processed(client, make_channel, api):
    root, files = corpus_files()
    assert len(files) > 90
    outcomes: dict[str, str] = {}
    for path in files:
        name = str(path.relative_to(root))
        # One channel per mail: several corpus mails share a Message-ID, which would rightly
        # be treated as replays of one mail on a single channel.
        channel = make_channel("email", {"address": "support@brand.test", "inbound_token": TOKEN})
        raw = path.read_bytes()
        response = client.post(f"/hooks/email/{channel.pk}", raw, content_type="message/rfc822",
                               HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
        assert response.status_code == 200, (name, response.status_code)
        event = InboundEvent.objects.get(pk=response.json()["event_id"])
        assert bytes(event.raw) == raw, name
        if event.status == EventStatus.DONE:
            assert event.result["created"] or event.result["statuses"], name
        elif event.status == EventStatus.IGNORED:
            assert event.result["ignored"], name
        else:
            assert event.status == EventStatus.FAILED, (name, event.status)
            assert event.last_error.startswith("PayloadError: "), (name, event.last_error)
        outcomes[name] = event.status
    made = [n for n, s in outcomes.items() if s == EventStatus.DONE]
    failed = sorted(n for n, s in outcomes.items() if s == EventStatus.FAILED)
    # Only mail with no sender address anywhere may fail; everything else is read.
    assert failed == ["error_emails/bad_encoded_subject.eml"], failed
    assert len(made) >= 90, sorted(set(outcomes) - set(made))
    # Failures stay visible to operators with their reason.
    listed = api.get("/api/v1/inbound-events", {"status": "failed"}).json()["results"]
    assert len(listed) == len(failed) and all(e["last_error"] for e in listed)


def by_file(client, make_channel, relative: str) -> Message:
    root, _ = corpus_files()
    channel = make_channel("email", {"address": "support@brand.test", "inbound_token": TOKEN})
    response = client.post(f"/hooks/email/{channel.pk}", (root / relative).read_bytes(),
                           content_type="message/rfc822", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return Message.objects.get(channel=channel)


def test_non_utf8_corpus_mail_reads_as_real_text(client, make_channel):
    shift_jis = by_file(client, make_channel, "multi_charset/japanese_shift_jis.eml")
    assert "このメールはテスト用のメールです。" in shift_jis.text
    assert "今後ともよろしくお願い申し上げます！" in shift_jis.text
    iso_2022 = by_file(client, make_channel, "multi_charset/japanese_iso_2022.eml")
    assert (iso_2022.subject, iso_2022.text) == ("まみむめも", "すみません。")
    utf8 = by_file(client, make_channel, "multi_charset/japanese.eml")
    assert utf8.text.startswith("かきくえこ") and utf8.display_text == "かきくえこ"
    korean = by_file(client, make_channel, "multi_charset/ks_c_5601-1987.eml")
    assert korean.text == "스티해"
    korean_subject = by_file(client, make_channel, "plain_emails/raw_email.eml")
    assert korean_subject.subject == "NOTE: 한국말로 하는 것"
    long_name = by_file(client, make_channel, "multi_charset/japanese_attachment_long_name.eml")
    assert long_name.subject == "まみむめも" * 10
