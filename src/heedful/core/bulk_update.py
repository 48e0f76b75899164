"""Write changed fields of many rows in one statement, cheaply.

Django's `bulk_update` builds a CASE WHEN expression per field per row; for a batch of a
hundred rows and ten fields that is about a millisecond of Python per row, more than the rest
of the ingestion pipeline. On PostgreSQL the rows go as one JSON document, read by
`jsonb_to_recordset` into one `UPDATE ... FROM`: one query parameter instead of one per field
per row (psycopg quotes each of those into the statement in Python, and the server parses
them all). Other databases use `bulk_update`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import connections, models, router

# Fields whose Python value is what the database stores (`get_db_prep_save` only checks its
# type). Exact classes: a subclass (an encrypted TextField) prepares its value first.
PLAIN_FIELDS = {models.CharField, models.TextField, models.BooleanField, models.FloatField, models.IntegerField,
                models.BigIntegerField, models.PositiveIntegerField, models.PositiveBigIntegerField,
                models.SmallIntegerField, models.PositiveSmallIntegerField}
# ... and those whose value is JSON as it is (a JSONField's dict goes in as jsonb).
_AS_IS = PLAIN_FIELDS | {models.DateTimeField, models.DateField, models.JSONField, models.ForeignKey}


def batch_target(objs):
    """(model, database alias, connection) of a batch of objects of one model."""
    model = type(objs[0])
    db = router.db_for_write(model)
    return model, db, connections[db]


def update_rows(objs, fields: list[str]) -> None:
    """Save `fields` of every object in `objs` (all of one model, all with a primary key)."""
    objs = list(objs)
    if not objs:
        return
    model, db, connection = batch_target(objs)
    if connection.vendor != "postgresql":
        model._base_manager.using(db).bulk_update(objs, fields, batch_size=500)
        return
    targets = [model._meta.get_field(name) for name in fields]
    as_is = [type(f) in _AS_IS for f in targets]
    document = []
    for obj in objs:
        row = {"__pk": obj.pk}
        for f, plain in zip(targets, as_is, strict=True):
            value = getattr(obj, f.attname)
            row[f.column] = _json_value(value if plain else f.get_db_prep_save(value, connection))
        document.append(row)
    _update(connection, model, targets, document)


def update_values(model, rows: list[dict], fields: list[str]) -> None:
    """Save `fields` of many rows given as plain dicts (`{"pk": ..., field: value}`), without
    building model instances (thousands of rows at a time)."""
    if not rows:
        return
    db = router.db_for_write(model)
    connection = connections[db]
    meta = model._meta
    targets = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objs = [model(pk=row["pk"], **{f.attname: row[f.name] for f in targets}) for row in rows]
        model._base_manager.using(db).bulk_update(objs, fields, batch_size=500)
        return
    _update(connection, model, targets,
            [{"__pk": row["pk"], **{f.column: _json_value(row[f.name]) for f in targets}} for row in rows])


def _update(connection, model, targets, document: list[dict]) -> None:
    meta = model._meta
    quote = connection.ops.quote_name
    record = ", ".join([f"{quote('__pk')} {meta.pk.db_type(connection)}",
                        *(f"{quote(f.column)} {f.db_type(connection)}" for f in targets)])
    assignments = ", ".join(f"{quote(f.column)} = r.{quote(f.column)}" for f in targets)
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} FROM jsonb_to_recordset(%s::jsonb) AS r({record}) "
                       f"WHERE {table}.{quote(meta.pk.column)} = r.{quote('__pk')}",
                       [json.dumps(document, default=_json_default)])


def _json_value(value):
    return value.isoformat() if isinstance(value, (datetime, date)) else value


def _json_default(value):
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot go in a bulk update")
