"""The planner learns that an agent's reviews are one shop's (issue 21).

The queue's key query filters `assigned_to_id = agent AND shop_id IN (agent's shops) AND status
open`. PostgreSQL multiplies the selectivities of the agent and the shop as if independent: with
several shops in one database it guessed about a hundred open reviews for an agent who has
three thousand, sorted them from the (assignee, status, shop) index instead of reading the
first 26 in order from review_queue_mine — 4–5 ms a page instead of 0.1 ms, the largest single
cost of a queue request at 100k reviews among a database of two million. Extended statistics
(functional dependencies) between the assignee and the shop make the estimate right, whatever
the number of shops. PostgreSQL only; ANALYZE (autovacuum's or the import's) fills them.
"""

from django.db import migrations

NAME = "review_assignee_shop"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {NAME} (dependencies) "
        "ON assigned_to_id, shop_id FROM reviews_review"
    )
    schema_editor.execute("ANALYZE reviews_review")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP STATISTICS IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0024_search_bigrams")]

    operations = [migrations.RunPython(forwards, backwards)]
