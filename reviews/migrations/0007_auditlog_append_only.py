"""The audit log is append-only in the database too (PostgreSQL): a trigger refuses UPDATE
and DELETE on reviews_auditlog, whoever connects — a shell, a script, a mistaken migration.

The one change it lets through is the database's own ON DELETE SET NULL: a deleted user or
shop leaves its lines in place with an empty actor/shop, everything else as written. SQLite
(laptops) relies on the model's guards alone. The log never holds a phone number
(reviews.services.audit_record masks them), so erasing a buyer never needs to change it.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION reviews_auditlog_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND NEW.id = OLD.id
       AND NEW.action = OLD.action
       AND NEW.target = OLD.target
       AND NEW.ip IS NOT DISTINCT FROM OLD.ip
       AND NEW.data = OLD.data
       AND NEW.created_at = OLD.created_at
       AND (NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id OR NEW.actor_id IS NULL)
       AND (NEW.shop_id IS NOT DISTINCT FROM OLD.shop_id OR NEW.shop_id IS NULL) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only: % of line % refused', TG_OP, OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
DROP TRIGGER IF EXISTS reviews_auditlog_append_only ON reviews_auditlog;
CREATE TRIGGER reviews_auditlog_append_only
    BEFORE UPDATE OR DELETE ON reviews_auditlog
    FOR EACH ROW EXECUTE FUNCTION reviews_auditlog_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS reviews_auditlog_append_only ON reviews_auditlog;
DROP FUNCTION IF EXISTS reviews_auditlog_append_only();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)  # "%" is plpgsql here


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0006_report_triggers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
