from functools import lru_cache

from django import template
from django.db.models import Choices
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .. import privacy
from ..choices import choice_label

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


@register.filter
def mask_phones(text: str) -> str:
    """Phone numbers a buyer wrote into their text, masked for lists (reviews.privacy)."""
    return privacy.mask_phones(text)


@register.filter(name="choice_label")
def choice_label_filter(obj, field_name: str):
    """`{{ review|choice_label:"subcause" }}`: what get_subcause_display() says, from labels
    translated once per language (reviews.choices)."""
    return choice_label(obj, field_name)


@lru_cache(maxsize=64)
def _choices_options(choices: type[Choices], language: str | None) -> tuple[tuple, ...]:
    """(value, the <option> before and after where `selected` goes) for each choice of a
    Choices class, escaped and translated once per process and language (in the key only)."""
    return tuple(
        (value, f'<option value="{escape(value)}" ', f">{escape(label)}</option>")
        for value, label in choices.choices
    )


@register.simple_tag
def select_options(choices, selected) -> SafeString:
    """`{% select_options causes query.cause %}`: a filter's <option>s, exactly as
    `{% for value, label in causes %}<option value="{{ value }}" {% if value == query.cause %}
    selected{% endif %}>{{ label }}</option>{% endfor %}` writes them (the space included),
    without the template engine's cost per option (some sixty on every queue page). Given a
    Choices class rather than a list, its options are translated and escaped once per
    language, not on every page."""
    if isinstance(choices, type) and issubclass(choices, Choices):
        options = _choices_options(choices, get_language())
        return mark_safe(  # noqa: S308 (escaped by _choices_options)
            "".join(
                f"{head}{'selected' if value == selected else ''}{tail}"
                for value, head, tail in options
            )
        )
    return mark_safe(  # noqa: S308 (every value and label is escaped here)
        "".join(
            f'<option value="{escape(value)}" {"selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )
