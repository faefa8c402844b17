"""The manager's reports page over many reviews (report_p95_ms, report_queries), and what
keeping its roll-ups current costs.

BENCH_REPORT_REVIEWS sets the size (default 1,000,000, the target; generating that
many — with their attempts, positives and first roll-up build — takes about a quarter of an
hour the first time on a 2-core machine; later runs reuse the shop). Requests go through
Django's full stack, as a manager would open the page: the default 30 days, the 7 and 90 day
presets, by week. The generated reviews are recent-heavy (about 35% in the last day, 78% in
the last 30), so a 30-day report covers most of the million.
"""

import os
import random
import time
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from outreach.models import ContactAttempt
from reports import rollups
from reports.models import ReportDay
from reviews.ingest import copy
from reviews.models import Membership, PositiveReview, Review, Role, Status

from .common import bench_shop, summary_ms, timed

N_REVIEWS = int(os.environ.get("BENCH_REPORT_REVIEWS", "1000000"))
RECENT_DAYS = 90  # contact attempts and positives are made for this many recent days


def _contact_recent_reviews(shop, *, seed: int = 3) -> None:
    """First (and sometimes second) contact attempts on most recent reviews (made once)."""
    if ContactAttempt.objects.filter(review__shop=shop).exists():
        return
    rnd = random.Random(seed)
    since = timezone.now() - timedelta(days=RECENT_DAYS)
    outcomes = ["reached", "agreed", "agreed", "solved", "declined", "no_answer"]
    rows = []
    recent = Review.objects.filter(shop=shop, reviewed_at__gte=since).exclude(buyer=None)
    for review_id, buyer_id, agent_id, reviewed_at in recent.values_list(
        "id", "buyer_id", "assigned_to_id", "reviewed_at"
    ).iterator(chunk_size=5000):
        if rnd.random() < 0.3:
            continue
        first = reviewed_at + timedelta(minutes=rnd.randint(5, 48 * 60))
        for n in range(1 + (rnd.random() < 0.3)):
            rows.append(
                ContactAttempt(
                    review_id=review_id,
                    buyer_id=buyer_id,
                    agent_id=agent_id,
                    channel="phone",
                    outcome=rnd.choice(outcomes),
                    created_at=first + timedelta(hours=24 * n),
                )
            )
        if len(rows) >= 5000:
            copy.insert(ContactAttempt, rows)
            rows = []
    copy.insert(ContactAttempt, rows)


def _count_positives(shop, n_reviews: int, *, seed: int = 5) -> None:
    """About twice as many positives as neutral/negative reviews on recent days (made once)."""
    if PositiveReview.objects.filter(shop=shop).exists():
        return
    rnd = random.Random(seed)
    per_day = max(1, n_reviews * 2 // 240)
    today = timezone.localdate()
    now = timezone.now()
    rows = []
    for back in range(RECENT_DAYS):
        day = today - timedelta(days=back)
        for i in range(rnd.randint(per_day // 2, per_day * 3 // 2)):
            rows.append(
                PositiveReview(shop=shop, external_key=f"pos-{day}-{i}", day=day, created_at=now)
            )
            if len(rows) >= 5000:
                copy.insert(PositiveReview, rows)
                rows = []
    copy.insert(PositiveReview, rows)


def _refresh_seconds() -> float:
    started = time.perf_counter()
    rollups.refresh()
    return time.perf_counter() - started


def run() -> dict:
    shop, _agents = bench_shop("bench-reports", N_REVIEWS)
    _contact_recent_reviews(shop)
    _count_positives(shop, N_REVIEWS)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # First build (every day marked by the triggers as the data went in), or a no-op when a
    # previous run built them already.
    build_s = _refresh_seconds()
    built = ReportDay.objects.filter(shop=shop).exists()
    assert built, "the roll-ups were not built"
    # What beat's minute costs on a busy day: 200 of today's reviews change status.
    today = Review.objects.filter(shop=shop).order_by("-reviewed_at").values("pk")[:200]
    Review.objects.filter(pk__in=list(today.values_list("pk", flat=True))).update(
        status=Status.CONTACTING
    )
    refresh_s = _refresh_seconds()

    manager, _ = User.objects.get_or_create(username="bench-reports-manager")
    Membership.objects.get_or_create(user=manager, shop=shop, defaults={"role": Role.MANAGER})
    client = Client()
    client.force_login(manager)
    url = reverse("reports")
    rnd = random.Random(1)
    variants = [{}, {"preset": "7"}, {"preset": "30"}, {"preset": "90"}, {"grain": "week"}]
    assert client.get(url).status_code == 200
    samples = timed(lambda: client.get(url, rnd.choice(variants)), 60)
    page = summary_ms(samples)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return {
        "report_p95_ms": {"value": page["p95"], "unit": "ms", "target": "< 300"},
        "report_p50_ms": {"value": page["p50"], "unit": "ms", "target": None},
        "report_queries": {
            "value": len(ctx.captured_queries),
            "unit": "queries",
            "target": "fixed",
        },
        "report_rollup_build_s": {"value": round(build_s, 1), "unit": "s", "target": None},
        "report_rollup_refresh_s": {
            "value": round(refresh_s, 2),
            "unit": "s",
            "target": "< 60 (beat's interval)",
        },
        "report_bench_reviews": {
            "value": Review.objects.filter(shop=shop).count(),
            "unit": "reviews",
            "target": 1000000,
        },
    }
