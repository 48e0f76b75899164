"""IMAP polling against a real dovecot: new mail becomes conversations exactly once."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from heedful.channels.models import Channel
from heedful.conversations.models import Message
from heedful.ingestion.models import InboundEvent
from heedful.ingestion.tasks import poll_mailboxes

from .conftest import fixture_bytes


def imap_channel(email_channel, dovecot, user, password, **settings):
    return email_channel({"imap_host": dovecot.host, "imap_port": str(dovecot.port),
                          "imap_user": user, "imap_password": password}, settings)


def poll() -> str:
    out = StringIO()
    call_command("poll_mailboxes", stdout=out)
    return out.getvalue().strip()


def test_polling_picks_up_new_mail_once(dovecot, email_channel, api):
    user, password = dovecot.new_mailbox()
    channel = imap_channel(email_channel, dovecot, user, password)
    dovecot.append(user, password, fixture_bytes("simple_crlf.eml"))
    dovecot.append(user, password, fixture_bytes("charset_iso2022jp.eml"))

    assert poll() == "stored 2 new mail(s)"
    conversations = api.get("/api/v1/conversations").json()["results"]
    assert sorted(c["subject"] for c in conversations) == ["Printer keeps jamming", "プリンターの故障"]
    event = InboundEvent.objects.get(event_key="<CAF-ann-0001@mail.customer.test>")
    assert bytes(event.raw) == fixture_bytes("simple_crlf.eml")
    cursor = Channel.objects.get(pk=channel.pk).settings["imap_cursor"]
    assert cursor["uid"] == 2 and cursor["uidvalidity"] > 0

    assert poll() == "stored 0 new mail(s)"
    assert Message.objects.count() == 2 and InboundEvent.objects.count() == 2

    # A reply arriving later is picked up and threads into the first conversation.
    reply = fixture_bytes("reply_template.eml").replace(
        b"{in_reply_to}", b"<CAF-ann-0001@mail.customer.test>").replace(b" [#HF-{conversation_id}]", b"")
    dovecot.append(user, password, reply)
    assert poll_mailboxes() == 1
    assert api.get("/api/v1/conversations").json()["count"] == 2
    first = next(c for c in conversations if c["subject"] == "Printer keeps jamming")
    assert api.get(f"/api/v1/conversations/{first['id']}").json()["messages_count"] == 2
    assert Channel.objects.get(pk=channel.pk).settings["imap_cursor"]["uid"] == 3


def test_mail_seen_by_webhook_and_imap_is_one_message(dovecot, email_channel, post_mail):
    user, password = dovecot.new_mailbox()
    channel = imap_channel(email_channel, dovecot, user, password)
    assert post_mail(channel, fixture_bytes("simple_lf.eml")).status_code == 200
    dovecot.append(user, password, fixture_bytes("simple_lf.eml"))
    assert poll() == "stored 0 new mail(s)"
    assert Message.objects.count() == 1


def test_a_new_uidvalidity_reads_the_folder_again(dovecot, email_channel):
    user, password = dovecot.new_mailbox()
    channel = imap_channel(email_channel, dovecot, user, password, imap_folder="Support")
    dovecot.append(user, password, fixture_bytes("simple_crlf.eml"), folder="Support")
    assert poll() == "stored 1 new mail(s)"
    before = Channel.objects.get(pk=channel.pk).settings["imap_cursor"]

    client = dovecot.client(user, password)  # the folder is recreated: UIDs start again at 1
    client.delete_folder("Support")
    client.logout()
    dovecot.append(user, password, fixture_bytes("charset_big5.eml"), folder="Support")

    assert poll() == "stored 1 new mail(s)"
    after = Channel.objects.get(pk=channel.pk).settings["imap_cursor"]
    assert after["uidvalidity"] != before["uidvalidity"] and after["uid"] == 1
    assert Message.objects.filter(subject="訂單問題").exists()


def test_polling_keeps_other_settings_and_skips_webhook_only_channels(dovecot, email_channel):
    user, password = dovecot.new_mailbox()
    channel = imap_channel(email_channel, dovecot, user, password, from_name="Acme Support")
    email_channel()  # no imap_host: nothing to poll
    dovecot.append(user, password, fixture_bytes("auto_reply.eml"))
    assert poll() == "stored 1 new mail(s)"
    settings = Channel.objects.get(pk=channel.pk).settings
    assert settings["from_name"] == "Acme Support" and settings["imap_cursor"]["uid"] == 1
    # Recorded, but an auto-reply opens no conversation.
    assert InboundEvent.objects.get().status == "ignored"


def test_wrong_imap_password_asks_for_reauthorisation(dovecot, email_channel):
    user, _ = dovecot.new_mailbox()
    channel = imap_channel(email_channel, dovecot, user, "wrong-password")
    assert poll() == "stored 0 new mail(s)"
    channel.refresh_from_db()
    assert channel.status == "needs_reauth" and "IMAP login refused" in channel.status_detail


def test_an_unreachable_mailbox_does_not_stop_the_others(dovecot, email_channel):
    from .conftest import free_port

    down = email_channel({"imap_host": "127.0.0.1", "imap_port": str(free_port()),
                          "imap_user": "x", "imap_password": "y"}, {"imap_timeout": 2})
    user, password = dovecot.new_mailbox()
    imap_channel(email_channel, dovecot, user, password)
    dovecot.append(user, password, fixture_bytes("charset_euckr.eml"))
    assert poll() == "stored 1 new mail(s)"
    down.refresh_from_db()
    assert down.status == "active" and "imap_cursor" not in down.settings
