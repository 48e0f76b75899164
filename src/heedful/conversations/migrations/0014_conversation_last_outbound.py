"""The newest brand message on the conversation itself: "awaiting a reply" was an anti-join on
the message table per conversation, and the SLA-at-risk count walked open conversations until it
found 100 unanswered (48 ms on a 50,000-conversation desk). Backfilled from the messages."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('channels', '0001_initial'),
        ('contacts', '0005_search_trigram_indexes'),
        ('conversations', '0013_message_negative_mentions_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='conversation',
            name='last_outbound_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunSQL(
            "UPDATE conversations_conversation SET last_outbound_at = ("
            " SELECT MAX(m.sent_at) FROM conversations_message m"
            " WHERE m.conversation_id = conversations_conversation.id AND m.direction = 'out')"
            " WHERE EXISTS (SELECT 1 FROM conversations_message m"
            " WHERE m.conversation_id = conversations_conversation.id AND m.direction = 'out')",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(condition=models.Q(('status', 'open'), models.Q(('last_outbound_at__isnull', True), ('last_outbound_at__lt', models.F('last_inbound_at')), _connector='OR')), fields=['last_inbound_at'], name='conv_open_awaiting'),
        ),
    ]
