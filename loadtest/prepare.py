"""Data for the load test: the `load` shop with 100,000 reviews and 50 agents (made once).

Run with the load run's DATABASE_URL (`python -m loadtest.prepare`, or `make load` does it);
`--counts` prints what the agents' writes left behind.
The reviews come from bench.common.bench_shop, so the load test and `make bench` see the same
kind of shop: a third of the reviews open, most of them assigned, one follow-up planned per
open assigned review.
"""

import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.bench_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def counts() -> dict[str, int]:
    """What the agents' writes leave behind, to check after a run that every write the load
    test saw succeed is stored (`python -m loadtest.prepare --counts` prints it as JSON)."""
    from outreach.models import ContactAttempt, Kind, PlannedContact, Reply

    from .scenario import SHOP

    return {
        "contact_attempts": ContactAttempt.objects.filter(review__shop__slug=SHOP).count(),
        "revise_followups": PlannedContact.objects.filter(
            shop__slug=SHOP, kind=Kind.REVISE_FOLLOWUP
        ).count(),
        "replies": Reply.objects.filter(shop__slug=SHOP).count(),
    }


def main() -> int:
    _setup()
    if sys.argv[1:] == ["--counts"]:
        print(json.dumps(counts()))
        return 0
    from django.core.management import call_command

    from bench.common import BENCH_PASSWORD, bench_shop
    from reviews.models import OPEN_STATUSES, Review

    from .scenario import AGENTS, PASSWORD, REVIEWS, SHOP

    assert PASSWORD == BENCH_PASSWORD, "scenario.PASSWORD must match the bench users' password"
    started = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    shop, agents = bench_shop(SHOP, REVIEWS, agents=AGENTS)
    stored = Review.objects.filter(shop=shop).count()
    mine = Review.objects.filter(shop=shop, assigned_to=agents[0], status__in=OPEN_STATUSES)
    print(
        f"shop {shop.slug}: {stored} reviews, {len(agents)} agents "
        f"({mine.count()} open reviews each, about) in {time.perf_counter() - started:.0f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
