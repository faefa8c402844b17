"""The admin's form for a shop's SMS account. Credentials are write-only: each field renders
empty, says whether a value is stored (「已设置（尾号 …abcd）」) and a blank submission keeps
it. The fields are those of the installed provider clients (CREDENTIAL_FIELDS)."""

import json

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import wording
from .models import SmsAccount, SmsTemplate
from .sms import installed_providers


def _tail(value: str) -> str:
    return value[-4:] if len(value) >= 8 else ""


def credential_names() -> list[str]:
    """Every credential field of the installed providers, each once."""
    return sorted({n for fields in installed_providers().values() for n in fields})


class SmsAccountForm(forms.ModelForm):
    endpoint = forms.URLField(
        label=gettext_lazy("API endpoint"),
        required=False,
        assume_scheme="https",
        help_text=gettext_lazy(
            "Blank: the provider's own (dysmsapi.aliyuncs.com, sms.tencentcloudapi.com)."
        ),
    )
    rotate_callback_token = forms.BooleanField(
        label=gettext_lazy("New callback token"),
        required=False,
        help_text=gettext_lazy(
            "The old callback URLs stop working: paste the new ones in the provider's console."
        ),
    )

    class Meta:
        model = SmsAccount
        fields = ["shop", "provider", "sign_name", "endpoint", "active"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stored = json.loads(self.instance.credentials or "{}")
        self.providers = installed_providers()
        for name in credential_names():
            old = self.stored.get(name, "")
            users = ", ".join(p for p, fields in self.providers.items() if name in fields)
            if old and _tail(old):
                state = _("Set (ends …%(tail)s). Leave blank to keep it.") % {"tail": _tail(old)}
            elif old:
                state = _("Set. Leave blank to keep it.")
            else:
                state = _("Not set.")
            self.fields[f"cred_{name}"] = forms.CharField(
                label=name,
                required=False,
                max_length=200,
                widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
                help_text=f"{state} ({users})",
            )

    def clean(self) -> dict:
        data = super().clean()
        provider = data.get("provider")
        if provider and provider not in self.providers:
            self.add_error("provider", _("This provider's client is not installed."))
            return data
        credentials = {}
        for name in self.providers.get(provider, ()):
            value = (data.get(f"cred_{name}") or "").strip() or self.stored.get(name, "")
            if not value:
                self.add_error(f"cred_{name}", _("Required for this provider."))
            credentials[name] = value
        self.credentials = credentials
        return data

    def changed_credentials(self) -> list[str]:
        """The credential fields this save changes, by name (never their values)."""
        return [n for n, v in self.credentials.items() if self.stored.get(n, "") != v]


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ["kind", "code", "text", "variables", "approved"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2, "cols": 60})}

    def clean(self) -> dict:
        data = super().clean()
        text, variables = data.get("text") or "", data.get("variables") or []
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            self.add_error("variables", _('A list of names, e.g. ["nick", "link"].'))
            return data
        found = wording.provider_variables(text)
        if len(found) != len(variables):
            self.add_error(
                "variables",
                _("The text has %(n)s variables; name each, in order.") % {"n": len(found)},
            )
        elif unknown := [v for v in variables if v not in wording.PLACEHOLDERS]:
            self.add_error(
                "variables",
                _("Unknown name %(name)s: use nick, order_id or link.") % {"name": unknown[0]},
            )
        return data
