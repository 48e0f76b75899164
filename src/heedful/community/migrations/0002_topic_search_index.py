"""Full-text search: a GIN index on the stored `search_vector` (PostgreSQL only; the embedded
SQLite mode searches without it)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS topic_search_gin ON community_topic USING gin (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS topic_search_gin")


class Migration(migrations.Migration):
    dependencies = [("community", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
