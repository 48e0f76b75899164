"""Migration conversations.0014 fills `last_outbound_at` from the messages already stored."""

from datetime import timedelta

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from heedful.core.clock import now

BEFORE = [("conversations", "0013_message_negative_mentions_index")]


def _migrate(targets=None):
    """To `targets`, or back to the newest migration of every app (going back to 0013 also
    unapplied what came after 0014: later tests need the whole schema)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_backfill_takes_the_newest_brand_message(make_channel):
    channel = make_channel("api")
    apps = _migrate(BEFORE)
    try:
        Contact = apps.get_model("contacts", "Contact")
        Conversation = apps.get_model("conversations", "Conversation")
        Message = apps.get_model("conversations", "Message")
        at = now() - timedelta(hours=3)
        contact = Contact.objects.create(name="Old Customer")
        answered, silent = (Conversation.objects.create(channel_id=channel.pk, contact=contact, created_at=at,
                                                        last_activity_at=at, last_inbound_at=at) for _ in range(2))
        for minutes, direction, conversation in ((0, "in", answered), (10, "out", answered), (20, "out", answered),
                                                 (0, "in", silent)):
            Message.objects.create(conversation=conversation, channel_id=channel.pk, direction=direction,
                                   sent_at=at + timedelta(minutes=minutes), created_at=at)
    finally:
        apps = _migrate()
    Conversation = apps.get_model("conversations", "Conversation")
    assert Conversation.objects.get(pk=answered.pk).last_outbound_at == at + timedelta(minutes=20)
    assert Conversation.objects.get(pk=silent.pk).last_outbound_at is None
