"""Keyset-pagination cursors: the last row's sort key, opaque in the URL.

A cursor is the key's values as JSON in URL-safe base64. Decoding never trusts it: anything
that does not decode to the expected shape is None, and the caller starts from the first page.
"""

import base64
import json
from datetime import datetime


def encode(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str, length: int) -> list | None:
    """The values of a cursor made by `encode`, if it holds a list of `length` of them."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
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
    try:
        return datetime.fromisoformat(values[0]), int(values[1])
    except (ValueError, TypeError):
        return None
