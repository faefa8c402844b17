"""The hand-off of new reviews to the outreach planner (handoff_reviews_per_s): how fast a big
import's reviews get their first call planned. The import itself writes ~2,800 reviews/s;
each review it hands off is then planned by `reviews.tasks.handoff_task` on the worker, 200
to a task — a first call (or apology call, or invitation) fitted into quiet hours and the
buyer's caps, a reply deadline, events on the timeline. Run through the task (applied in this
process, so the figure is the planner's, not the broker's)."""

import os
import time

from django.db import connection
from django.utils import timezone

from outreach.models import PlannedContact
from reviews.ingest.handoff import TASK_SIZE
from reviews.models import Review, Status
from reviews.tasks import handoff_task

from .common import bench_shop

N_REVIEWS = int(os.environ.get("BENCH_HANDOFF_REVIEWS", "2000"))


def run() -> dict:
    shop, _agents = bench_shop("bench-handoff", N_REVIEWS * 6)
    # Fresh work each run: the shop's new reviews, unplanned and pending hand-off, reviewed
    # a few hours ago (so the playbook plans an immediate first call, not an apology call).
    PlannedContact.objects.filter(shop=shop).delete()
    ids = list(
        Review.objects.filter(shop=shop, status=Status.NEW)
        .order_by("id")
        .values_list("id", flat=True)[:N_REVIEWS]
    )
    now = timezone.now()
    Review.objects.filter(id__in=ids).update(
        handoff_pending_at=now, reviewed_at=now - timezone.timedelta(hours=3)
    )
    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    started = time.perf_counter()
    with connection.execute_wrapper(count):
        for start in range(0, len(ids), TASK_SIZE):
            handoff_task.apply(args=[ids[start : start + TASK_SIZE]], throw=True)
    elapsed = time.perf_counter() - started
    left = Review.objects.filter(id__in=ids, handoff_pending_at__isnull=False).count()
    assert left == 0, f"{left} reviews still pending hand-off"
    planned = PlannedContact.objects.filter(review_id__in=ids).values("review_id").distinct()
    assert planned.count() == len(ids), f"{planned.count()} of {len(ids)} reviews planned"
    print(f"   {len(ids)} reviews planned in {elapsed:.1f}s, {queries} queries")
    return {
        "handoff_reviews_per_s": {
            "value": round(len(ids) / elapsed),
            "unit": "reviews/s",
            "target": ">= 100 (a 100k import planned within ~15 min by one worker)",
        },
        "handoff_queries_per_review": {
            "value": round(queries / len(ids), 1),
            "unit": "queries",
            "target": None,
        },
    }
