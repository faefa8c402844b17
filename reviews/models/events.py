"""A review's timeline: one row per step of its life (written by reviews.timeline only)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .reviews import Review


class EventKind(models.TextChoices):
    IMPORTED = "imported", _("Imported")
    UPDATED = "updated", _("Updated by a later import")
    CLASSIFIED = "classified", _("Classified")
    CORRECTED = "corrected", _("Classification corrected")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    CONTACT = "contact", _("Contact attempt")
    MESSAGE = "message", _("Message")
    FOLLOWUP = "followup", _("Follow-up")
    ESCALATED = "escalated", _("Escalated")
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Note")


class ReviewEvent(models.Model):
    """One step in a review's life: what happened, who did it, when."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The review page's timeline.
            models.Index(fields=["review", "created_at"], name="event_review_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"
