from django import template
from django.utils.safestring import SafeString

from ..board_rows import unassigned_row_html

register = template.Library()


@register.simple_tag
def unassigned_row(review) -> SafeString:
    """`{% unassigned_row review %}`: the review's row of the board's unassigned list."""
    return unassigned_row_html(review)
