"""Numbers read from query strings and form fields.

str.isdigit() is not enough to guard int(): it accepts "²" and other digits int() refuses,
and a digit string past a column's range (or past Python's 4,300-digit limit) fails further
down, in int() or in PostgreSQL. These helpers return None for all of those.
"""

# The largest value of an integer column (PositiveIntegerField, IntegerField).
MAX_INT = 2**31 - 1
# The largest id of a BigAutoField (DEFAULT_AUTO_FIELD).
MAX_ID = 2**63 - 1


def int_param(value, *, maximum: int = MAX_INT) -> int | None:
    """`value` as an int if it is plain ASCII digits no greater than `maximum`, else None."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return None
    number = int(text)
    return number if number <= maximum else None


def id_param(value) -> int | None:
    """A row's id from a parameter, or None when it cannot be one."""
    return int_param(value, maximum=MAX_ID)
