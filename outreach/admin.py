from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.admin import AuditedAdmin
from reviews.privacy import mask_phones

from .models import ContactAttempt, Message, PlannedContact, Playbook


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdmin):
    list_display = ["shop", "quiet_start", "quiet_end", "max_calls_per_day", "max_messages_per_day"]


@admin.register(PlannedContact)
class PlannedContactAdmin(admin.ModelAdmin):
    list_display = ["id", "shop", "review", "kind", "channel", "due_at", "state", "assigned_to"]
    list_filter = ["state", "kind", "channel", "shop"]
    raw_id_fields = ["review", "buyer", "assigned_to"]
    date_hierarchy = "due_at"


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The database outbox: every message to a buyer, its state and its last error."""

    list_display = ["id", "shop", "channel", "masked_to", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel", "kind", "shop"]
    search_fields = ["to", "idempotency_key", "provider_id"]
    raw_id_fields = ["review", "buyer", "planned_contact"]
    readonly_fields = ["idempotency_key", "provider_id", "last_error", "sent_at", "claimed_at"]

    @admin.display(description=_("recipient"))
    def masked_to(self, message: Message) -> str:
        return mask_phones(message.to)  # personal data stays masked in lists


@admin.register(ContactAttempt)
class ContactAttemptAdmin(admin.ModelAdmin):
    list_display = ["id", "review", "agent", "channel", "outcome", "resolution", "created_at"]
    list_filter = ["outcome", "channel"]
    raw_id_fields = ["review", "buyer", "agent", "approved_by"]
