"""A Taobao shop's first pull from TOP (connector_pull_reviews_per_s): 50,000 neutral and
negative reviews of the last 170 days backfilled from the fake TOP gateway
(tests/connectors/fake_top.py, a real HTTP server checking every signature), end to end —
signing, day slices and pages of 100 over HTTP, JSON, the ingestion path (classification,
buyers, COPY, the timeline, the hand-off mark) and the checkpoint per page."""

import os
import random
import time
from datetime import timedelta

from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from connectors.models import PlatformConnection
from connectors.services import connection_pull
from reviews.models import Platform, Review
from tests.connectors.fake_top import FakeTop, rate

from .bench_import_reviews import NEGATIVE, PRODUCTS, _fill, _reset_shop

REVIEWS = int(os.environ.get("BENCH_CONNECTOR_REVIEWS", "50000"))
SLUG = "bench-connector"


def _rates(n: int) -> list[dict]:
    rng = random.Random(19)
    now = timezone.now()
    out = []
    for i in range(n):
        product, price = rng.choice(PRODUCTS)
        text = _fill(rng.choice(NEGATIVE), rng)
        out.append(
            rate(
                10_000_000 + i * 10 + 1,
                result="bad" if rng.random() < 0.7 else "neutral",
                created=now - timedelta(days=170) * rng.random() - timedelta(minutes=5),
                nick=f"b***{rng.randint(1, n // 3)}",
                item_title=product,
                item_price=f"{price}.00",
                content=f"{text}（{i}）",
            )
        )
    return out


def run() -> dict:
    shop = _reset_shop(SLUG)
    PlatformConnection.objects.filter(shop=shop).delete()  # its cursors and runs with it
    with FakeTop() as top:
        top.add(*_rates(REVIEWS))
        connection = PlatformConnection.objects.create(
            shop=shop,
            platform=Platform.TAOBAO,
            app_key=top.app_key,
            app_secret=top.secret,
            session_key=next(iter(top.sessions)),
        )
        conf = settings.CONNECTORS | {"TOP_API_URL": top.url, "PULL_BUDGET_S": 24 * 3600}
        with override_settings(CONNECTORS=conf):
            started = time.perf_counter()
            run = connection_pull(connection_id=connection.id)
            elapsed = time.perf_counter() - started
        calls = len(top.calls)
    stored = Review.objects.filter(shop=shop).count()
    assert run is not None and run.outcome == "ok", run and run.message
    assert stored == REVIEWS, f"{stored} of {REVIEWS} reviews stored"
    print(f"   {stored} reviews in {elapsed:.1f}s, {run.pages} pages, {calls} TOP calls")
    return {
        "connector_pull_reviews_per_s": {
            "value": round(stored / elapsed),
            "unit": "reviews/s",
            "target": ">= 200 (a shop's 180-day backfill within minutes)",
        }
    }
