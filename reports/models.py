"""The records the reports read: daily roll-ups per shop, the marks of stale days, and the
spike alerts.

The reports page reads these small tables, never the reviews themselves: a shop with a
million reviews has a few hundred roll-up rows a day. `reports.rollups` recomputes a day whole
(never by deltas) whenever anything behind it changed; "changed" is written by database
triggers (the reviews app's migration 0006), so no code path — bulk updates and COPY
included — can forget it.

The tables keep the names they had when these models lived in the reviews app
(`reviews_reportday`, …): the triggers write `reviews_reportdirty` by name, and moving the
models here changed no table, index or constraint.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reviews.models import Shop


class ReportDirty(models.Model):
    """A (shop, UTC day) whose roll-ups are stale. Written by triggers on reviews, contact
    attempts, first-call plans and positive reviews; consumed by reports.rollups.refresh.
    No unique key on purpose: concurrent writers never wait for each other here."""

    id = models.BigAutoField(primary_key=True)
    shop_id = models.IntegerField()
    day = models.DateField()

    class Meta:
        db_table = "reviews_reportdirty"

    def __str__(self) -> str:
        return f"shop {self.shop_id} {self.day}"


class ReportDay(models.Model):
    """One shop-local day of reviews (by `reviewed_at`), per assignee, cause, sub-cause and
    severity: counts by current status, the funnel and first-contact speed. The counting
    rules are those of reports.figures."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # No foreign key constraint: a deleted user's reviews are re-rolled up when their
    # assignee is cleared, and no delete has to wait for this table.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    cause = models.CharField(max_length=30)
    subcause = models.CharField(max_length=30)
    severity = models.CharField(max_length=10)
    handled = models.PositiveIntegerField(default=0)
    revised = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    unresolved = models.PositiveIntegerField(default=0)
    within_window = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    agreed = models.PositiveIntegerField(default=0)
    agreed_revised = models.PositiveIntegerField(default=0)
    contacted = models.PositiveIntegerField(default=0)
    first_planned = models.PositiveIntegerField(default=0)
    first_in_window = models.PositiveIntegerField(default=0)
    attempts_closed = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "reviews_reportday"
        indexes = [models.Index(fields=["shop", "day"], name="reportday_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} {self.subcause}: {self.handled}"


class ReportWait(models.Model):
    """Hours from review to first contact as a histogram of 6-minute buckets per shop-local
    day: medians and percentiles to the 0.1 h the page shows, from a few hundred rows."""

    BUCKET_SECONDS = 360

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    bucket = models.PositiveIntegerField()
    n = models.PositiveIntegerField()

    class Meta:
        db_table = "reviews_reportwait"
        indexes = [models.Index(fields=["shop", "day"], name="reportwait_shop_day")]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} bucket {self.bucket}: {self.n}"


class RootDimension(models.TextChoices):
    PRODUCT = "product", _("Product")
    COURIER = "courier", _("Courier")
    NAMED_AGENT = "named_agent", _("Agent named")
    NAMED_COURIER = "named_courier", _("Courier named")
    SUBCAUSE = "subcause", _("Sub-cause")


class ReportRoot(models.Model):
    """Neutral/negative reviews per shop-local day, product / courier / named agent / named
    courier, and sub-cause: the spike detector reads these; the root-cause tables read the
    key's total over its sub-causes, a row of its own with sub-cause ALL."""

    ALL = "*"

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=15, choices=RootDimension.choices)
    key = models.CharField(max_length=255)
    subcause = models.CharField(max_length=30)
    n = models.PositiveIntegerField()
    serious = models.PositiveIntegerField()

    class Meta:
        db_table = "reviews_reportroot"
        indexes = [
            models.Index(fields=["shop", "dimension", "day"], name="reportroot_shop_dim_day"),
            # The report's top tables: the totals rows only.
            models.Index(
                fields=["shop", "day"], condition=models.Q(subcause="*"), name="reportroot_totals"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day} {self.dimension} {self.key}: {self.n}"


class ReportShopDay(models.Model):
    """Per shop-local day: positive reviews (from the keys ingestion keeps), the DSR scores
    carried by the day's reviews (sums and counts, so averages add up over periods), and the
    day's totals of ReportDay's headline counts — the dashboard reads the previous range's
    trend from these (one row a day) rather than from ReportDay's hundreds."""

    # ReportDay's columns this table also keeps, summed over the day. A database default too:
    # code from before them (a worker not yet restarted) still writes its rows.
    TOTALS = ("handled", "revised", "closed", "unresolved", "agreed", "agreed_revised")

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    positive = models.PositiveIntegerField(default=0)
    handled = models.PositiveIntegerField(default=0, db_default=0)
    revised = models.PositiveIntegerField(default=0, db_default=0)
    closed = models.PositiveIntegerField(default=0, db_default=0)
    unresolved = models.PositiveIntegerField(default=0, db_default=0)
    agreed = models.PositiveIntegerField(default=0, db_default=0)
    agreed_revised = models.PositiveIntegerField(default=0, db_default=0)
    dsr_description_sum = models.FloatField(default=0)
    dsr_description_n = models.PositiveIntegerField(default=0)
    dsr_service_sum = models.FloatField(default=0)
    dsr_service_n = models.PositiveIntegerField(default=0)
    dsr_logistics_sum = models.FloatField(default=0)
    dsr_logistics_n = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "reviews_reportshopday"
        constraints = [
            models.UniqueConstraint(fields=["shop", "day"], name="reportshopday_one_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.shop_id} {self.day}: {self.positive} positive"


class SpikeState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ENDED = "ended", _("Ended")


ACTIVE_SPIKES = [SpikeState.OPEN, SpikeState.ACKNOWLEDGED]


class SpikeAlert(models.Model):
    """The same sub-cause hitting the same product or courier unusually often within 7 days
    (reports.spikes): a defect batch or a failing courier, a job for the shop."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="spikes")
    dimension = models.CharField(max_length=15, choices=RootDimension.choices)
    key = models.CharField(max_length=255)
    subcause = models.CharField(max_length=30)
    window_start = models.DateField()
    window_end = models.DateField()
    count = models.PositiveIntegerField()
    baseline = models.FloatField(help_text="usual count in 7 days (the 4 weeks before)")
    state = models.CharField(max_length=15, choices=SpikeState.choices, default=SpikeState.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "reviews_spikealert"
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "dimension", "key", "subcause"],
                condition=models.Q(state__in=ACTIVE_SPIKES),
                name="spike_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug}: {self.dimension} {self.key} {self.subcause} ×{self.count}"
