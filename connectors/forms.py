"""The connector page's form: a shop's lead connects (or re-connects) the shop's platform.
The fields are what the shop's platform needs (TOP and JOS: app key, app secret and the
shop's session key or access token; eBay: the OAuth user token only), plus the token's
expiry and, on TOP, the seller nick TMC messages name; on Kuaishou, the message key its
pushes are encrypted with, and the refresh token and appSecret that renew its 48-hour
access token (with the refresh token's expiry). Secrets are write-only: each renders
empty, says whether one is stored (「已设置（尾号 …abcd）」) and a blank submission keeps it."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviews.models import Platform

from .clients import TOKEN_ONLY
from .models import PlatformConnection

SECRETS = ("app_secret", "session_key")
# What the platform calls the shop's authorisation.
SESSION_LABELS = {
    Platform.JD: gettext_lazy("Access token"),
    Platform.EBAY: gettext_lazy("OAuth user token"),
    Platform.KUAISHOU: gettext_lazy("Access token"),
}
# Kuaishou signs calls with the app's signSecret (its appSecret only serves the OAuth flow).
APP_SECRET_LABELS = {Platform.KUAISHOU: gettext_lazy("Sign secret (signSecret)")}
# Write-only like the secrets but optional: Kuaishou's message key, without which the shop's
# pushes are refused and only the scheduled pulls run.
OPTIONAL_SECRETS = ("push_secret", "refresh_token", "oauth_secret")
# Kuaishou only: the access token (48 hours) renews itself with these (connectors/tokens.py).
KUAISHOU_ONLY = ("push_secret", "refresh_token", "oauth_secret", "refresh_expires_at")


def _tail(value: str) -> str:
    return value[-4:] if len(value) >= 8 else ""


def stored_state(value: str) -> str:
    if value and _tail(value):
        return _("Set (ends …%(tail)s). Leave blank to keep it.") % {"tail": _tail(value)}
    return _("Set. Leave blank to keep it.") if value else _("Not set.")


def secret_field(label, **options) -> forms.CharField:
    """A write-only credential: rendered empty, a blank submission keeps the stored value."""
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        **options,
    )


def moment_field(label, **options) -> forms.DateTimeField:
    """An optional date and time, picked in the browser's datetime-local input."""
    return forms.DateTimeField(
        label=label,
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        **options,
    )


class ConnectForm(forms.Form):
    app_key = forms.CharField(label=gettext_lazy("App key"), max_length=64, required=False)
    app_secret = secret_field(gettext_lazy("App secret"), max_length=200)
    session_key = secret_field(gettext_lazy("Session key"), max_length=500)
    token_expires_at = moment_field(
        gettext_lazy("Authorisation expires at"),
        help_text=gettext_lazy("In the shop's time zone; the leads are warned a week before."),
    )
    push_secret = secret_field(gettext_lazy("Push message key"), max_length=200)
    refresh_token = secret_field(gettext_lazy("Refresh token"), max_length=500)
    oauth_secret = secret_field(gettext_lazy("App secret (appSecret)"), max_length=200)
    refresh_expires_at = moment_field(
        gettext_lazy("Refresh token expires at"),
        help_text=gettext_lazy(
            "With the refresh token and the app secret, the access token renews itself before "
            "it expires; the leads are warned a week before the refresh token expires."
        ),
    )
    seller_nick = forms.CharField(
        label=gettext_lazy("Seller nick"),
        max_length=64,
        required=False,
        help_text=gettext_lazy("As Taobao shows it: new ratings announced by TMC pull at once."),
    )

    def __init__(self, *args, shop, connection: PlatformConnection | None, **kwargs) -> None:
        self.shop = shop
        self.connection = connection
        self.platform = connection.platform if connection else shop.platform
        if connection is not None:
            initial = {"app_key": connection.app_key, "seller_nick": connection.seller_nick}
            for name in ("token_expires_at", "refresh_expires_at"):
                if getattr(connection, name):
                    shown = timezone.localtime(getattr(connection, name), shop.tz)
                    initial[name] = shown.replace(tzinfo=None)
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if self.platform in TOKEN_ONLY:
            del self.fields["app_key"], self.fields["app_secret"]
        if self.platform not in (Platform.TAOBAO, Platform.TMALL):
            del self.fields["seller_nick"]
        if self.platform != Platform.KUAISHOU:
            for name in KUAISHOU_ONLY:
                del self.fields[name]
        self.fields["session_key"].label = SESSION_LABELS.get(self.platform, _("Session key"))
        if "app_secret" in self.fields and self.platform in APP_SECRET_LABELS:
            self.fields["app_secret"].label = APP_SECRET_LABELS[self.platform]
        for name in SECRETS + OPTIONAL_SECRETS:
            if name in self.fields:
                stored = getattr(connection, name, "") if connection else ""
                self.fields[name].help_text = stored_state(stored)

    def _in_shop_time(self, name: str):
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        # Typed in the shop's time, whatever the request's time zone made of it.
        return timezone.make_naive(value).replace(tzinfo=self.shop.tz)

    def clean_token_expires_at(self):
        return self._in_shop_time("token_expires_at")

    def clean_refresh_expires_at(self):
        return self._in_shop_time("refresh_expires_at")

    def clean(self) -> dict:
        data = super().clean()
        for name in ("app_key", *SECRETS):
            if name not in self.fields:
                continue
            value = (data.get(name) or "").strip()
            stored = getattr(self.connection, name, "") if self.connection else ""
            data[name] = value or (stored if name in SECRETS else "")
            if not data[name]:
                self.add_error(name, _("Required: the platform refuses calls without it."))
        for name in OPTIONAL_SECRETS:
            if name in self.fields:
                stored = getattr(self.connection, name, "") if self.connection else ""
                data[name] = (data.get(name) or "").strip() or stored
        if "refresh_token" in self.fields and bool(data.get("refresh_token")) != bool(
            data.get("oauth_secret")
        ):
            missing = "oauth_secret" if data.get("refresh_token") else "refresh_token"
            self.add_error(missing, _("The token is renewed with both: enter the other too."))
        return data

    def values(self) -> dict:
        """The connection's fields this form sets (secrets: the typed or the stored value)."""
        return {name: self.cleaned_data.get(name) for name in self.fields}
