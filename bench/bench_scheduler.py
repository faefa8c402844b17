"""The outreach scheduler: 10,000 follow-ups due at the same minute, delivered by one Celery
worker (a subprocess, -c 2 on this 2-CPU machine) against DATABASE_URL (PostgreSQL) and
REDIS_URL, with the dispatcher ticking every 5 s as beat would run it.

Figures: lateness after the due minute (fired_at − due_at) at p50 and p99, duplicates (items
whose "due" event was written more than once) and lost (items not fired 60 s after the due
minute).  Target p99 < 5 s, 0 duplicates, 0 lost.
"""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import connection
from django.utils import timezone

from outreach.models import Kind, PlannedContact, PlanState, Playbook
from outreach.services import outreach_tick
from reviews.models import Buyer, EventKind, Platform, Rating, Review, ReviewEvent, Shop

from .common import percentile

N = 10_000
SLUG = "bench-scheduler"
ROOT = Path(__file__).resolve().parent.parent
BEAT_SECONDS = 5.0
LOST_AFTER = 60.0


def _fresh_data() -> tuple[Shop, list[Review], User]:
    Review.objects.filter(shop__slug=SLUG).delete()
    Shop.objects.filter(slug=SLUG).delete()
    shop = Shop.objects.create(name="Bench scheduler", slug=SLUG, platform=Platform.TAOBAO)
    # No quiet hours: the bench may run at any hour, and quiet hours would move the items.
    Playbook.objects.create(
        shop=shop, quiet_start=clock(0), quiet_end=clock(0), work_start=clock(0), work_end=clock(0)
    )
    agent, _ = User.objects.get_or_create(username=f"{SLUG}-agent")
    buyers = Buyer.objects.bulk_create(
        Buyer(shop=shop, nick=f"b{i}", phone="13800000000") for i in range(N)
    )
    now = timezone.now()
    reviews = Review.objects.bulk_create(
        Review(
            shop=shop,
            buyer=b,
            external_key=f"s{i}",
            rating=Rating.NEGATIVE,
            reviewed_at=now - timedelta(hours=1),
            assigned_to=agent,
        )
        for i, b in enumerate(buyers)
    )
    return shop, reviews, agent


def _purge_queue() -> None:
    from config.celery import app

    # The queue may not exist yet.
    with app.connection_for_write() as conn, contextlib.suppress(Exception):
        conn.default_channel.queue_purge("outreach")


def run() -> dict[str, dict]:
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise RuntimeError("bench scheduler needs DATABASE_URL (PostgreSQL) and REDIS_URL")
    shop, reviews, agent = _fresh_data()
    _purge_queue()

    # Due at the next whole minute at least 25 s away (time for the worker to start).
    start = timezone.now() + timedelta(seconds=25)
    due = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    PlannedContact.objects.bulk_create(
        (
            PlannedContact(
                shop=shop,
                review=r,
                buyer_id=r.buyer_id,
                kind=Kind.REVISE_FOLLOWUP,
                channel="im",
                due_at=due,
                assigned_to=agent,
            )
            for r in reviews
        ),
        batch_size=2000,
    )
    items = PlannedContact.objects.filter(shop=shop)

    log = Path(tempfile.mkdtemp(prefix="bench-scheduler-")) / "worker.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.bench_settings"),
    }
    worker = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "celery"),
            "-A",
            "config",
            "worker",
            "-Q",
            "outreach",
            "-c",
            "2",
            "-l",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        # Beat: a tick every 5 s, in step with the wall clock.
        deadline = due + timedelta(seconds=LOST_AFTER)
        while timezone.now() < deadline:
            outreach_tick()
            if timezone.now() > due and not items.filter(fired_at__isnull=True).exists():
                break
            time.sleep(BEAT_SECONDS - time.time() % BEAT_SECONDS)
        time.sleep(2)  # let any late duplicate land before counting
    finally:
        worker.terminate()
        worker.wait(30)

    fired = list(items.filter(fired_at__isnull=False).values_list("fired_at", flat=True))
    lateness = [(f - due).total_seconds() for f in fired] or [float("nan")]
    fire_events = Counter(
        e["planned_contact"]
        for e in ReviewEvent.objects.filter(review__shop=shop, kind=EventKind.DUE).values_list(
            "data", flat=True
        )
    )
    duplicates = sum(n - 1 for n in fire_events.values() if n > 1)
    lost = items.exclude(state=PlanState.DUE).count()
    return {
        "scheduler_lateness_p50_s": {
            "value": round(percentile(lateness, 50), 3),
            "unit": "s",
            "target": "< 5",
        },
        "scheduler_lateness_p99_s": {
            "value": round(percentile(lateness, 99), 3),
            "unit": "s",
            "target": "< 5",
        },
        "scheduler_duplicates": {"value": duplicates, "unit": "items", "target": 0},
        "scheduler_lost": {"value": lost, "unit": "items", "target": 0},
    }
