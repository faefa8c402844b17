"""Fast inserts for the import's two big tables (reviews and their events).

On PostgreSQL, `COPY … FROM STDIN` with ids drawn from the table's sequence first, so the
objects come back with their primary keys as bulk_create would give them. Measured on a small
server, bulk_create stores ≈ 18k rows/s and COPY ≈ 137k rows/s; at the import's volumes the
difference is most of the time not spent classifying. Elsewhere
(SQLite) it is plain bulk_create.

Every concrete field of the model is written, from `pre_save` (so `auto_now_add` and defaults
set on the instance apply), so a field added to the model later is covered without changes here.
"""

import io
import json

from django.db import connection, models

BATCH = 1000


def _quoted(text: str) -> str:
    # Quoted: an empty string stays an empty string, not NULL.
    return '"' + text.replace('"', '""') + '"'


def _converter(field: models.Field):
    """value -> COPY CSV cell; chosen once per field rather than tested per cell."""
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda v: _quoted(json.dumps(v, ensure_ascii=False, cls=encoder))
    if isinstance(field, models.BooleanField):
        return lambda v: "t" if v else "f"
    if isinstance(field, models.DateTimeField | models.DateField | models.TimeField):
        return lambda v: v.isoformat()
    if isinstance(
        field, models.IntegerField | models.FloatField | models.DecimalField | models.ForeignKey
    ):
        return str
    return lambda v: _quoted(str(v))


def _plan(fields) -> list[tuple]:
    plan = []
    for field in fields:
        auto = bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
        plan.append((field, field.attname, auto, _converter(field)))
    return plan


def _row(obj: models.Model, plan: list[tuple]) -> str:
    cells = []
    for field, attname, auto, convert in plan:
        # pre_save only where it does something (auto_now/auto_now_add): it is per cell.
        value = field.pre_save(obj, add=True) if auto else getattr(obj, attname)
        cells.append("" if value is None else convert(value))  # unquoted empty = NULL
    return ",".join(cells)


def insert(model: type[models.Model], objs: list[models.Model]) -> list[models.Model]:
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=BATCH)
    meta = model._meta
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
        fields = meta.concrete_fields
        plan = _plan(fields)
        buffer = io.StringIO()
        for obj in objs:
            buffer.write(_row(obj, plan))
            buffer.write("\n")
        size = buffer.tell()
        buffer.seek(0)
        columns = ", ".join(quote(field.column) for field in fields)
        # One read of the whole buffer: psycopg2 reads it in `size` pieces, each needing the
        # GIL, which the import's other thread holds most of the time. Through Django's error
        # wrapper, so a unique-key race surfaces as django.db.IntegrityError like any query's.
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)",
                buffer,
                size=max(size, 8192),
            )
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def insert_rows(model: type[models.Model], fields: list[str], rows: list[tuple]) -> list[int]:
    """Rows given as tuples of `fields` (attnames: every concrete field but the primary key),
    without model instances, by COPY with ids drawn from the sequence first; returns the ids in
    the rows' order. Elsewhere (SQLite) bulk_create."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        return [obj.pk for obj in model.objects.bulk_create(objs, batch_size=BATCH)]
    meta = model._meta
    quote = connection.ops.quote_name
    by_attname = {f.attname: f for f in meta.concrete_fields}
    converters = [_converter(by_attname[name]) for name in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        buffer = io.StringIO()
        for pk, row in zip(ids, rows, strict=True):
            buffer.write(str(pk))
            for value, convert in zip(row, converters, strict=True):
                buffer.write("," if value is None else "," + convert(value))
            buffer.write("\n")
        size = buffer.tell()
        buffer.seek(0)
        columns = ", ".join(quote(by_attname[name].column) for name in [meta.pk.attname, *fields])
        with connection.wrap_database_errors:
            cursor.cursor.copy_expert(
                f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)",
                buffer,
                size=max(size, 8192),
            )
    return ids


def insert_values(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple],
    *,
    ignore_conflicts: bool = False,
) -> None:
    """Rows given as tuples of `fields` (attnames), without model instances: on PostgreSQL one
    multi-row INSERT (psycopg2's execute_values), elsewhere bulk_create."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH, ignore_conflicts=ignore_conflicts)
        return
    from psycopg2.extras import execute_values

    meta = model._meta
    quote = connection.ops.quote_name
    by_attname = {f.attname: f for f in meta.concrete_fields}
    json_at = [i for i, name in enumerate(fields) if isinstance(by_attname[name], models.JSONField)]
    if json_at:
        rows = [
            tuple(
                json.dumps(v, ensure_ascii=False) if i in json_at else v for i, v in enumerate(row)
            )
            for row in rows
        ]
    columns = ", ".join(quote(by_attname[name].column) for name in fields)
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES %s"
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    with connection.cursor() as cursor, connection.wrap_database_errors:
        execute_values(cursor.cursor, sql, rows, page_size=BATCH)
