from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.admin import AuditedAdmin
from reviews.privacy import mask_phones

from .models import ContactAttempt, Message, PlannedContact, Playbook


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdmin):
    list_display = ["shop", "quiet_start", "quiet_end", "max_calls_per_day", "max_messages_per_day"]


class ViewOnlyAdmin(admin.ModelAdmin):
    """The scheduler's rows, the outbox and contact attempts, to look at: they change through
    outreach.services, which writes the review's timeline and claims rows with conditional
    updates — an edit here would bypass both."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PlannedContact)
class PlannedContactAdmin(ViewOnlyAdmin):
    list_display = ["id", "shop", "review", "kind", "channel", "due_at", "state", "assigned_to"]
    list_filter = ["state", "kind", "channel", "shop"]
    raw_id_fields = ["review", "buyer", "assigned_to"]
    date_hierarchy = "due_at"


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    """The database outbox: every message to a buyer, its state and its last error."""

    list_display = ["id", "shop", "channel", "masked_to", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel", "kind", "shop"]
    search_fields = ["to", "idempotency_key", "provider_id"]
    raw_id_fields = ["review", "buyer", "planned_contact"]
    exclude = ["to"]  # a phone number: masked in the list, revealed only on the review page

    @admin.display(description=_("recipient"))
    def masked_to(self, message: Message) -> str:
        return mask_phones(message.to)  # personal data stays masked in lists


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ViewOnlyAdmin):
    list_display = ["id", "review", "agent", "channel", "outcome", "resolution", "created_at"]
    list_filter = ["outcome", "channel"]
    raw_id_fields = ["review", "buyer", "agent", "approved_by"]
