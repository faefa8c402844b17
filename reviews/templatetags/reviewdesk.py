from functools import lru_cache

from django import template
from django.utils.translation import get_language
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


@register.filter
def mask_phones(text: str) -> str:
    """Phone numbers a buyer wrote into their text, masked for lists (reviews.privacy)."""
    return privacy.mask_phones(text)


@lru_cache(maxsize=64)
def _choice_labels(model: type, field_name: str, language: str | None) -> dict:
    field = model._meta.get_field(field_name)
    return {value: str(label) for value, label in field.flatchoices}


@register.filter
def choice_label(obj, field_name: str) -> str:
    """`{{ review|choice_label:"subcause" }}`: what get_subcause_display() says, from labels
    translated once per language — Django's own rebuilds the field's whole choices dict (and
    translates every label) on each call, most of a long list's rendering time."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name, get_language()).get(value, value)
