"""Tombstones of erased buyers (ErasedBuyer), back-filled from the audit log's "buyer_erased"
lines, and the import batches' count of rows skipped for them (see reviews/erasure.py)."""

import django.db.models.deletion
from django.db import migrations, models


def backfill(apps, schema_editor):
    from reviews.erasure import tombstones_from_audit

    tombstones_from_audit(
        apps.get_model("reviews", "AuditLog"), apps.get_model("reviews", "ErasedBuyer")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0008_report_totals"),
    ]

    operations = [
        migrations.AddField(
            model_name="importbatch",
            name="skipped",
            field=models.PositiveIntegerField(default=0, verbose_name="skipped (erased buyers)"),
        ),
        migrations.CreateModel(
            name="ErasedBuyer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("nick_digest", models.CharField(max_length=64)),
                ("erased_at", models.DateTimeField()),
                (
                    "shop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="reviews.shop",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("shop", "nick_digest"), name="erasedbuyer_per_shop"
                    )
                ],
            },
        ),
        # Reversed by dropping the table; nothing to undo row by row.
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False),
    ]
