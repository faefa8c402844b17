"""The team lead's form for the shop's playbook: a lead tunes the playbook of their shop.

Validation only: the view saves and writes the audit line.  Every rule the planner would trip
over at send time (a template with an unknown placeholder, wording that trades compensation
for a review, an invitation that mentions the review) is refused here, before anything is
saved.
"""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Playbook, SmsTemplate
from .sms_models import PLAYBOOK_TEMPLATE
from .wording import DEFAULT_TEMPLATES, provider_template_problem, template_problem

TEMPLATE_LABELS = {
    "revision_instructions": _("Revision instructions (sent right after the buyer agrees)"),
    "reminder": _("Reminder (the buyer agreed but has not revised)"),
    "apology": _("Apology call script (historical reviews)"),
    "invitation": _("Invitation (reviews older than the invitation-only days)"),
    "persistence": _("Persistence message (buyer not reached)"),
    "explanatory_followup": _("Asking for an explanatory follow-up review"),
}

# Fields in the groups a lead reads them in (the template fields come last, on their own).
GROUPS = [
    (_("Assignment"), ["assign_on_arrival"]),
    (_("Times"), ["quiet_start", "quiet_end", "work_start", "work_end"]),
    (_("Working days"), ["works_weekends", "observes_public_holidays"]),
    (_("Caps per buyer"), ["max_calls_per_day", "max_messages_per_day"]),
    (
        _("The flow"),
        [
            "cooling_off_hours",
            "historical_days",
            "invitation_only_days",
            "revise_grace_minutes",
            "missed_after_minutes",
            "reply_lead_days",
        ],
    ),
    (_("Care call for high-value orders"), ["care_call_start", "care_call_end"]),
    (_("Compensation and promotion"), ["compensation_approval_above", "promotion_link"]),
]

# 0 would silently switch the flow off (never call, never message, escalate at once).
AT_LEAST_ONE = {
    "max_calls_per_day": _("At least 1 call a day: with 0 the buyer is never called."),
    "max_messages_per_day": _("At least 1 message a day: with 0 nothing is ever sent."),
    "missed_after_minutes": _("At least 1 minute."),
}

_TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _template_field(name: str) -> str:
    return f"template_{name}"


