"""Fewer indexes for every imported review to update (issue 21): the single-column indexes
of the shop, buyer and assignee foreign keys (each is the first column of a wider index:
review_key_per_shop, review_buyer_time, review_assignee_status), the event's review key's
(event_review_time leads with it) and review_triage_open and
review_unassigned_open (the same rows as review_queue_triage and review_queue_unassigned /
review_board_unassigned, which lead with the shop too; the lanes' counts are OpenLoad's).

The foreign keys' indexes are dropped by name rather than by AlterField: on SQLite AlterField
rebuilds reviews_review, which would lose the triggers of migrations 0006 and 0021.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# (name, what it indexed) of the foreign keys' own indexes, as Django named them.
FK_INDEXES = [
    ("reviews_review_shop_id_35a6a830", "reviews_review (shop_id)"),
    ("reviews_review_buyer_id_4ecb40cc", "reviews_review (buyer_id)"),
    ("reviews_review_assigned_to_id_337177bf", "reviews_review (assigned_to_id)"),
    ("reviews_reviewevent_review_id_a669cce6", "reviews_reviewevent (review_id)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0021_queue_key_and_open_load"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="review",
            name="review_triage_open",
        ),
        migrations.RemoveIndex(
            model_name="review",
            name="review_unassigned_open",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="review",
                    name="assigned_to",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="assigned_reviews",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="assigned to",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="buyer",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reviews",
                        to="reviews.buyer",
                    ),
                ),
                migrations.AlterField(
                    model_name="review",
                    name="shop",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reviews",
                        to="reviews.shop",
                    ),
                ),
                migrations.AlterField(
                    model_name="reviewevent",
                    name="review",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="reviews.review",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {name}", f"CREATE INDEX {name} ON {sql}")
                for name, sql in FK_INDEXES
            ],
        ),
    ]
