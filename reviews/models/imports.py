"""Imports: a batch per file or webhook call, its rejected rows, and the positive reviews
counted on the way."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .reviews import KeyKind
from .shops import Platform, Shop


class ImportSource(models.TextChoices):
    FILE = "file", _("Uploaded file")
    WEBHOOK = "webhook", _("Webhook")
    COMMAND = "command", _("Command line")
    CONNECTOR = "connector", _("Platform connector")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    # "Failed" alone is also a message's state (「发送失败」): the context keeps them apart.
    FAILED = "failed", pgettext_lazy("import status", "Failed")


class ImportBatchQuerySet(models.QuerySet):
    def for_user(self, user, *roles: str) -> "ImportBatchQuerySet":
        return self.filter(shop__in=Shop.objects.for_user(user, *roles))


class ImportBatch(models.Model):
    """One import (a file or a webhook call) with its counts: nothing imported goes unaccounted."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=10, choices=ImportSource.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    # Relative to MEDIA_ROOT (uploads) or an absolute path (command line).
    path = models.CharField(max_length=500, blank=True)
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    key_kind = models.CharField(_("key used"), max_length=20, choices=KeyKind.choices, blank=True)
    total_rows = models.PositiveIntegerField(_("rows (estimated)"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    positive = models.PositiveIntegerField(_("positive counted"), default=0)
    revised = models.PositiveIntegerField(_("revised"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # Rows of buyers erased on request, dated before the erasure: not stored, reported
    # like rejected rows (without their data), so created + … + rejected + skipped = rows.
    skipped = models.PositiveIntegerField(_("skipped (erased buyers)"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ImportBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        indexes = [
            # The import page: a shop's latest batches.
            models.Index(fields=["shop", "-created_at"], name="importbatch_shop_recent"),
            # The sweep: uploads whose task never arrived.
            models.Index(
                fields=["created_at"],
                condition=models.Q(status="pending"),
                name="importbatch_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shop.slug} #{self.pk} {self.filename or self.source}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(99, self.processed_rows * 100 // self.total_rows)

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.PENDING, ImportStatus.RUNNING)

    @property
    def reported(self) -> int:
        """Rows listed in the error report: rejected ones and skipped ones."""
        return self.rejected + self.skipped


class ImportRowError(models.Model):
    """A rejected row (or webhook item): where, which column, why, and what it looked like.
    Also a row skipped because its buyer was erased: where and why only, `raw` left empty."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="errors")
    row = models.PositiveIntegerField(_("row"))  # spreadsheet row (header = 1) or item index
    column = models.CharField(_("column"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=300)
    raw = models.CharField(_("raw data"), max_length=500, blank=True)

    class Meta:
        ordering = ["row", "id"]
        indexes = [
            # The batch page's error list and the error report, in row order.
            models.Index(fields=["batch", "row"], name="importerror_batch_row"),
        ]

    def __str__(self) -> str:
        return f"row {self.row}: {self.reason}"


class PositiveReview(models.Model):
    """The key of each positive review seen, so counting per shop and day stays exact however
    often a file is re-imported (positive reviews never enter the queue)."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="positive_reviews")
    external_key = models.CharField(max_length=255)
    day = models.DateField()  # the review's day in the shop's time zone
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_key"], name="positive_key_per_shop")
        ]
        indexes = [
            # Good-review rate: positives per shop and day.
            models.Index(fields=["shop", "day"], name="positive_shop_day"),
        ]

    def __str__(self) -> str:
        return f"{self.external_key} ({self.day})"


class WebhookNonce(models.Model):
    """A webhook call's nonce, kept while its timestamp is still accepted: the unique
    constraint refuses the same signed call a second time (a captured call replayed inside the
    5-minute window would otherwise re-apply an old state over later edits). Lines older than
    the window are deleted by the webhook itself as new calls arrive."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["shop", "nonce"], name="webhook_nonce_once_per_shop")
        ]
        indexes = [
            # The purge of nonces past the replay window.
            models.Index(fields=["seen_at"], name="webhooknonce_seen_at"),
        ]

    def __str__(self) -> str:
        return f"{self.shop_id}:{self.nonce}"
