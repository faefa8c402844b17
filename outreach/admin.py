import json

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from reviews.admin import AuditedAdmin, ViewOnlyAdmin, masked
from reviews.privacy import mask_phones

from .models import (
    CareCall,
    ContactAttempt,
    LeadAlert,
    LocalDay,
    Message,
    PlannedContact,
    Playbook,
    SmsAccount,
    SmsTemplate,
)
from .sms_forms import SmsAccountForm, SmsTemplateForm, credential_names


@admin.register(Playbook)
class PlaybookAdmin(AuditedAdmin):
    list_display = [
        "shop",
        "quiet_start",
        "quiet_end",
        "works_weekends",
        "observes_public_holidays",
        "max_calls_per_day",
        "max_messages_per_day",
    ]


@admin.register(LocalDay)
class LocalDayAdmin(AuditedAdmin):
    """A shop's own days off and extra working days, over the national calendar. Plans made
    after an edit follow it; what is already planned keeps its minute (the lead moves it)."""

    list_display = ["day", "shop", "working", "note"]
    list_filter = ["shop", "working"]
    date_hierarchy = "day"
    search_fields = ["note"]


# The scheduler's rows, the outbox and contact attempts are shown, never edited: they change
# through outreach.services. Free text a buyer's number can hide in is shown masked.


@admin.register(PlannedContact)
class PlannedContactAdmin(ViewOnlyAdmin):
    list_display = ["id", "shop", "review", "kind", "channel", "due_at", "state", "assigned_to"]
    list_filter = ["state", "kind", "channel", "shop"]
    raw_id_fields = ["review", "buyer", "assigned_to"]
    date_hierarchy = "due_at"
    exclude = ["body"]
    readonly_fields = ["masked_body"]
    masked_body = masked("body", _("text"))


@admin.register(Message)
class MessageAdmin(ViewOnlyAdmin):
    """The database outbox: every message to a buyer, its state and its last error."""

    list_display = ["id", "shop", "channel", "masked_to", "kind", "state", "attempts", "sent_at"]
    list_filter = ["state", "channel", "kind", "shop"]
    search_fields = ["to", "idempotency_key", "provider_id"]
    raw_id_fields = ["review", "buyer", "planned_contact", "sent_by"]
    # The number and the texts that may quote it: masked here, revealed only on the review page.
    exclude = ["to", "body", "last_error"]
    readonly_fields = ["masked_to", "masked_body", "masked_last_error"]
    masked_body = masked("body", _("text"))
    masked_last_error = masked("last_error", _("last error"))

    @admin.display(description=_("recipient"))
    def masked_to(self, message: Message) -> str:
        return mask_phones(message.to)  # personal data stays masked in lists


@admin.register(ContactAttempt)
class ContactAttemptAdmin(ViewOnlyAdmin):
    list_display = ["id", "review", "agent", "channel", "outcome", "resolution", "created_at"]
    list_filter = ["outcome", "channel"]
    raw_id_fields = ["review", "buyer", "agent", "approved_by"]
    exclude = ["note"]
    readonly_fields = ["masked_note"]
    masked_note = masked("note", _("note"))


@admin.register(LeadAlert)
class LeadAlertAdmin(ViewOnlyAdmin):
    """Alerts to a shop's leads, per channel, and what became of them. Their settings (the
    robots' credentials) are not in the admin: leads set them on their alert settings page."""

    list_display = [
        "id",
        "shop",
        "kind",
        "channel",
        "state",
        "attempts",
        "error_code",
        "created_at",
    ]
    list_filter = ["state", "channel", "kind", "shop"]
    search_fields = ["key", "error_message"]
    date_hierarchy = "created_at"


@admin.register(CareCall)
class CareCallAdmin(ViewOnlyAdmin):
    list_display = ["id", "shop", "order", "due_at", "outcome", "logged_by", "logged_at"]
    list_filter = ["outcome", "shop"]
    raw_id_fields = ["order", "logged_by"]
    date_hierarchy = "due_at"
    exclude = ["note"]
    readonly_fields = ["masked_note"]
    masked_note = masked("note", _("note"))


class SmsTemplateInline(admin.TabularInline):
    model = SmsTemplate
    form = SmsTemplateForm
    extra = 1


@admin.register(SmsAccount)
class SmsAccountAdmin(AuditedAdmin):
    """A shop's SMS provider account and the templates the provider approved. Credentials
    are write-only (stored encrypted, never shown back); every change is audited, naming the
    credential fields changed, never their values."""

    form = SmsAccountForm
    inlines = [SmsTemplateInline]
    list_display = ["shop", "provider", "sign_name", "active", "updated_at"]
    list_filter = ["provider", "active"]
    readonly_fields = ["receipt_url", "reply_url"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The form's own Meta names its model fields; the credential fields it adds itself.
        kwargs["fields"] = None
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        names = [*SmsAccountForm.Meta.fields, "rotate_callback_token"]
        names += [f"cred_{n}" for n in credential_names()]
        return names + (self.readonly_fields if obj else [])

    def save_model(self, request, obj, form, change):
        obj.credentials = json.dumps(form.credentials)
        if not obj.callback_token or form.cleaned_data.get("rotate_callback_token"):
            obj.new_callback_token()
        super().save_model(request, obj, form, change)

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        if changed := form.changed_credentials():
            message.append({"changed": {"fields": [f"credential {n}" for n in changed]}})
        return message

    @staticmethod
    def _url(account: SmsAccount, what: str) -> str:
        # Where the provider reaches us: the site's public address (SITE_URL) and the path.
        path = reverse(f"sms_{what}", args=[account.provider, account.callback_token])
        return settings.SITE_URL.rstrip("/") + path

    @admin.display(description=_("delivery receipts URL (SmsReport / status callback)"))
    def receipt_url(self, account: SmsAccount) -> str:
        return self._url(account, "receipts")

    @admin.display(description=_("replies URL (SmsUp / reply callback)"))
    def reply_url(self, account: SmsAccount) -> str:
        return self._url(account, "replies")
