"""Telling a shop's leads: their settings (e-mail, one chat robot) and a row per alert per
channel, which is both the send queue and what the lead reads back (sent, or failed with the
provider's code and message). Imported by outreach.models."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reviews.crypto import EncryptedTextField
from reviews.models import Shop


class AlertChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom robot")
    DINGTALK = "dingtalk", _("DingTalk robot")
    FEISHU = "feishu", _("Feishu robot")


ROBOTS = (AlertChannel.WECOM, AlertChannel.DINGTALK, AlertChannel.FEISHU)


class LeadAlertSettings(models.Model):
    """How a shop's leads want to be told. No row: by e-mail only."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="alert_settings")
    email = models.BooleanField(_("e-mail the leads"), default=True)
    robot = models.CharField(
        _("chat robot"),
        max_length=10,
        blank=True,
        choices=[(c.value, c.label) for c in ROBOTS],
    )
    # The webhook URL carries the robot's access token: a credential like the secret.
    robot_webhook = EncryptedTextField(_("robot webhook URL"), blank=True)
    robot_secret = EncryptedTextField(_("robot signing secret"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("lead alert settings")
        verbose_name_plural = _("lead alert settings")

    def __str__(self) -> str:
        return str(self.shop)


class AlertKind(models.TextChoices):
    MISSED_SLOT = "missed_slot", _("Missed follow-up")
    NOBODY_FITS = "nobody_fits", _("Nobody to assign")
    TEST = "test", _("Test message")
    # A platform connector's authorisation expired, or will within a week.
    CONNECTOR = "connector", _("Platform connection")


class AlertState(models.TextChoices):
    PENDING = "pending", pgettext_lazy("alert", "Waiting to send")
    SENDING = "sending", pgettext_lazy("alert", "Sending")
    SENT = "sent", pgettext_lazy("alert", "Sent")
    FAILED = "failed", pgettext_lazy("alert", "Failed")


class LeadAlert(models.Model):
    """One alert on one channel. `key` names what it is about ("missed:<planned id>"): the
    unique constraint makes a second alert for the same escalation impossible."""

    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    key = models.CharField(max_length=100)
    channel = models.CharField(max_length=10, choices=AlertChannel.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.URLField(max_length=500)
    state = models.CharField(max_length=10, choices=AlertState.choices, default=AlertState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The provider's answer to the last try that failed (errcode / HTTP status, errmsg).
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    # When a pending row may be tried (after a retry's back-off); the sweep's clock.
    next_try_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lead alert")
        verbose_name_plural = _("lead alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "key", "channel"], name="leadalert_once_per_channel"
            )
        ]
        indexes = [
            # The settings page's and the board's "latest alerts / recent failures" of a shop.
            models.Index(fields=["shop", "-created_at"], name="leadalert_shop_recent"),
            # The sweep: pending rows whose task was lost, rows stuck mid-send.
            models.Index(
                fields=["next_try_at"],
                name="leadalert_unfinished",
                condition=models.Q(state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.get_channel_display()} ({self.state})"
