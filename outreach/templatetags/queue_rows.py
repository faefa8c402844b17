from django import template
from django.utils.safestring import SafeString

from ..queue_rows import queue_row, rows_html

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_rows_html(context, reviews) -> SafeString:
    """`{% queue_rows_html reviews %}`: the page's rows of the queue (outreach.queue_rows), one
    tag for all of them (a {% for %} over one tag per row cost the engine's per-iteration work
    and the language, zone and group labels looked up 25 times)."""
    multi_shop = len(context["shops"]) > 1
    groups = {key: str(label) for key, label in context["groups"].items()}
    rows = [queue_row(review, groups=groups, multi_shop=multi_shop) for review in reviews]
    return rows_html(rows, before="\n      ", after="\n    ")
