"""Credentials are set here by an administrator (or by the shop's leads on the connector
page, connectors/forms.py): the secrets are write-only (the fields render
empty and a blank submission keeps the stored value), and every save leaves a line in the
shop's audit log naming the fields changed, never their values."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reviews.admin import AuditedAdmin

from .clients import TOKEN_ONLY, supported
from .forms import secret_field
from .models import ConnectionStatus, PlatformConnection, PullRun

SECRETS = ("app_secret", "session_key")
# Write-only like the secrets, but optional: without it a shop's pushes are refused and only
# the scheduled pulls run.
OPTIONAL_SECRETS = ("push_secret", "refresh_token", "oauth_secret")


class PlatformConnectionForm(forms.ModelForm):
    app_secret = secret_field(
        _("App secret"),
        help_text=_("Leave blank to keep the stored secret."),
    )
    session_key = secret_field(
        _("Session key"),
        help_text=_("The shop's authorisation (access token). Leave blank to keep it."),
    )
    push_secret = secret_field(
        _("Push message key"),
        help_text=_(
            "Kuaishou only: the app's message key, so its pushes trigger an early pull. "
            "Leave blank to keep it."
        ),
    )

    refresh_token = secret_field(
        _("Refresh token"),
        help_text=_("Kuaishou only: renews the 48-hour access token. Leave blank to keep it."),
    )
    oauth_secret = secret_field(
        _("App secret (appSecret)"),
        help_text=_(
            "Kuaishou only: the app's appSecret the refresh is asked with (calls are signed "
            "with the sign secret above). Leave blank to keep it."
        ),
    )

    class Meta:
        model = PlatformConnection
        fields = [
            "shop",
            "platform",
            "app_key",
            "app_secret",
            "session_key",
            "push_secret",
            "token_expires_at",
            "refresh_token",
            "oauth_secret",
            "refresh_expires_at",
            "seller_nick",
            "enabled",
        ]

    def clean(self):
        data = super().clean()
        if data.get("platform") and not supported(data["platform"]):
            self.add_error("platform", _("No connector exists for this platform yet."))
        token_only = data.get("platform") in TOKEN_ONLY
        for name in SECRETS:
            if not data.get(name):
                data[name] = getattr(self.instance, name)  # blank keeps the stored value
            if not data[name] and not (token_only and name == "app_secret"):
                self.add_error(name, _("Required: the platform refuses calls without it."))
        for name in OPTIONAL_SECRETS:
            if not data.get(name):
                data[name] = getattr(self.instance, name)
        if not data.get("app_key") and not token_only:
            self.add_error("app_key", _("Required: the platform refuses calls without it."))
        return data

    @property
    def changed_data(self):
        # A blank secret field is "unchanged", a typed one "changed" (never compared or shown).
        hidden = SECRETS + OPTIONAL_SECRETS
        changed = [n for n in super().changed_data if n not in hidden]
        return changed + [n for n in hidden if self.data.get(n)]


@admin.register(PlatformConnection)
class PlatformConnectionAdmin(AuditedAdmin):
    form = PlatformConnectionForm
    list_display = ["shop", "platform", "enabled", "status", "last_success_at", "token_expires_at"]
    list_filter = ["platform", "status", "enabled"]
    readonly_fields = ["status", "last_error", "last_error_at", "last_success_at", "retry_after"]

    def save_model(self, request, obj, form, change) -> None:
        renewed = {"session_key", "app_secret", "app_key", "refresh_token", "oauth_secret"}
        if renewed & set(form.changed_data):
            # New credentials: an expired connection may pull again, judged afresh.
            obj.status = ConnectionStatus.NEW
            obj.retry_after = None
            obj.last_error = ""
        super().save_model(request, obj, form, change)


@admin.register(PullRun)
class PullRunAdmin(admin.ModelAdmin):
    list_display = ["connection", "started_at", "outcome", "created", "updated", "revised"]
    list_filter = ["outcome"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
