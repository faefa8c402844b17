"""A shop's masked-calling account and its agents' own phones: edited here, audited (the
shop's audit log says who changed what, never the values), the secrets write-only — the
form never shows a stored one back, and a blank field keeps it."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.admin import AuditedAdmin, ViewOnlyAdmin
from reviews.privacy import mask_phones

from .models import AgentPhone, CallAccount, CallRecord, MaskedCall


def _write_only(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class WriteOnlyForm(forms.ModelForm):
    """Fields in SECRETS render empty, say whether a value is set, and keep it when left blank."""

    SECRETS: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in self.SECRETS:
            stored = getattr(self.instance, name)
            self.fields[name].help_text = (
                _("Set. Leave blank to keep it.") if stored else _("Not set.")
            )

    def clean(self) -> dict:
        data = super().clean()
        for name in self.SECRETS:
            value = (data.get(name) or "").strip()
            data[name] = value or getattr(self.instance, name)
        return data


class CallAccountForm(WriteOnlyForm):
    SECRETS = ("access_key_id", "access_key_secret")
    access_key_id = _write_only(_("AccessKey ID"))
    access_key_secret = _write_only(_("AccessKey secret"))

    class Meta:
        model = CallAccount
        fields = [
            "shop",
            "enabled",
            "mode",
            "access_key_id",
            "access_key_secret",
            "pool_key",
            "numbers",
            "expiry_minutes",
            "recording",
        ]

    def clean(self) -> dict:
        data = super().clean()
        if data.get("enabled") and not (
            data.get("access_key_id") and data.get("access_key_secret")
        ):
            raise forms.ValidationError(_("Masked calling needs the AccessKey ID and secret."))
        if data.get("enabled") and not data.get("pool_key"):
            self.add_error("pool_key", _("Masked calling needs the number pool key."))
        return data


@admin.register(CallAccount)
class CallAccountAdmin(AuditedAdmin):
    form = CallAccountForm
    list_display = ["shop", "enabled", "mode", "pool_key", "expiry_minutes", "updated_at"]
    readonly_fields = ["callback_path"]

    @admin.display(description=_("call records URL (give it to Aliyun)"))
    def callback_path(self, account: CallAccount) -> str:
        if not account.pk:
            return "—"
        return f"/calls/aliyun/{account.shop.slug}/{account.callback_token}/"


class AgentPhoneForm(WriteOnlyForm):
    SECRETS = ("phone",)
    phone = _write_only(_("agent's own phone"))

    class Meta:
        model = AgentPhone
        fields = ["user", "phone"]

    def clean(self) -> dict:
        data = super().clean()
        if not data.get("phone"):
            self.add_error("phone", _("Enter the agent's own phone number."))
        return data


@admin.register(AgentPhone)
class AgentPhoneAdmin(AuditedAdmin):
    form = AgentPhoneForm
    list_display = ["user", "masked_phone", "updated_at"]

    def audit_shop(self, obj):
        return None

    @admin.display(description=_("phone"))
    def masked_phone(self, obj: AgentPhone) -> str:
        return mask_phones(obj.phone)


@admin.register(MaskedCall)
class MaskedCallAdmin(ViewOnlyAdmin):
    list_display = [
        "id",
        "shop",
        "review",
        "agent",
        "mode",
        "created_at",
        "expires_at",
        "unbound_at",
    ]
    list_filter = ["mode", "shop"]
    raw_id_fields = ["review", "buyer", "agent", "planned_contact"]


@admin.register(CallRecord)
class CallRecordAdmin(ViewOnlyAdmin):
    list_display = ["call_id", "shop", "agent", "call_time", "talk_seconds", "attempt"]
    list_filter = ["shop"]
    raw_id_fields = ["masked_call", "review", "agent", "attempt"]
