"""Substring search ("icontains") that an index can serve from two characters on.

Most search words in a Chinese shop are two characters (质量, 快递, a nick's 土豆): no trigram
exists in them, so pg_trgm's index cannot narrow `LIKE '%质量%'`. On PostgreSQL, reviews
migration 0024 keeps a GIN index of each searchable column's *bigrams* (the pairs of adjacent
characters of its upper-cased text, SQL function `search_bigrams`): every row that contains
a word contains the word's bigrams, so `bigrams(column) @> bigrams(word)` finds a superset
of the matching rows from the index and the ordinary icontains keeps exactly the right ones.

Indexed columns: reviews_review.text and reviews_buyer.nick. The nick also keeps its trigram
index (reviews migration 0021), which finds a word of three characters or more faster from a
nick's ASCII letters and digits: `contains` leaves such a word to it. SQLite has no such index:
there `contains` is the plain icontains (the same rows, found by scanning).
"""

from django.db import connection
from django.db.models import BooleanField, Func, Q, Value
from django.db.models.functions import Upper

BIGRAMS = "search_bigrams"

# (index name, table, column) of the bigram indexes (reviews migration 0024).
BIGRAM_INDEXES = [
    ("review_text_bigrams", "reviews_review", "text"),
    ("buyer_nick_bigrams", "reviews_buyer", "nick"),
]
# The columns that also have a trigram index on UPPER(column) (reviews migration 0021).
TRIGRAM_INDEXED = {"nick"}


class _Includes(Func):
    """`lhs @> rhs` of two arrays, as a condition."""

    arg_joiner = " @> "
    template = "(%(expressions)s)"
    output_field = BooleanField()


def bigrams(expression) -> Func:
    """The expression the bigram indexes store: `search_bigrams(UPPER(column))`."""
    return Func(Upper(expression), function=BIGRAMS)


def indexed() -> bool:
    return connection.vendor == "postgresql"


def contains(field: str, q: str) -> Q:
    """Rows whose `field` contains `q`, ignoring case — exactly `field__icontains=q`, plus on
    PostgreSQL (and `q` of two characters or more, unless a trigram index serves it) the
    condition the bigram index answers.
    The icontains comes first: where the planner reads rows rather than the index, it is the
    cheap test that rejects most of them before the bigrams are computed."""
    like = Q(**{f"{field}__icontains": q})
    if not indexed() or len(q) < 2 or (len(q) >= 3 and field in TRIGRAM_INDEXED):
        return like
    return like & Q(_Includes(bigrams(field), bigrams(Value(q))))
