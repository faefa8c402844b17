"""The lead's alert settings form: e-mail on or off, one chat robot, its webhook URL and
signing secret. The stored webhook and secret are never shown back: the fields render empty,
say whether a value is set, and a blank submission keeps it."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AlertChannel, LeadAlertSettings
from .robots import webhook_problem

HOST_EXAMPLES = {
    AlertChannel.WECOM: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
    AlertChannel.DINGTALK: "https://oapi.dingtalk.com/robot/send?access_token=…",
    AlertChannel.FEISHU: "https://open.feishu.cn/open-apis/bot/v2/hook/…",
}


class LeadAlertSettingsForm(forms.ModelForm):
    robot_webhook = forms.CharField(
        label=_("Robot webhook URL"),
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    robot_secret = forms.CharField(
        label=_("Signing secret (DingTalk 加签 SEC…, Feishu 签名校验)"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    clear_robot = forms.BooleanField(label=_("Remove the robot"), required=False)

    class Meta:
        model = LeadAlertSettings
        fields = ["email", "robot", "robot_webhook", "robot_secret"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stored = {
            "robot_webhook": self.instance.robot_webhook,
            "robot_secret": self.instance.robot_secret,
        }
        for name in self.stored:
            self.fields[name].help_text = (
                _("Set. Leave blank to keep it.") if self.stored[name] else _("Not set.")
            )
        self.fields["robot"].required = False

    def clean(self) -> dict:
        data = super().clean()
        if data.get("clear_robot"):
            data.update(robot="", robot_webhook="", robot_secret="")
            return data
        # Blank keeps what is stored (the form never shows it back).
        for name, old in self.stored.items():
            if not (data.get(name) or "").strip():
                data[name] = old
            else:
                data[name] = data[name].strip()
        robot = data.get("robot") or ""
        if robot and not data["robot_webhook"]:
            self.add_error("robot_webhook", _("Paste the robot's webhook URL."))
        elif robot and webhook_problem(robot, data["robot_webhook"]):
            self.add_error(
                "robot_webhook",
                _("This is not a %(robot)s webhook URL; it looks like %(example)s")
                % {"robot": AlertChannel(robot).label, "example": HOST_EXAMPLES[robot]},
            )
        if not robot:
            data.update(robot_webhook="", robot_secret="")
        elif robot == AlertChannel.WECOM:
            data["robot_secret"] = ""  # WeCom robots do not sign
        return data

    def changed_names(self) -> list[str]:
        """What the save changes, by field name (never values: they are credentials)."""
        data = self.cleaned_data
        names = [n for n in ("email", "robot") if data[n] != self.initial.get(n)]
        names += [n for n, old in self.stored.items() if data[n] != old]
        return names
