"""The board's unassigned rows as HTML, each rendered once per content and kept by the worker
process — as outreach.queue_rows does for the queue, and for the same reason: a lead reloads
the board all day, its 50 rows change rarely, and rendering them through the template engine
(a badge, a link, a masked excerpt and a date each) was a third of the page's CPU.

The key is everything a row shows, the language and the time zone: a review that changed has
another key and is rendered afresh; nothing is invalidated, nothing can be stale. Kept per
process (an LRU of ROWS_KEPT rows), not in Redis.
"""

from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from reviews.choices import choice_label

ROWS_KEPT = 4096
TEMPLATE = "outreach/_board_unassigned_row.html"


class UnassignedRow(NamedTuple):
    """Everything a row of templates/outreach/_board_unassigned_row.html shows."""

    pk: int
    severity: str
    severity_label: str
    subcause_label: str
    nick: str
    text: str
    reviewed_at: datetime


def unassigned_row_html(review) -> SafeString:
    row = UnassignedRow(
        pk=review.pk,
        severity=review.severity,
        severity_label=choice_label(review, "severity"),
        subcause_label=choice_label(review, "subcause"),
        nick=review.buyer.nick if review.buyer else "",
        text=review.text,
        reviewed_at=review.reviewed_at,
    )
    return _rendered(row, get_language(), timezone.get_current_timezone_name())


@lru_cache(maxsize=ROWS_KEPT)
def _rendered(row: UnassignedRow, language: str, zone: str) -> SafeString:
    # `language` and `zone` are in the key only: the row is rendered in the active ones.
    html = get_template(TEMPLATE).render({"row": row})
    return mark_safe(html.removesuffix("\n"))  # noqa: S308 (the template escaped it)
