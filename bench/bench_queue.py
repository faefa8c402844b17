"""Issue 6: the queue and review pages with 100,000 reviews (queue_p95_ms, review_page_p95_ms,
queue_queries). Requests go through Django's full stack (middleware, session, templates)."""

import os
import random

from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach.queue import QueueQuery, queue_page
from reviews.models import Review, Shop

from .common import bench_shop, summary_ms, timed

N_REVIEWS = int(os.environ.get("BENCH_QUEUE_REVIEWS", "100000"))


def run() -> dict:
    shop, agents = bench_shop("bench-queue", N_REVIEWS)
    agent = agents[0]
    client = Client()
    client.force_login(agent)
    rnd = random.Random(1)
    queue_url = reverse("queue")

    # The second page's cursor, as the first page's "next" link carries it.
    query = QueueQuery.from_get(QueryDict(""))
    _page, cursor = queue_page(agent, Shop.objects.for_user(agent, "agent", "lead"), query)
    assert cursor, "the bench agent's queue should span several pages"
    variants = [
        {},
        {"lane": "triage"},
        {"lane": "unassigned"},
        {"severity": "serious"},
        {"cause": "logistics"},
        {"group": "negative"},
        {"q": "质量"},
        {"q": "快递"},
        {"after": cursor} if cursor else {},
    ]
    samples = timed(lambda: client.get(queue_url, rnd.choice(variants)), 300)
    queue = summary_ms(samples)

    with CaptureQueriesContext(connection) as ctx:
        client.get(queue_url)
    queries = len(ctx.captured_queries)

    ids = list(
        Review.objects.filter(shop=shop, assigned_to=agent).values_list("id", flat=True)[:2000]
    )
    review_samples = timed(
        lambda: client.get(reverse("review_detail", args=[rnd.choice(ids)])), 300
    )
    page = summary_ms(review_samples)

    return {
        "queue_p95_ms": {"value": queue["p95"], "unit": "ms", "target": "< 100"},
        "queue_p50_ms": {"value": queue["p50"], "unit": "ms", "target": None},
        "queue_queries": {"value": queries, "unit": "queries", "target": "fixed"},
        "review_page_p95_ms": {"value": page["p95"], "unit": "ms", "target": "< 100"},
        "queue_bench_reviews": {
            "value": Review.objects.filter(shop=shop).count(),
            "unit": "reviews",
            "target": 100000,
        },
    }
