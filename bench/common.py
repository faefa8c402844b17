"""Helpers shared by benchmarks: bulk demo data in the benchmark database, timing."""

import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.utils import timezone

from demo.generator import generate_reviews
from reviews import mentions
from reviews.ingest import copy
from reviews.models import (
    OPEN_STATUSES,
    Buyer,
    Membership,
    Platform,
    Review,
    Role,
    Shop,
    Source,
    Status,
)

BENCH_PASSWORD = "bench-password"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary_ms(samples: list[float]) -> dict[str, float]:
    return {
        "p50": round(statistics.median(samples), 2),
        "p95": round(percentile(samples, 95), 2),
        "p99": round(percentile(samples, 99), 2),
    }


def bench_shop(
    slug: str, n_reviews: int, *, agents: int = 10, seed: int = 7
) -> tuple[Shop, list[User]]:
    """A shop with `n_reviews` generated reviews spread over `agents` agents (made once).

    Statuses follow a working shop: about a third open, the rest finished; most open work is
    assigned, some waits unassigned.
    """
    shop, _ = Shop.objects.get_or_create(
        slug=slug, defaults={"name": f"Bench {slug}", "platform": Platform.TAOBAO}
    )
    users = []
    hashed = None  # one hash for all: each costs a good second of CPU by design
    for i in range(agents):
        user, created = User.objects.get_or_create(username=f"{slug}-agent{i}")
        if created:
            hashed = hashed or make_password(BENCH_PASSWORD)
            user.password = hashed
            user.save(update_fields=["password"])
        Membership.objects.get_or_create(user=user, shop=shop, defaults={"role": Role.AGENT})
        users.append(user)
    have = Review.objects.filter(shop=shop).count()
    if have >= n_reviews:
        _plan_open_reviews(shop)
        return shop, users
    rnd = random.Random(seed)
    statuses = (
        [Status.NEW] * 20
        + [Status.CONTACTING] * 8
        + [Status.AGREED] * 3
        + [Status.DECLINED] * 2
        + [Status.UNREACHABLE] * 2
        + [Status.REVISED] * 25
        + [Status.REPLIED] * 20
        + [Status.CLOSED] * 20
    )
    batch: list[Review] = []
    buyers: dict[str, Buyer] = {b.nick: b for b in Buyer.objects.filter(shop=shop)}
    for i, demo in enumerate(generate_reviews(n_reviews, seed=seed)):
        if i < have:
            continue
        buyer = buyers.get(demo.nick)
        if buyer is None:
            buyer = buyers[demo.nick] = Buyer(shop=shop, nick=demo.nick, phone=demo.phone)
        status = rnd.choice(statuses)
        batch.append(
            Review(
                shop=shop,
                buyer=buyer,
                external_key=f"bench-{demo.platform_review_id}",
                platform_review_id=demo.platform_review_id,
                order_id=demo.order_id,
                product_name=demo.product_name,
                sku=demo.sku,
                amount=demo.amount or Decimal("0"),
                rating=demo.rating,
                text=demo.text,
                followup_text=demo.followup_text,
                reviewed_at=demo.reviewed_at,
                courier=demo.courier,
                named_agent=mentions.named_agent(demo.text),
                named_courier=mentions.named_courier(demo.text),
                tracking_no=demo.tracking_no,
                shipped_at=demo.shipped_at,
                delivered_at=demo.delivered_at,
                source=Source.DEMO,
                status=status,
                cause=demo.truth.cause,
                subcause=demo.truth.subcause,
                severity=demo.truth.severity,
                confidence=round(0.4 + rnd.random() * 0.6, 3),
                needs_triage=rnd.random() < 0.05,
                assigned_to=users[i % len(users)] if rnd.random() < 0.9 else None,
            )
        )
        if len(batch) >= 5000:
            _flush(batch, buyers)
            batch = []
    if batch:
        _flush(batch, buyers)
    _plan_open_reviews(shop)
    # Fresh statistics and visibility map, as autovacuum keeps them on a live database.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return shop, users


def _flush(batch: list[Review], buyers: dict[str, Buyer]) -> None:
    with transaction.atomic():
        new_buyers = [b for b in {r.buyer.nick: r.buyer for r in batch}.values() if b.pk is None]
        Buyer.objects.bulk_create(new_buyers, batch_size=2000)
        now = timezone.now()
        for review in batch:
            review.buyer_id = review.buyer.pk
            review.created_at = review.updated_at = now
        # COPY on PostgreSQL (the importer's writer): Django's bulk_create spends more time
        # preparing the values than the database spends storing them.
        copy.insert(Review, batch)


def _plan_open_reviews(shop: Shop, *, seed: int = 11) -> None:
    """One planned follow-up per open assigned review, some already overdue (made once)."""
    from django.utils import timezone

    from outreach.models import PlannedContact

    if PlannedContact.objects.filter(shop=shop).exists():
        return
    rnd = random.Random(seed)
    now = timezone.now()
    rows = []
    open_reviews = Review.objects.filter(shop=shop, status__in=OPEN_STATUSES).exclude(
        assigned_to=None
    )
    for review_id, buyer_id, agent_id in open_reviews.values_list(
        "id", "buyer_id", "assigned_to_id"
    ).iterator():
        due = now + timedelta(minutes=rnd.randint(-180, 3 * 24 * 60))
        past = due <= now
        rows.append(
            PlannedContact(
                shop=shop,
                review_id=review_id,
                buyer_id=buyer_id,
                assigned_to_id=agent_id,
                kind=rnd.choice(["first_call", "revise_followup", "persistence"]),
                channel="phone",
                due_at=due,
                state="due" if past else "planned",
                fired_at=due if past else None,
            )
        )
    PlannedContact.objects.bulk_create(rows, batch_size=5000)
