"""The queue's ordering key and the board's open-review counters, kept by triggers.

- `reviews_review.queue_due`: the next due minute of the review's open agent tasks
  (outreach: state in OPEN_PLAN_STATES and kind in AGENT_KINDS or channel phone), or
  9999-12-31 when none. Triggers on outreach_plannedcontact recompute it for the reviews a
  statement touched, whatever code wrote the plans (the planner, set-based hand-off, COPY,
  the admin); a trigger on the review recomputes it when anything else writes it (a
  `save()` of a review read before its plans changed would otherwise put back a stale value).
- `reviews_openload`: open reviews per (shop, assignee or 0, needs_triage, serious), kept by
  triggers on reviews_review (INSERT, UPDATE, DELETE; COPY and bulk updates included).

PostgreSQL uses statement-level triggers with transition tables (one statement per
statement, however many rows), SQLite row-level ones — as migration 0006 does. The
lists below are outreach.models' OPEN_PLAN_STATES and AGENT_KINDS and reviews'
OPEN_STATUSES as of this migration (tests/outreach/test_queue_key.py checks they agree).
"""

import datetime
import importlib
from decimal import Decimal

import django.db.models.deletion
import django.db.models.functions.comparison
from django.conf import settings
from django.db import migrations, models

# SQLite adds a NOT NULL column by rebuilding the table, which breaks the report triggers that
# name it (see 0018): they are dropped first and made again after. A later migration that
# rebuilds reviews_review on SQLite must do the same with this one's triggers.
report_triggers = importlib.import_module("reviews.migrations.0006_report_triggers")


def on_sqlite(function):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            function(apps, schema_editor)

    return run


OPEN_PLAN_STATES = "('planned', 'claimed', 'due', 'missed')"
AGENT_KINDS = "('revise_followup', 'reply_task', 'first_call', 'apology_call', 'care_call')"
OPEN_STATUSES = "('new', 'contacting', 'agreed', 'declined', 'unreachable')"
PG_NOTHING = "'9999-12-31 00:00:00+00'::timestamptz"
SQLITE_NOTHING = "'9999-12-31 00:00:00'"


def _next_due(review_id: str, nothing: str) -> str:
    return (
        f"COALESCE((SELECT MIN(p.due_at) FROM outreach_plannedcontact p"
        f" WHERE p.review_id = {review_id} AND p.state IN {OPEN_PLAN_STATES}"
        f" AND (p.kind IN {AGENT_KINDS} OR p.channel = 'phone')), {nothing})"
    )


PG_FUNCTIONS = f"""
CREATE OR REPLACE FUNCTION reviews_queue_due_refresh(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    UPDATE reviews_review r SET queue_due = k.due
    FROM (SELECT i.id, {_next_due("i.id", PG_NOTHING)} AS due
          FROM (SELECT DISTINCT unnest(ids) AS id) i) k
    WHERE r.id = k.id AND r.queue_due IS DISTINCT FROM k.due;
$$;

CREATE OR REPLACE FUNCTION reviews_queue_due_plans() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reviews_queue_due_refresh(ARRAY(SELECT review_id FROM new_rows));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM reviews_queue_due_refresh(ARRAY(
            SELECT n.review_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.review_id <> o.review_id OR n.due_at IS DISTINCT FROM o.due_at
               OR n.state <> o.state OR n.kind <> o.kind OR n.channel <> o.channel
            UNION ALL
            SELECT o.review_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.review_id <> o.review_id));
    ELSE
        PERFORM reviews_queue_due_refresh(ARRAY(SELECT review_id FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reviews_queue_due_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.queue_due := {_next_due("NEW.id", PG_NOTHING)};
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION reviews_open_load() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reviews_openload (shop_id, agent_id, triage, serious, open)
        SELECT shop_id, COALESCE(assigned_to_id, 0), needs_triage, severity = 'serious', COUNT(*)
        FROM new_rows WHERE status IN {OPEN_STATUSES}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (shop_id, agent_id, triage, serious)
        DO UPDATE SET open = reviews_openload.open + EXCLUDED.open;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO reviews_openload (shop_id, agent_id, triage, serious, open)
        SELECT shop_id, COALESCE(assigned_to_id, 0), needs_triage, severity = 'serious', -COUNT(*)
        FROM old_rows WHERE status IN {OPEN_STATUSES}
        GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (shop_id, agent_id, triage, serious)
        DO UPDATE SET open = reviews_openload.open + EXCLUDED.open;
    ELSE
        INSERT INTO reviews_openload (shop_id, agent_id, triage, serious, open)
        SELECT shop_id, agent, triage, serious, SUM(d) FROM (
            SELECT shop_id, COALESCE(assigned_to_id, 0) AS agent, needs_triage AS triage,
                   severity = 'serious' AS serious, 1 AS d
            FROM new_rows WHERE status IN {OPEN_STATUSES}
            UNION ALL
            SELECT shop_id, COALESCE(assigned_to_id, 0), needs_triage, severity = 'serious', -1
            FROM old_rows WHERE status IN {OPEN_STATUSES}
        ) moves
        GROUP BY 1, 2, 3, 4 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (shop_id, agent_id, triage, serious)
        DO UPDATE SET open = reviews_openload.open + EXCLUDED.open;
    END IF;
    RETURN NULL;
END $$;
"""

