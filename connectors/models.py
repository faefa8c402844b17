"""A shop's link to its platform's seller API: the credentials (encrypted at rest), the
connection's health, a pull cursor per stream with its page checkpoint, and a row per pull."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviews.crypto import EncryptedTextField
from reviews.models import Platform, Shop


class ConnectionStatus(models.TextChoices):
    NEW = "new", _("Not pulled yet")
    OK = "ok", _("Working")
    THROTTLED = "throttled", _("Throttled by the platform; retrying later")
    FAILING = "failing", _("Failing; retrying")
    EXPIRED = "expired", _("Authorisation expired; pulls stopped")


class PlatformConnection(models.Model):
    """One per shop. The secrets are write-only in the admin and never shown again."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="connection")
    platform = models.CharField(_("platform"), max_length=10, choices=Platform.choices)
    app_key = models.CharField(_("app key"), max_length=64, blank=True)
    app_secret = EncryptedTextField(_("app secret"), blank=True)
    session_key = EncryptedTextField(_("session key"), blank=True)
    # Kuaishou's message key (消息密钥, base64 of an AES key): its pushes are encrypted with it,
    # and only a push it decrypts triggers an early pull.
    push_secret = EncryptedTextField(_("push message key"), blank=True)
    token_expires_at = models.DateTimeField(_("authorisation expires at"), null=True, blank=True)
    # Kuaishou: the OAuth refresh token that renews the 48-hour access token (connectors/
    # tokens.py), its own expiry (180 days: the week-before warning is about it), and the
    # app's appSecret the refresh is asked with (calls are signed with the signSecret).
    refresh_token = EncryptedTextField(_("refresh token"), blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires at"), null=True, blank=True)
    oauth_secret = EncryptedTextField(_("app secret (appSecret)"), blank=True)
    # Taobao's message service (TMC) names a shop by its seller nick: the early pull's map.
    seller_nick = models.CharField(_("seller nick"), max_length=64, blank=True, db_index=True)
    enabled = models.BooleanField(_("pull reviews"), default=True)
    status = models.CharField(
        max_length=10, choices=ConnectionStatus.choices, default=ConnectionStatus.NEW
    )
    last_error = models.CharField(max_length=500, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Throttled: no pull starts before this moment.
    retry_after = models.DateTimeField(null=True, blank=True)
    # A pull's claim (conditional update): a second task for the same shop finds it taken.
    pulling_since = models.DateTimeField(null=True, blank=True)
    # An early pull queued (a TMC message, a new connection): more messages within the
    # lease queue nothing more; the pull clears it when it starts.
    pull_wanted_at = models.DateTimeField(null=True, blank=True)
    # The revision check walks the shop's open reviews by id, a slice per pull, and wraps.
    revision_after_id = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("platform connection")
        verbose_name_plural = _("platform connections")

    def __str__(self) -> str:
        return f"{self.shop.slug} ({self.get_platform_display()})"


class PullCursor(models.Model):
    """Where a stream (e.g. TOP's 差评 and 中评 calls) stands. `synced_until` is the end of the
    last finished window; a pull reads [synced_until - overlap, now]. While a window is being
    read, `window_start`/`window_end` keep it and `next_page` is the checkpoint: each page is
    stored and the checkpoint moved in one transaction, so a pull that dies resumes at the
    first page it did not store, over the same window."""

    connection = models.ForeignKey(
        PlatformConnection, on_delete=models.CASCADE, related_name="cursors"
    )
    stream = models.CharField(max_length=20)
    synced_until = models.DateTimeField(null=True, blank=True)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    next_page = models.PositiveIntegerField(default=1)
    # The slice a query covers now (0: the client's first guess), halved where the platform
    # caps a slice's records and doubled where a slice was sparse.
    slice_seconds = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "stream"], name="pullcursor_stream")
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.stream}"


class PullOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    OK = "ok", _("Done")
    THROTTLED = "throttled", _("Throttled")
    EXPIRED = "expired", _("Authorisation expired")
    FAILED = "failed", pgettext_lazy("pull outcome", "Failed")


class PullRun(models.Model):
    """One pull of one shop: what it found, for the connector page and the command."""

    connection = models.ForeignKey(
        PlatformConnection, on_delete=models.CASCADE, related_name="runs"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=PullOutcome.choices, default=PullOutcome.RUNNING
    )
    pages = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    revised = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # The connector page: a connection's latest runs, and today's.
            models.Index(fields=["connection", "-started_at"], name="pullrun_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}@{self.started_at:%Y-%m-%d %H:%M}"
