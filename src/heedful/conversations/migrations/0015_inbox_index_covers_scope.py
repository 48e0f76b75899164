"""The inbox indexes carry team, channel and assignee: a team agent's first page walked the
inbox order and read each conversation row to test the scope (index-only now). PostgreSQL only;
elsewhere the same indexes without the extra columns."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('channels', '0001_initial'),
        ('contacts', '0005_search_trigram_indexes'),
        ('conversations', '0014_conversation_last_outbound'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='conversation',
            name='conv_inbox',
        ),
        migrations.RemoveIndex(
            model_name='conversation',
            name='conv_inbox_any',
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(fields=['status', '-priority', '-last_activity_at', '-id'], include=('team', 'channel', 'assignee'), name='conv_inbox'),
        ),
        migrations.AddIndex(
            model_name='conversation',
            index=models.Index(fields=['-priority', '-last_activity_at', '-id'], include=('team', 'channel', 'assignee'), name='conv_inbox_any'),
        ),
    ]
