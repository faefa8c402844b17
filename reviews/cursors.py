"""Keyset-pagination cursors: the last row's sort key, opaque in the URL.

A cursor is the key's values as JSON in URL-safe base64. Decoding never trusts it: anything
that does not decode to the expected shape (junk, a number too large for an id, a time
without its zone) is None; the page then answers 400 with BROKEN and shows the first page.
"""

import base64
import json
from datetime import UTC, datetime

from django.utils.translation import gettext_lazy as _

BROKEN = _("This page link is broken or out of date; here is the first page.")
MAX_ID = 2**63 - 1  # PostgreSQL's bigint


def encode(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, length: int) -> list | None:
    """The values of a cursor made by `encode`, if it holds a list of `length` of them."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(values, list) or len(values) != length:
        return None
    return values


def encode_moment(moment: datetime, pk: int) -> str:
    """The cursor of a list ordered by (moment, id), newest first."""
    return encode([moment.isoformat(), pk])


def decode_moment(cursor: str) -> tuple[datetime, int] | None:
    values = decode(cursor, 2)
    if values is None:
        return None
    moment, pk = values
    # An id is a JSON integer in range: not 1e400 (a float, infinite), not NaN, not a bool.
    if not isinstance(moment, str) or type(pk) is not int or not 0 < pk <= MAX_ID:
        return None
    try:
        moment = datetime.fromisoformat(moment)
        # In UTC: PostgreSQL refuses offsets Python accepts (+23:59).
        return (moment.astimezone(UTC), pk) if moment.tzinfo is not None else None
    except (ValueError, OverflowError):
        return None
