"""Full-text search reads a stored tsvector instead of computing one per row it looks at.

The search takes the newest matching messages: for a common word PostgreSQL walks messages
newest first and tests each one, and with only an expression index it had to run to_tsvector()
on every message it passed (about 5 µs each; 165 ms for 500 matches of a word in 3% of the
messages). A generated column computes the vector once, at insert (which the expression index
did anyway), and the GIN index is built on the column. PostgreSQL only; SQLite searches by
substring. The model does not declare the column: only the search SQL reads it.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE conversations_message ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', text)) STORED",
    "CREATE INDEX IF NOT EXISTS message_search_vector ON conversations_message USING gin (search_vector)",
    "DROP INDEX IF EXISTS message_text_search",
]
BACKWARD = [
    "CREATE INDEX IF NOT EXISTS message_text_search ON conversations_message USING gin (to_tsvector('simple', text))",
    "DROP INDEX IF EXISTS message_search_vector",
    "ALTER TABLE conversations_message DROP COLUMN IF EXISTS search_vector",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("conversations", "0009_label_name_upper")]
    operations = [migrations.RunPython(forward, backward)]
