"""Keyset pagination: a cursor is the sort key of the last row seen, never an offset.

`(priority, last_activity_at, id) < (p, t, i)` is a row-value comparison that PostgreSQL and
SQLite both evaluate against the matching index (conv_inbox, msg_thread_order), so the 1000th
page costs what the first does.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from django.db import connections
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL


def row_compare(qs: QuerySet, columns: list[str], op: str, values: list) -> QuerySet:
    """Filter `qs` to rows whose (columns...) tuple compares `op` ("<" or ">") to `values`."""
    if op not in ("<", ">"):
        raise ValueError("op must be < or >")
    model, connection = qs.model, connections[qs.db]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = [model._meta.get_field(c) for c in columns]
    sql_columns = ", ".join(f"{table}.{quote(f.column)}" for f in fields)
    params = [f.get_db_prep_value(v, connection) for f, v in zip(fields, values, strict=True)]
    placeholders = ", ".join(["%s"] * len(values))
    return qs.filter(RawSQL(f"({sql_columns}) {op} ({placeholders})", params, output_field=BooleanField()))


def encode(*values) -> str:
    """An opaque, URL-safe cursor for a sort key (ints and datetimes)."""
    raw = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, *types) -> tuple | None:
    """The sort key in a cursor, or None when it is missing or malformed."""
    if not cursor:
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(types):
            return None
        values = tuple(_convert(t, v) for t, v in zip(types, raw, strict=True))
    except (ValueError, TypeError):
        return None
    return values


def _convert(kind, value):
    if kind is datetime:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("cursor times carry a zone")
        return parsed
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError("not an integer")
    return value
