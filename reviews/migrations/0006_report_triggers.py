"""Triggers that mark report roll-ups stale and keep each review's first contact, and the
first fill of the new columns.

Every write that can change a report figure marks its (shop, UTC day) in
reviews_reportdirty: reviews inserted, updated or deleted (COPY and bulk updates included),
contact attempts inserted, first-call plans inserted or moved, positive reviews counted.
PostgreSQL uses statement-level triggers with transition tables (one insert per statement,
however many rows); SQLite, for laptops, row-level ones. The same attempt trigger keeps
`reviews_review.first_contacted_at` (the earliest attempt), whatever path inserted it.
"""

from django.db import migrations

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION reviews_report_dirty_reviews() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reviews_reportdirty (shop_id, day)
        SELECT DISTINCT shop_id, (reviewed_at AT TIME ZONE 'UTC')::date FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO reviews_reportdirty (shop_id, day)
        SELECT shop_id, (reviewed_at AT TIME ZONE 'UTC')::date FROM new_rows
        UNION
        SELECT shop_id, (reviewed_at AT TIME ZONE 'UTC')::date FROM old_rows;
    ELSE
        INSERT INTO reviews_reportdirty (shop_id, day)
        SELECT DISTINCT shop_id, (reviewed_at AT TIME ZONE 'UTC')::date FROM old_rows;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reviews_report_dirty_attempts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE reviews_review r SET first_contacted_at = f.first
    FROM (SELECT review_id, MIN(created_at) AS first FROM new_rows GROUP BY review_id) f
    WHERE r.id = f.review_id
      AND (r.first_contacted_at IS NULL OR r.first_contacted_at > f.first);
    INSERT INTO reviews_reportdirty (shop_id, day)
    SELECT DISTINCT r.shop_id, (r.reviewed_at AT TIME ZONE 'UTC')::date
    FROM new_rows n JOIN reviews_review r ON r.id = n.review_id;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reviews_report_dirty_first_calls() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reviews_reportdirty (shop_id, day)
        SELECT DISTINCT r.shop_id, (r.reviewed_at AT TIME ZONE 'UTC')::date
        FROM new_rows n JOIN reviews_review r ON r.id = n.review_id
        WHERE n.kind IN ('first_call', 'apology_call');
    ELSE
        INSERT INTO reviews_reportdirty (shop_id, day)
        SELECT DISTINCT r.shop_id, (r.reviewed_at AT TIME ZONE 'UTC')::date
        FROM new_rows n JOIN old_rows o ON o.id = n.id
        JOIN reviews_review r ON r.id = n.review_id
        WHERE n.kind IN ('first_call', 'apology_call') AND n.due_at IS DISTINCT FROM o.due_at;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reviews_report_dirty_positives() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reviews_reportdirty (shop_id, day) SELECT DISTINCT shop_id, day FROM new_rows;
    ELSE
        INSERT INTO reviews_reportdirty (shop_id, day) SELECT DISTINCT shop_id, day FROM old_rows;
    END IF;
    RETURN NULL;
