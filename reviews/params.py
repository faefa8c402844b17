"""Numbers read from a request, strictly: what a form or a link sends is text, and text that
only looks like a number ("²", "١٢", "1e400", "NaN") must be refused, never passed on to
int(), Decimal() or the database to fail there as a 500."""

MAX_ID = 2**63 - 1  # PostgreSQL's bigint


def whole(value: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """`value` as an int if it is plain ASCII digits within [low, high], else None."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) > 19:
        return None
    number = int(value)
    return number if low <= number <= high else None
