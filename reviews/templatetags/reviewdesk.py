from django import template
from django.utils.translation import gettext_lazy as _

from .. import privacy

register = template.Library()


@register.filter
def get_item(mapping: dict, key: str):
    """`{{ counts|get_item:lane }}`: a dict lookup with a variable key."""
    return mapping.get(key, "")


FLAG_LABELS = {
    "extortion_suspected": _("Extortion suspected"),
    "complaint_threat": _("Complaint threat"),
    "high_value": _("High-value order"),
}


@register.filter
def flag_label(flag: str) -> str:
    return str(FLAG_LABELS.get(flag, flag))


_NOT_PLANNED = "outreach not planned: "  # outreach.services.review_plan
_NOTES = {
    "buyer asked not to be contacted": _("the buyer asked not to be contacted"),
    "public reply no longer possible on this platform": _(
        "a public reply is no longer possible on this platform"
    ),
    "no outreach: buyer unknown or asked not to be contacted": _(
        "no outreach: buyer unknown or asked not to be contacted"
    ),
    "revision request already sent: the platform allows no more": _(
        "revision instructions not sent again: the platform allows one revision request"
    ),
}


_APPROVALS = {
    "pending": _("compensation awaits a team lead's approval"),
    "approved": _("compensation approved"),
    "rejected": _("compensation refused"),
}


@register.filter
def event_text(event) -> str:
    """A timeline line in the reader's language, built from the event's data where it has some
    (the stored message is a fallback for people reading the database)."""
    from django.utils import timezone

    from outreach.models import Channel, Kind, Outcome, Resolution
    from reviews.models import EventKind, Status

    data = event.data or {}
    kind = event.kind
    if kind == EventKind.STATUS and "new" in data:
        return f"{_label(Status, data.get('old'))} → {_label(Status, data['new'])}"
    if kind == EventKind.FOLLOWUP and "kind" in data:
        what = _label(Kind, data["kind"])
        if data.get("fired"):
            return str(_("%(what)s is due") % {"what": what})
        if "reason" in data:
            return str(_("%(what)s cancelled") % {"what": what})
        if due := data.get("due_at"):
            from django.utils.dateparse import parse_datetime

            when = parse_datetime(due)
            if when is not None:
                local = timezone.localtime(when, event.review.shop.tz)
                return str(
                    _("%(what)s planned for %(when)s")
                    % {"what": what, "when": f"{local:%m-%d %H:%M}"}
                )
        return str(what)
    if kind == EventKind.MESSAGE and "kind" in data:
        return str(_("%(what)s queued") % {"what": _label(Kind, data["kind"])})
    if kind == EventKind.CONTACT and "outcome" in data:
        channel = event.message.split(":", 1)[0]
        text = f"{_label(Channel, channel)}：{_label(Outcome, data['outcome'])}"
        if data.get("resolution"):
            text += f"（{_label(Resolution, data['resolution'])}）"
        return text
    if approval := data.get("approval"):
        return str(_APPROVALS.get(approval, approval))
    if data.get("phone_revealed"):
        return str(_("revealed the phone number"))
    if erased_on := data.get("buyer_erased_on"):
        from reviews.erasure import ERASED_NOTE

        return str(ERASED_NOTE % {"date": erased_on})
    if closed := data.get("closed"):
        from reviews.models import CloseReason

        text = str(_("closed: %(why)s") % {"why": _label(CloseReason, closed)})
        return f"{text}（{data['note']}）" if data.get("note") else text
    if data.get("reopened"):
        return str(_("reopened"))
    if event.message.startswith(_NOT_PLANNED):
        # The planner refused a template; the reason was written in the worker's language.
        why = event.message.removeprefix(_NOT_PLANNED)
        return str(_("outreach not planned: %(why)s") % {"why": why})
    if event.message in _NOTES:
        return str(_NOTES[event.message])
    return event.message


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


@register.filter
def mask_phones(text: str) -> str:
    """Phone numbers a buyer wrote into their text, masked for lists (reviews.privacy)."""
    return privacy.mask_phones(text)
