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
import operator
from typing import NamedTuple

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
    returning: list[str] | None = None,
) -> list[tuple] | None:
    """Rows given as tuples of `fields` (attnames), without model instances: on PostgreSQL one
    multi-row INSERT (psycopg2's execute_values), elsewhere bulk_create. With `returning`
    (attnames), PostgreSQL gives back those columns of the rows it inserted (not of those a
    conflict skipped); elsewhere None: the caller reads them."""
    if not rows:
        return [] if returning and connection.vendor == "postgresql" else None
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=BATCH, ignore_conflicts=ignore_conflicts)
        return None
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
    if returning:
        sql += " RETURNING " + ", ".join(quote(by_attname[name].column) for name in returning)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        got = execute_values(cursor.cursor, sql, rows, page_size=BATCH, fetch=bool(returning))
    return got if returning else None


# Staged COPY: the rows' text built ahead (the import builds it in its reading thread, so the
# writing thread only sends it), with ids drawn from the sequence there.


def reserve(model: type[models.Model], count: int) -> list[int]:
    """`count` ids drawn from the table's sequence in one query (PostgreSQL): a rolled-back
    or retried chunk leaves a gap, as any insert does."""
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


class Staged(NamedTuple):
    """COPY CSV text of model instances, every concrete field but `last`, whose cell the
    writer appends (`finish`): each line ends with the comma before it."""

    columns: list[str]  # column names, `last`'s last
    lines: list[str]


def stage(model: type[models.Model], objs: list[models.Model], *, last: str) -> Staged:
    """Draw the objects' ids (set on them) and build their COPY lines but for the attname
    `last` (PostgreSQL only). auto_now/auto_now_add fields get their value here."""
    meta = model._meta
    for obj, pk in zip(objs, reserve(model, len(objs)), strict=True):
        obj.pk = pk
    fields = [f for f in meta.concrete_fields if f.attname != last]
    autos = [
        f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    getter = operator.attrgetter(*(f.attname for f in fields))
    converters = [_converter(f) for f in fields]
    lines = []
    for obj in objs:
        for field in autos:
            field.pre_save(obj, add=True)
        cells = ["" if v is None else c(v) for v, c in zip(getter(obj), converters, strict=True)]
        cells.append("")
        lines.append(",".join(cells))
    columns = [f.column for f in fields] + [meta.get_field(last).column]
    return Staged(columns, lines)


def finish(staged: Staged, last_values: list) -> str:
    """The staged lines with their last cells (integers or None), as one COPY text."""
    return "".join(
        f"{line}\n" if value is None else f"{line}{value}\n"
        for line, value in zip(staged.lines, last_values, strict=True)
    )


def lines(model: type[models.Model], fields: list[str], rows: list[tuple]) -> str:
    """COPY CSV text of rows given as tuples of `fields` (attnames; the primary key left to
    its default)."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    converters = [_converter(by_attname[name]) for name in fields]
    return "".join(
        ",".join(["" if v is None else c(v) for v, c in zip(row, converters, strict=True)]) + "\n"
        for row in rows
    )


def copy_text(model: type[models.Model], columns: list[str], text: str) -> None:
    """COPY `text` (CSV lines of `columns`, column names) into the model's table, on the
    current connection (PostgreSQL)."""
    if not text:
        return
    quote = connection.ops.quote_name
    buffer = io.StringIO(text)
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.cursor.copy_expert(
            f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN WITH (FORMAT csv)",
            buffer,
            size=max(len(text) * 4, 8192),
        )
