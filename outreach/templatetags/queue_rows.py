from django import template
from django.utils.safestring import SafeString

from ..queue_rows import queue_row, row_html

register = template.Library()


@register.simple_tag(takes_context=True)
def queue_row_html(context, review) -> SafeString:
    """`{% queue_row_html review %}`: the review's row of the queue (outreach.queue_rows)."""
    multi_shop = len(context["shops"]) > 1
    return row_html(queue_row(review, groups=context["groups"], multi_shop=multi_shop))
