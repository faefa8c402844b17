"""The queue's search finds two-character words from an index (issue 21).

Migration 0021 indexed the review text and the buyer nick with pg_trgm; a two-character word
(质量, 快递 — most Chinese search words) has no trigram, so the queue read the agent's whole
open lane for it (241 ms at a million reviews). These GIN indexes store each value's
bigrams instead (reviews.search): they serve any word of two characters or more.

The text's bigram index *replaces* its trigram index, so an imported review still updates one
text index (a bigram index is also a third smaller: fewer keys per value). The nick keeps its
trigram index beside the bigram one: a nick is mostly ASCII letters and digits, whose bigrams
are each in a tenth of the nicks, and a nick of three characters or more is found from
trigrams several times faster (b12345: 13 ms from bigrams among a million buyers).

`search_bigrams` is plpgsql, IMMUTABLE and STRICT (the index expression needs the first);
it upper-cases nothing itself: the indexes and the queries call it on UPPER(column), the
same expression Django's icontains compares. PostgreSQL only; SQLite keeps scanning.
"""

from django.db import migrations

# As reviews.search names them (written out: a migration must not change with the code).
BIGRAMS = "search_bigrams"
BIGRAM_INDEXES = [
    ("review_text_bigrams", "reviews_review", "text"),
    ("buyer_nick_bigrams", "reviews_buyer", "nick"),
]
# 0021's trigram index that the text's bigram index replaces.
TRIGRAM_INDEXES = [("review_text_trgm", "reviews_review", "text")]

FUNCTION = f"""
CREATE OR REPLACE FUNCTION {BIGRAMS}(value text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    pairs text[] := '{{}}';
BEGIN
    FOR i IN 1 .. pg_catalog.length(value) - 1 LOOP
        pairs[i] := pg_catalog.substr(value, i, 2);
    END LOOP;
    RETURN pairs;
END
$$
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION)
    for name, table, column in BIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ({BIGRAMS}(UPPER({column})))"
        )
    for name, _table, _column in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, column in TRIGRAM_INDEXES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table}"
            f" USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )
    for name, _table, _column in BIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(f"DROP FUNCTION IF EXISTS {BIGRAMS}(text)")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0023_review_second_cause_index")]

    operations = [migrations.RunPython(forwards, backwards)]
