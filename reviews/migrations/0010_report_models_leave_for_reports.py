"""The report models leave the reviews app for the reports app (whose migration 0001 took them
into its state); no table changes.

State only, then their content types follow them, so the permissions attached to them
(`view_spikealert`, …) and any admin log entry keep pointing at the right model. On a fresh
database there are no content types yet at this point: nothing to move.
"""

from django.db import migrations

MODELS = ["reportdirty", "reportday", "reportwait", "reportroot", "reportshopday", "spikealert"]


def _relabel(apps, old: str, new: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        # A row already under the new label (made by hand, or by a half-finished run) stays
        # as it is; the old one is left rather than merged.
        if not ContentType.objects.filter(app_label=new, model=model).exists():
            ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def to_reports(apps, schema_editor):
    _relabel(apps, "reviews", "reports")


def to_reviews(apps, schema_editor):
    _relabel(apps, "reports", "reviews")


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0009_erased_buyers"),
        ("reports", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="ReportDirty"),
                migrations.DeleteModel(name="ReportDay"),
                migrations.DeleteModel(name="ReportWait"),
                migrations.DeleteModel(name="ReportRoot"),
                migrations.DeleteModel(name="ReportShopDay"),
                migrations.DeleteModel(name="SpikeAlert"),
            ],
        ),
        migrations.RunPython(to_reports, to_reviews),
    ]
