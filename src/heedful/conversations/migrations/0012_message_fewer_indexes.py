"""Two fewer indexes to maintain on every message insert.

The unique (provider id, channel) index now leads with the provider id, so it also serves the
API's lookup by provider id alone, which had its own index; agents' user ids are indexed only
where set (a user's deletion sets them null), not for every customer message. On a big desk the
new unique index is built while the table is locked: run it in a quiet window
(docs/operations.md, Upgrading).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0001_initial'),
        ('contacts', '0005_search_trigram_indexes'),
        ('conversations', '0011_message_conversation_index_in_thread_order'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='message',
            name='message_provider_id_per_channel',
        ),
        migrations.RemoveIndex(
            model_name='message',
            name='msg_provider_id',
        ),
        migrations.AlterField(
            model_name='message',
            name='author_user',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('author_user__isnull', False)), fields=['author_user'], name='msg_author_user'),
        ),
        migrations.AddConstraint(
            model_name='message',
            constraint=models.UniqueConstraint(condition=models.Q(('provider_message_id', ''), _negated=True), fields=('provider_message_id', 'channel'), name='message_provider_id_per_channel'),
        ),
    ]
