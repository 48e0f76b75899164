"""Full-text index on message text (PostgreSQL only; SQLite searches by substring)."""

from django.db import migrations

CREATE = "CREATE INDEX IF NOT EXISTS message_text_search ON conversations_message USING gin (to_tsvector('simple', text))"
DROP = "DROP INDEX IF EXISTS message_text_search"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0002_labels_canned_merge")]
    operations = [migrations.RunPython(create, drop)]
