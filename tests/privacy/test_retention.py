"""Retention per channel: `heedful purge-retention` blanks old message bodies, keeps the rows."""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings

from heedful import cli
from heedful.channels.base import InboundAttachment
from heedful.config.celery import app as celery_app
from heedful.conversations.models import Attachment, Conversation, Message
from heedful.core.clock import now
from heedful.ingestion.models import InboundEvent
from tests.contacts.support import channel, ingest, message

pytestmark = pytest.mark.django_db


def test_purge_retention_blanks_old_bodies_only(monkeypatch, capsys, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    short, forever = channel("email"), channel("email")
    short.retention_days = 30
    short.save()
    old, recent = now() - timedelta(days=45), now() - timedelta(days=2)
    for chan in (short, forever):
        ingest(chan, message("email", "ann@example.com", "old secret text", sent_at=old, thread="t-old",
                             attachments=[InboundAttachment("old.txt", "text/plain", content=b"old file")]))
        ingest(chan, message("email", "ann@example.com", "recent text", sent_at=recent, thread="t-new"))
    InboundEvent.objects.filter(channel=short).update(received_at=old)
    old_file = Attachment.objects.get(message__channel=short).file.path
    counts = (Message.objects.count(), Conversation.objects.count())

    monkeypatch.setattr(sys, "argv", ["heedful", "purge-retention"])
    cli.main()
    assert f"{short.name}: 1 messages blanked" in capsys.readouterr().out

    assert (Message.objects.count(), Conversation.objects.count()) == counts
    blanked = Message.objects.get(channel=short, sent_at=old)
    assert (blanked.text, blanked.display_text, blanked.html) == ("", "", "")
    assert not os.path.exists(old_file)
    assert Message.objects.get(channel=short, sent_at=recent).text == "recent text"
    assert Message.objects.get(channel=forever, sent_at=old).text == "old secret text"
    assert Conversation.objects.get(channel=short, thread_key="t-old").preview == ""
    assert all(bytes(e.raw) == b"" for e in InboundEvent.objects.filter(channel=short))
    assert all(bytes(e.raw) != b"" for e in InboundEvent.objects.filter(channel=forever))


def test_celery_beat_runs_the_purge_daily():
    entry = next(e for e in django_settings.CELERY_BEAT_SCHEDULE.values()
                 if e["task"] == "heedful.privacy.purge_retention")
    assert entry["schedule"] <= 24 * 3600
    celery_app.loader.import_default_modules()
    assert "heedful.privacy.purge_retention" in celery_app.tasks
