"""Call figures from masked calling's call records (calls.CallRecord), per agent:

- **calls placed**: calls the provider reported ended (its release report), by when they were
  dialled (`call_time`), each shop's days in its own time zone; answered or not, each call once;
- **answered**: of those, calls with talk time that the provider connected (no unconnected
  cause); **answered ÷ placed** shown beside both, so every rate carries its base;
- **talk time**: minutes between the buyer answering and the release, over answered calls, and
  their average per answered call.

Calls made by hand (the tel: link) have no record and are not counted here; their attempts
count in the funnel as before. One query however many shops and days.
"""

import operator
import zoneinfo
from collections import defaultdict
from functools import reduce

from django.db.models import Count, Q, Sum

from calls.models import CallRecord
from reviews.models import Shop

ANSWERED = Q(talk_seconds__gt=0) & (Q(unconnected_cause__isnull=True) | Q(unconnected_cause=0))


def _dialled_in(shops: list[Shop], rng) -> Q:
    """`rng` is a figures.DateRange (this module is imported by figures, not the reverse)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for shop in shops:
        groups[shop.timezone].append(shop.pk)
    parts = []
    for name, ids in sorted(groups.items()):
        lo, hi = rng.bounds(zoneinfo.ZoneInfo(name))
        parts.append(Q(shop_id__in=ids, call_time__gte=lo, call_time__lt=hi))
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def calls_by_agent(shops: list[Shop], rng) -> list[dict]:
    rows = (
        CallRecord.objects.filter(_dialled_in(shops, rng), released_at__isnull=False)
        .values("agent", "agent__username")
        .annotate(
            placed=Count("id"),
            answered=Count("id", filter=ANSWERED),
            talk_seconds=Sum("talk_seconds", filter=ANSWERED, default=0),
        )
        .order_by("-placed", "agent__username")
    )
    return [_with_rates(row) for row in rows]


def calls_total(rows: list[dict]) -> dict:
    """All agents together (the table's last row, present even when nobody called)."""
    total = {key: sum(row[key] for row in rows) for key in ("placed", "answered", "talk_seconds")}
    return _with_rates({"agent": None, "agent__username": None, **total})


def _with_rates(row: dict) -> dict:
    minutes = round(row["talk_seconds"] / 60, 1)
    answered = row["answered"]
    return {
        **row,
        "answer_rate": round(answered / row["placed"], 4) if row["placed"] else None,
        "talk_minutes": minutes,
        "minutes_per_answered": round(row["talk_seconds"] / 60 / answered, 1) if answered else None,
    }