PG_TRIGGERS = [
    "CREATE TRIGGER outreach_plannedcontact_queue_ins AFTER INSERT ON outreach_plannedcontact"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION reviews_queue_due_plans()",
    "CREATE TRIGGER outreach_plannedcontact_queue_upd AFTER UPDATE ON outreach_plannedcontact"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION reviews_queue_due_plans()",
    "CREATE TRIGGER outreach_plannedcontact_queue_del AFTER DELETE ON outreach_plannedcontact"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION reviews_queue_due_plans()",
    "CREATE TRIGGER reviews_review_queue_guard BEFORE UPDATE OF queue_due ON reviews_review"
    " FOR EACH ROW WHEN (NEW.queue_due IS DISTINCT FROM OLD.queue_due AND pg_trigger_depth() = 0)"
    " EXECUTE FUNCTION reviews_queue_due_guard()",
    "CREATE TRIGGER reviews_review_load_ins AFTER INSERT ON reviews_review"
    " REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reviews_open_load()",
    "CREATE TRIGGER reviews_review_load_upd AFTER UPDATE ON reviews_review"
    " REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION reviews_open_load()",
    "CREATE TRIGGER reviews_review_load_del AFTER DELETE ON reviews_review"
    " REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reviews_open_load()",
]


def _sqlite_refresh(review_id: str) -> str:
    return (
        f"UPDATE reviews_review SET queue_due = {_next_due(review_id, SQLITE_NOTHING)}"
        f" WHERE id = {review_id};"
    )


def _sqlite_load(row: str, delta: int) -> str:
    return (
        f"INSERT INTO reviews_openload (shop_id, agent_id, triage, serious, open)"
        f" SELECT {row}.shop_id, COALESCE({row}.assigned_to_id, 0), {row}.needs_triage,"
        f" {row}.severity = 'serious', {delta} WHERE {row}.status IN {OPEN_STATUSES}"
        f" ON CONFLICT (shop_id, agent_id, triage, serious)"
        f" DO UPDATE SET open = open + excluded.open;"
    )


