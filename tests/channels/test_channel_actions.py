"""The channel writes of polling and delivery: a poll cursor, and "needs re-authorisation"."""

import pytest
from django.db import transaction

from heedful.channels import actions, cache
from heedful.channels.models import Channel
from heedful.events import names


def test_poll_cursor_is_saved_beside_the_other_settings(make_channel):
    channel = make_channel("email", settings={"signature": "Thanks", "imap_cursor": {"uid": 1}})
    with transaction.atomic():
        actions.save_poll_cursor(channel.pk, "imap_cursor", {"uid": 9, "uidvalidity": 3})
    assert Channel.objects.get(pk=channel.pk).settings == {"signature": "Thanks",
                                                           "imap_cursor": {"uid": 9, "uidvalidity": 3}}


def test_poll_cursor_of_a_deleted_channel_is_dropped(db):
    with transaction.atomic():
        actions.save_poll_cursor(987654, "imap_cursor", {"uid": 1})  # no error, nothing written
    assert not Channel.objects.exists()


def test_needs_reauth_is_stored_announced_and_seen_by_the_cache(make_channel, heard):
    channel = make_channel("email")
    assert cache.get_channel(channel.pk).status == "active"  # cached before the change

    actions.mark_needs_reauth(channel.pk, "login refused " + "x" * 600)

    stored = Channel.objects.get(pk=channel.pk)
    assert stored.status == "needs_reauth" and len(stored.status_detail) == 500
    assert stored.status_detail.startswith("login refused")
    assert cache.get_channel(channel.pk).status == "needs_reauth"
    assert heard == [(names.CHANNEL_NEEDS_REAUTH, {"channel_id": channel.pk})]


def test_needs_reauth_inside_a_failed_transaction_leaves_no_trace(make_channel, heard):
    channel = make_channel("email")
    with pytest.raises(RuntimeError), transaction.atomic():
        actions.mark_needs_reauth(channel.pk, "expired")
        raise RuntimeError
    assert Channel.objects.get(pk=channel.pk).status == "active"
    assert heard == []
