"""Choice labels translated once per language.

Django's get_FOO_display() rebuilds the field's whole choices dict on each call, translating
every label to hash it: for a field of thirty sub-causes, rendering a list of fifty reviews
made some 1,500 translations. These maps are built once per (model, field, language).
"""

from functools import lru_cache

from django.utils.translation import get_language


@lru_cache(maxsize=128)
def _labels(model: type, field_name: str, language: str | None) -> dict:
    # `language` is in the key only: the labels are read in the active one.
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}


def choice_labels(model: type, field_name: str) -> dict:
    """{stored value: label in the active language} of a field with choices."""
    return _labels(model, field_name, get_language())


def choice_label(obj, field_name: str):
    """What obj.get_<field>_display() says: the label, or the value itself when unknown."""
    value = getattr(obj, field_name)
    return choice_labels(type(obj), field_name).get(value, value)