SQLITE_TRIGGERS = [
    "CREATE TRIGGER outreach_plannedcontact_queue_ins AFTER INSERT ON outreach_plannedcontact"
    f" BEGIN {_sqlite_refresh('NEW.review_id')} END",
    "CREATE TRIGGER outreach_plannedcontact_queue_upd AFTER UPDATE ON outreach_plannedcontact"
    f" BEGIN {_sqlite_refresh('NEW.review_id')} {_sqlite_refresh('OLD.review_id')} END",
    "CREATE TRIGGER outreach_plannedcontact_queue_del AFTER DELETE ON outreach_plannedcontact"
    f" BEGIN {_sqlite_refresh('OLD.review_id')} END",
    # Recursive triggers are off in SQLite: this one's own update does not fire it again.
    "CREATE TRIGGER reviews_review_queue_guard AFTER UPDATE OF queue_due ON reviews_review"
    f" BEGIN {_sqlite_refresh('NEW.id')} END",
    "CREATE TRIGGER reviews_review_load_ins AFTER INSERT ON reviews_review"
    f" BEGIN {_sqlite_load('NEW', 1)} END",
    "CREATE TRIGGER reviews_review_load_upd AFTER UPDATE ON reviews_review"
    f" BEGIN {_sqlite_load('OLD', -1)} {_sqlite_load('NEW', 1)} END",
    "CREATE TRIGGER reviews_review_load_del AFTER DELETE ON reviews_review"
    f" BEGIN {_sqlite_load('OLD', -1)} END",
]

TRIGGERS = [
    ("outreach_plannedcontact", "outreach_plannedcontact_queue_ins"),
    ("outreach_plannedcontact", "outreach_plannedcontact_queue_upd"),
    ("outreach_plannedcontact", "outreach_plannedcontact_queue_del"),
    ("reviews_review", "reviews_review_queue_guard"),
    ("reviews_review", "reviews_review_load_ins"),
    ("reviews_review", "reviews_review_load_upd"),
    ("reviews_review", "reviews_review_load_del"),
]


def backfill(apps, schema_editor):
    """The key and the counters from the rows already there, before the triggers exist (the
    report trigger is held off on PostgreSQL: the key is no report figure)."""
    pg = schema_editor.connection.vendor == "postgresql"
    nothing = PG_NOTHING if pg else SQLITE_NOTHING
    if pg:
        schema_editor.execute(
            "ALTER TABLE reviews_review DISABLE TRIGGER reviews_review_report_upd"
        )
    schema_editor.execute(
        f"UPDATE reviews_review SET queue_due = {_next_due('reviews_review.id', nothing)}"
        f" WHERE id IN (SELECT review_id FROM outreach_plannedcontact"
        f" WHERE state IN {OPEN_PLAN_STATES})"
    )
    if pg:
        schema_editor.execute("ALTER TABLE reviews_review ENABLE TRIGGER reviews_review_report_upd")
    schema_editor.execute(
        "INSERT INTO reviews_openload (shop_id, agent_id, triage, serious, open)"
        " SELECT shop_id, COALESCE(assigned_to_id, 0), needs_triage, severity = 'serious',"
        f" COUNT(*) FROM reviews_review WHERE status IN {OPEN_STATUSES} GROUP BY 1, 2, 3, 4"
    )


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS)
        for sql in PG_TRIGGERS:
            schema_editor.execute(sql)
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise RuntimeError(f"queue triggers are not written for {vendor}")


def drop_triggers(apps, schema_editor):
    pg = schema_editor.connection.vendor == "postgresql"
    for table, name in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if pg else ""))
    if pg:
        for function in ("queue_due_plans()", "queue_due_guard()", "open_load()"):
            schema_editor.execute(f"DROP FUNCTION IF EXISTS reviews_{function}")
        schema_editor.execute("DROP FUNCTION IF EXISTS reviews_queue_due_refresh(bigint[])")