class PlaybookForm(forms.ModelForm):
    """Every playbook field but the persistence schedule (admin-only), plus one textarea per
    message template: empty means "use the default", and only a text that differs from the
    default is stored."""

    class Meta:
        model = Playbook
        fields = [name for _title, names in GROUPS for name in names]
        widgets = {
            "quiet_start": _TIME,
            "quiet_end": _TIME,
            "work_start": _TIME,
            "work_end": _TIME,
            "care_call_start": _TIME,
            "care_call_end": _TIME,
            "promotion_link": forms.URLInput(attrs={"placeholder": "https://"}),
        }
        help_texts = {
            "assign_on_arrival": _(
                "Give each new review to an on-duty agent with room whose shift covers its "
                "first call; when nobody fits, the team leads are told."
            ),
            "quiet_start": _(
                "In the buyer's time zone: nothing is sent and no call is asked for from "
                "this time… Default 21:30."
            ),
            "quiet_end": _("…until this time (may be past midnight). Default 09:00."),
            "work_start": _("Agents' working hours in the shop's time zone. Default 09:00."),
            "work_end": _(
                "Calls are asked for inside working hours only. Must be later than the start "
                "(no shift past midnight). Default 21:30."
            ),
            "works_weekends": _(
                "Saturdays and Sundays are working days (usual for an online shop's service "
                "desk). Default: yes."
            ),
            "observes_public_holidays": _(
                "Nobody is asked to call on China's public holidays; the adjusted working "
                "weekend days (调休) are worked. Default: yes."
            ),
            "max_calls_per_day": _(
                "Across all of a buyer's reviews in this shop; at least 1. Default 2."
            ),
            "max_messages_per_day": _("IM, SMS and platform messages; at least 1. Default 3."),
            "cooling_off_hours": _(
                "A serious review's first call waits this long (minor ones are called at "
                "once). Default 24."
            ),
            "historical_days": _(
                "Older reviews get an apology call with a goodwill offer. Default 30."
            ),
            "invitation_only_days": _(
                "Older reviews get only a message inviting the buyer back, never a word about "
                "the review. Must be more than the historical days. Default 180."
            ),
            "revise_grace_minutes": _(
                "After the agreed time, a buyer who has not revised gets a friendly reminder "
                "message (never a chasing call). Default 120."
            ),
            "missed_after_minutes": _(
                "A follow-up not logged this long after its time is escalated to you. Default 15."
            ),
            "reply_lead_days": _(
                "The public-reply task is due this many days before the platform's reply "
                "deadline. Default 5."
            ),
            "care_call_start": _(
                "On the delivery day of a high-value order, a short care call in this "
                "window (shop's time zone). Default 18:00."
            ),
            "care_call_end": _("Must be later than the start. Default 19:00."),
            "compensation_approval_above": _(
                "Compensation worth more than this waits for a team lead's approval. Default 100."
            ),
            "promotion_link": _(
                "Filled in for {link} in the invitation: new products or a promotion, never "
                "the old review. Default: none."
            ),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in AT_LEAST_ONE:
            self.fields[name].widget.attrs["min"] = 1
        self.fields["compensation_approval_above"].widget.attrs["min"] = 0
        stored = self.instance.templates or {}
        for name, default in DEFAULT_TEMPLATES.items():
            self.fields[_template_field(name)] = forms.CharField(
                label=TEMPLATE_LABELS.get(name, name),
                required=False,
                strip=True,
                initial="" if stored.get(name) in (None, default) else stored[name],
                widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("Empty: the default")}),
                help_text=default,
            )

    # What the template shows.

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in GROUPS]

    def template_fields(self):
        return [self[_template_field(name)] for name in DEFAULT_TEMPLATES]

    # Validation.

    def clean(self) -> dict:
        data = super().clean()
        checks = [
            (
                "quiet_end",
                data.get("quiet_start") is not None
                and data.get("quiet_start") == data.get("quiet_end"),
                _("Quiet hours must start and end at different times."),
            ),
            (
                "work_end",
                None not in (data.get("work_start"), data.get("work_end"))
                and data["work_start"] >= data["work_end"],
                _(
                    "Working hours must end later than they start, on the same day: a shift "
                    "past midnight is not supported."
                ),
            ),
            (
                "care_call_end",
                None not in (data.get("care_call_start"), data.get("care_call_end"))
                and data["care_call_start"] >= data["care_call_end"],
                _("The care call window must end later than it starts."),
            ),
            (
                "invitation_only_days",
                None not in (data.get("historical_days"), data.get("invitation_only_days"))
                and data["invitation_only_days"] <= data["historical_days"],
                _("Invitation only must start after more days than a historical review."),
            ),
        ]
        checks += [
            (name, data.get(name) is not None and data[name] < 1, message)
            for name, message in AT_LEAST_ONE.items()
        ]
        checks.append(
            (
                "compensation_approval_above",
                data.get("compensation_approval_above") is not None
                and data["compensation_approval_above"] < 0,
                _("The amount cannot be negative."),
            )
        )
        for field, broken, message in checks:
            if broken and field not in self.errors:
                self.add_error(field, message)

        templates = {
            key: value
            for key, value in (self.instance.templates or {}).items()
            if key not in DEFAULT_TEMPLATES  # set in the admin under another name: kept
        }
        for name, default in DEFAULT_TEMPLATES.items():
            field = _template_field(name)
            text = data.get(field, "")
            if not text or text == default:
                continue
            if problem := template_problem(name, text):
                self.add_error(
                    field,
                    _("%(template)s: %(problem)s")
                    % {"template": TEMPLATE_LABELS.get(name, name), "problem": problem},
                )
            else:
                templates[name] = text
        # Model.clean() checks the templates again (the admin's path): it sees only the valid
        # ones, so a refusal always lands on the template's own field.
        self.instance.templates = templates
        self._check_sms_templates(templates)
        return data

    def _check_sms_templates(self, templates: dict) -> None:
        """The SMS provider delivers only the text it approved: each message the shop sends
        through an approved SMS template must read as that template, its variables filled."""
        approved = SmsTemplate.objects.filter(
            account__shop_id=self.instance.shop_id, account__active=True, approved=True
        )
        for sms in approved:
            name = PLAYBOOK_TEMPLATE[sms.kind]
            field = _template_field(name)
            if field in self.errors:
                continue
            text = templates.get(name) or DEFAULT_TEMPLATES[name]
            if problem := provider_template_problem(sms.text, sms.variables, text):
                self.add_error(
                    field,
                    _("SMS template %(code)s: %(problem)s. Change the text or the template.")
                    % {"code": sms.code, "problem": problem},
                )

    def _update_errors(self, errors: ValidationError) -> None:
        # "templates" is not a field of this form: the model's complaint about it (a key kept
        # from the admin) is shown above the form instead of crashing add_error().
        if hasattr(errors, "error_dict") and "templates" in errors.error_dict:
            errors.error_dict.setdefault(NON_FIELD_ERRORS, []).extend(
                errors.error_dict.pop("templates")
            )
        super()._update_errors(errors)
