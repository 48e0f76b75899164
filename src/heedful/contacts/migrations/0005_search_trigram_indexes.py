"""Trigram indexes for substring search of contacts by name, handle and screen name (PostgreSQL).

Django's `icontains` on PostgreSQL is `UPPER(col::text) LIKE UPPER(%s)`, so the indexes are on
that same expression: the contacts list answers "ann" among a million contacts from the index,
not from a scan. Built CONCURRENTLY (no write lock on a live desk), hence not atomic. Where the
pg_trgm extension cannot be created (no privilege), search still works, without the index.
On SQLite nothing is created: the embedded desk is small and LIKE scans it.
"""

import logging

from django.db import DatabaseError, migrations

log = logging.getLogger(__name__)

INDEXES = [
    ("contact_name_trgm", "contacts_contact", "name"),
    ("identity_handle_trgm", "contacts_identity", "handle"),
    ("identity_username_trgm", "contacts_identity", "username"),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as exc:
        log.warning("pg_trgm is not available (%s); contact search runs without trigram indexes", exc)
        return
    for name, table, column in INDEXES:
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
                              f"USING gin ((UPPER({column}::text)) gin_trgm_ops)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("contacts", "0004_identity_kind_from_providers"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
