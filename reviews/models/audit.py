"""The append-only audit log of sensitive actions, and the workers' heartbeats."""

from django.conf import settings
from django.db import models

from .shops import Shop


class AppendOnlyError(Exception):
    """The audit log is written once and never changed or deleted."""


class AuditLogQuerySet(models.QuerySet):
    # Append-only through the ORM too. Django's own cascades (a deleted user or shop leaves
    # its lines with a NULL actor/shop) go through the base manager, not through these.
    def update(self, **kwargs):
        raise AppendOnlyError("audit log lines cannot be changed")

    def delete(self):
        raise AppendOnlyError("audit log lines cannot be deleted")


class AuditLog(models.Model):
    """Append-only record of sensitive actions: who, what, when, from where."""

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    shop = models.ForeignKey(Shop, on_delete=models.SET_NULL, null=True, blank=True)
    action = models.CharField(max_length=40)
    target = models.CharField(max_length=100, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["shop", "created_at"], name="audit_shop_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit log lines cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit log lines cannot be deleted")


class Heartbeat(models.Model):
    """Last time a background process proved it was alive (a worker ran beat's heartbeat)."""

    name = models.CharField(max_length=40, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} {self.seen_at:%Y-%m-%d %H:%M:%S}"
