from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0005_inbox_any_status_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='inbound_event_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
    ]
