"""Negative customer messages by time, for the virality check: it read the whole message table
every routing sweep. Partial, so only those messages pay for it on insert."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('channels', '0001_initial'),
        ('contacts', '0005_search_trigram_indexes'),
        ('conversations', '0012_message_fewer_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('automated', False), ('direction', 'in'), ('sentiment__lte', -0.05)), fields=['sent_at'], include=('channel',), name='msg_negative_mentions'),
        ),
    ]
