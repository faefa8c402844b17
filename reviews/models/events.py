"""A review's timeline: one row per step of its life (written by reviews.timeline only)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .reviews import Review


class EventKind(models.TextChoices):
    """What happened; each kind has one shape of `data` (reviews.timeline writes them)."""

    # Arrival and classification.
    IMPORTED = "imported", _("Imported")
    UPDATED = "updated", _("Updated by a later import")
    CLASSIFIED = "classified", _("Classified")
    CORRECTED = "corrected", _("Classification corrected")
    # Status, people, personal data.
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Assigned")
    AUTO_ASSIGNED = "auto_assigned", _("Assigned on arrival")
    PHONE_REVEALED = "phone_revealed", _("Phone number shown")
    BUYER_ERASED = "buyer_erased", _("Personal data erased")
    DO_NOT_CONTACT = "do_not_contact", _("Do not contact")
    REVISED = "revised", _("Buyer changed the rating")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    # Planned outreach.
    PLANNED = "planned", _("Planned")
    MOVED = "moved", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    DUE = "due", _("Due")
    MISSED = "missed", _("Escalated")
    REASSIGNED = "reassigned", _("Re-assigned")
    NOT_PLANNED = "not_planned", _("Not planned")
    # Contacts, messages, replies, compensation.
    CONTACT = "contact", _("Contact attempt")
    MESSAGE = "message", _("Message")
    REPLY = "reply", _("Public reply")
    COMPENSATION = "compensation", _("Compensation")
    # A free note; also lines older than the typed kinds that no kind fits.
    NOTE = "note", _("Note")


class ReviewEvent(models.Model):
    """One step in a review's life: what happened, who did it, when."""

    # No index of its own: event_review_time leads with the review (issue 21).
    review = models.ForeignKey(
        Review, on_delete=models.CASCADE, related_name="events", db_index=False
    )
    kind = models.CharField(max_length=20, choices=EventKind.choices)
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