END $$;
"""

PG_TRIGGERS = [
    ("reviews_review", "report_ins", "INSERT", "NEW TABLE AS new_rows", "reviews"),
    ("reviews_review", "report_upd", "UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows", "reviews"),
    ("reviews_review", "report_del", "DELETE", "OLD TABLE AS old_rows", "reviews"),
    ("outreach_contactattempt", "report_ins", "INSERT", "NEW TABLE AS new_rows", "attempts"),
    ("outreach_plannedcontact", "report_ins", "INSERT", "NEW TABLE AS new_rows", "first_calls"),
    (
        "outreach_plannedcontact",
        "report_upd",
        "UPDATE",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "first_calls",
    ),
    ("reviews_positivereview", "report_ins", "INSERT", "NEW TABLE AS new_rows", "positives"),
    ("reviews_positivereview", "report_del", "DELETE", "OLD TABLE AS old_rows", "positives"),
]

SQLITE_TRIGGERS = [
    """CREATE TRIGGER reviews_review_report_ins AFTER INSERT ON reviews_review BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day) VALUES (NEW.shop_id, date(NEW.reviewed_at));
    END""",
    """CREATE TRIGGER reviews_review_report_upd AFTER UPDATE ON reviews_review BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day) VALUES (NEW.shop_id, date(NEW.reviewed_at));
        INSERT INTO reviews_reportdirty (shop_id, day)
            SELECT OLD.shop_id, date(OLD.reviewed_at)
            WHERE OLD.shop_id <> NEW.shop_id OR date(OLD.reviewed_at) <> date(NEW.reviewed_at);
    END""",
    """CREATE TRIGGER reviews_review_report_del AFTER DELETE ON reviews_review BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day) VALUES (OLD.shop_id, date(OLD.reviewed_at));
    END""",
    """CREATE TRIGGER outreach_contactattempt_report_ins AFTER INSERT ON outreach_contactattempt
    BEGIN
        UPDATE reviews_review SET first_contacted_at = NEW.created_at
            WHERE id = NEW.review_id
            AND (first_contacted_at IS NULL OR first_contacted_at > NEW.created_at);
        INSERT INTO reviews_reportdirty (shop_id, day)
            SELECT shop_id, date(reviewed_at) FROM reviews_review WHERE id = NEW.review_id;
    END""",
    """CREATE TRIGGER outreach_plannedcontact_report_ins AFTER INSERT ON outreach_plannedcontact
    WHEN NEW.kind IN ('first_call', 'apology_call') BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day)
            SELECT shop_id, date(reviewed_at) FROM reviews_review WHERE id = NEW.review_id;
    END""",
    """CREATE TRIGGER outreach_plannedcontact_report_upd AFTER UPDATE OF due_at
    ON outreach_plannedcontact WHEN NEW.kind IN ('first_call', 'apology_call') BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day)
            SELECT shop_id, date(reviewed_at) FROM reviews_review WHERE id = NEW.review_id;
    END""",
    """CREATE TRIGGER reviews_positivereview_report_ins AFTER INSERT ON reviews_positivereview
    BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day) VALUES (NEW.shop_id, NEW.day);
    END""",
    """CREATE TRIGGER reviews_positivereview_report_del AFTER DELETE ON reviews_positivereview
    BEGIN
        INSERT INTO reviews_reportdirty (shop_id, day) VALUES (OLD.shop_id, OLD.day);
    END""",
]

TRIGGER_NAMES = [
    ("reviews_review", "reviews_review_report_ins"),
    ("reviews_review", "reviews_review_report_upd"),
    ("reviews_review", "reviews_review_report_del"),
    ("outreach_contactattempt", "outreach_contactattempt_report_ins"),
    ("outreach_plannedcontact", "outreach_plannedcontact_report_ins"),
    ("outreach_plannedcontact", "outreach_plannedcontact_report_upd"),
    ("reviews_positivereview", "reviews_positivereview_report_ins"),
    ("reviews_positivereview", "reviews_positivereview_report_del"),
]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTIONS)
        for table, suffix, event, referencing, function in PG_TRIGGERS:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_{suffix} AFTER {event} ON {table} "
                f"REFERENCING {referencing} FOR EACH STATEMENT "
                f"EXECUTE FUNCTION reviews_report_dirty_{function}()"
            )
    elif vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)
    else:  # pragma: no cover - the project runs on PostgreSQL or SQLite only
        raise RuntimeError(f"report triggers are not written for {vendor}")


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, name in TRIGGER_NAMES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
    if vendor == "postgresql":
        for function in ("reviews", "attempts", "first_calls", "positives"):
            schema_editor.execute(f"DROP FUNCTION IF EXISTS reviews_report_dirty_{function}()")


def first_contacts(apps, schema_editor):
    """First contact per review from the attempts already logged."""
    schema_editor.execute(
        "UPDATE reviews_review SET first_contacted_at = ("
        " SELECT MIN(a.created_at) FROM outreach_contactattempt a"
        " WHERE a.review_id = reviews_review.id)"
        " WHERE EXISTS (SELECT 1 FROM outreach_contactattempt a"
        " WHERE a.review_id = reviews_review.id)"
    )


def names(apps, schema_editor):
    """Who the words of existing reviews name (new ones get it when classified)."""
    from reviews import mentions

    Review = apps.get_model("reviews", "Review")
    Membership = apps.get_model("reviews", "Membership")
    aliases: dict[int, tuple] = {}
    batch = []
    rows = Review.objects.only("id", "shop_id", "text", "followup_text").order_by("id")
    for review in rows.iterator(chunk_size=2000):
        if review.shop_id not in aliases:
            aliases[review.shop_id] = tuple(
                Membership.objects.filter(shop_id=review.shop_id)
                .exclude(alias="")
                .values_list("alias", flat=True)
            )
        words = f"{review.text}\n{review.followup_text}"
        review.named_agent = mentions.named_agent(words, aliases[review.shop_id])
        review.named_courier = mentions.named_courier(words)
        if review.named_agent or review.named_courier:
            batch.append(review)
        if len(batch) >= 2000:
            Review.objects.bulk_update(batch, ["named_agent", "named_courier"])
            batch = []
    Review.objects.bulk_update(batch, ["named_agent", "named_courier"])


def mark_all_stale(apps, schema_editor):
    """Every day that has reviews or positives: the roll-up task builds them all once."""
    utc_day = (
        "(reviewed_at AT TIME ZONE 'UTC')::date"
        if schema_editor.connection.vendor == "postgresql"
        else "date(reviewed_at)"
    )
    schema_editor.execute("DELETE FROM reviews_reportdirty")
    schema_editor.execute(
        f"INSERT INTO reviews_reportdirty (shop_id, day)"
        f" SELECT DISTINCT shop_id, {utc_day} FROM reviews_review"
        f" UNION SELECT DISTINCT shop_id, day FROM reviews_positivereview"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0005_report_rollups"),
        ("outreach", "0007_queue_index_covers_kind"),
    ]

    operations = [
        migrations.RunPython(first_contacts, migrations.RunPython.noop),
        migrations.RunPython(names, migrations.RunPython.noop),
        migrations.RunPython(create_triggers, drop_triggers),
        migrations.RunPython(mark_all_stale, migrations.RunPython.noop),
    ]
