"""The queue's rows as HTML, each rendered once per content and kept by the worker process.

A queue page is read far more often than its rows change: an agent comes back to it after
every review, htmx asks for it again on each filter, a lead sees the rows her agents see. Its
25 rows were most of the page's CPU (three dates, an excerpt and a dozen lookups each through
the template engine). A row's HTML is a function of the values it shows and of the language
and time zone it is shown in, so those values *are* the cache key: a review that changed (its
status, its next follow-up, the buyer's erased nick, a due time that has now passed) has
another key and is rendered afresh; nothing is ever invalidated, nothing can be stale.

Kept per process (an LRU of ROWS_KEPT rows, a few MB), not in Redis: no round trip and no
pickling on a hit, and a deploy's new templates or translations start with its new processes
from an empty cache.
"""

from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

ROWS_KEPT = 4096
TEMPLATE = "outreach/_queue_row.html"


class QueueRow(NamedTuple):
    """Everything a row of templates/outreach/_queue_row.html shows (and nothing else)."""

    url: str
    severity: str
    severity_label: str
    needs_triage: bool
    nick: str
    group: str
    group_label: str
    repeat_buyer: bool
    rating: str
    rating_label: str
    text: str
    subcause_label: str
    product_name: str
    amount: Decimal | None
    multi_shop: bool
    shop_name: str
    status_label: str
    overdue: bool
    next_due: datetime | None
    wait_text: str
    reviewed_at: datetime


def queue_row(review, *, groups: dict, multi_shop: bool) -> QueueRow:
    """The row of a review that outreach.queue.queue_page prepared (url, labels, group, due)."""
    labels = review.labels
    return QueueRow(
        url=review.url,
        severity=review.severity,
        severity_label=labels["severity"],
        needs_triage=review.needs_triage,
        nick=review.buyer.nick if review.buyer else "",
        group=review.group,
        group_label=str(groups.get(review.group, "")) if review.group else "",
        repeat_buyer=review.repeat_buyer,
        rating=review.rating,
        rating_label=labels["rating"],
        text=review.text,
        subcause_label=labels["subcause"],
        product_name=review.product_name,
        amount=review.amount,
        multi_shop=multi_shop,
        shop_name=review.shop.name if multi_shop else "",
        status_label=labels["status"],
        overdue=review.overdue,
        next_due=review.next_due,
        wait_text=review.wait_text,
        reviewed_at=review.reviewed_at,
    )


def rows_html(rows: list[QueueRow], *, before: str = "", after: str = "") -> SafeString:
    """The rows' HTML, each between `before` and `after` (the template's indentation)."""
    language, zone = get_language(), timezone.get_current_timezone_name()
    return mark_safe(  # noqa: S308 (each row escaped by its template)
        "".join(f"{before}{_rendered(row, language, zone)}{after}" for row in rows)
    )


@lru_cache(maxsize=ROWS_KEPT)
def _rendered(row: QueueRow, language: str, zone: str) -> SafeString:
    # `language` and `zone` are in the key only: the row is rendered in the active ones.
    html = get_template(TEMPLATE).render({"row": row})
    return mark_safe(html.removesuffix("\n"))  # noqa: S308 (the template escaped it)