# The queue's search (outreach.queue) matches text and buyer nicks with icontains, which
# Django writes UPPER(col::text) LIKE UPPER(%q%): trigram indexes on that expression let
# PostgreSQL find three characters or more without reading the lane. SQLite scans.
SEARCH_INDEXES = [
    ("review_text_trgm", "reviews_review", "text"),
    ("buyer_nick_trgm", "reviews_buyer", "nick"),
]


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in SEARCH_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table}"
            f" USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, _table, _column in SEARCH_INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def clear(apps, schema_editor):
    schema_editor.execute("DELETE FROM reviews_openload")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0020_kuaishou_platform"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="OpenLoad",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("agent_id", models.BigIntegerField()),
                ("triage", models.BooleanField()),
                ("serious", models.BooleanField()),
                ("open", models.IntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name="openload",
            name="shop",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="reviews.shop",
            ),
        ),
        migrations.AddConstraint(
            model_name="openload",
            constraint=models.UniqueConstraint(
                fields=("shop", "agent_id", "triage", "serious"), name="openload_key"
            ),
        ),
        migrations.RunPython(
            on_sqlite(report_triggers.drop_triggers), on_sqlite(report_triggers.create_triggers)
        ),
        migrations.AddField(
            model_name="review",
            name="queue_due",
            field=models.DateTimeField(
                db_default=datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                default=datetime.datetime(9999, 12, 31, 0, 0, tzinfo=datetime.UTC),
                editable=False,
            ),
        ),
        migrations.RunPython(
            on_sqlite(report_triggers.create_triggers), on_sqlite(report_triggers.drop_triggers)
        ),
        migrations.RunPython(backfill, clear),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                models.F("assigned_to"),
                models.F("queue_due"),
                models.Case(
                    models.When(severity="serious", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "amount",
                        models.Value(Decimal("-1")),
                        output_field=models.DecimalField(decimal_places=2, max_digits=12),
                    ),
                    descending=True,
                ),
                models.F("reviewed_at"),
                models.F("id"),
                condition=models.Q(
                    ("status__in", ["new", "contacting", "agreed", "declined", "unreachable"])
                ),
                name="review_queue_mine",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                models.F("assigned_to"),
                models.F("queue_due"),
                models.Case(
                    models.When(severity="serious", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "amount",
                        models.Value(Decimal("-1")),
                        output_field=models.DecimalField(decimal_places=2, max_digits=12),
                    ),
                    descending=True,
                ),
                models.F("reviewed_at"),
                models.F("id"),
                condition=models.Q(("status__in", ["revised", "replied", "closed"])),
                name="review_queue_done",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                models.F("shop"),
                models.F("queue_due"),
                models.Case(
                    models.When(severity="serious", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "amount",
                        models.Value(Decimal("-1")),
                        output_field=models.DecimalField(decimal_places=2, max_digits=12),
                    ),
                    descending=True,
                ),
                models.F("reviewed_at"),
                models.F("id"),
                condition=models.Q(
                    ("assigned_to__isnull", True),
                    ("status__in", ["new", "contacting", "agreed", "declined", "unreachable"]),
                ),
                name="review_queue_unassigned",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                models.F("shop"),
                models.F("queue_due"),
                models.Case(
                    models.When(severity="serious", then=models.Value(0)),
                    default=models.Value(1),
                    output_field=models.IntegerField(),
                ),
                models.OrderBy(
                    django.db.models.functions.comparison.Coalesce(
                        "amount",
                        models.Value(Decimal("-1")),
                        output_field=models.DecimalField(decimal_places=2, max_digits=12),
                    ),
                    descending=True,
                ),
                models.F("reviewed_at"),
                models.F("id"),
                condition=models.Q(
                    ("needs_triage", True),
                    ("status__in", ["new", "contacting", "agreed", "declined", "unreachable"]),
                ),
                name="review_queue_triage",
            ),
        ),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(
                models.F("shop"),
                models.OrderBy(models.F("severity"), descending=True),
                models.F("reviewed_at"),
                models.F("id"),
                condition=models.Q(
                    ("assigned_to__isnull", True),
                    ("status__in", ["new", "contacting", "agreed", "declined", "unreachable"]),
                ),
                name="review_board_unassigned",
            ),
        ),
        migrations.RunPython(create_search_indexes, drop_search_indexes),
        migrations.AddIndex(
            model_name="review",
            index=models.Index(fields=["order_id"], name="review_order_id"),
        ),
    ]
