"""Manager reports (issue 7): every figure is computed by the database.

Counting rules, in one place so that tables, charts and exports agree:

- **Which reviews.** A review belongs to the day it was written (`reviewed_at`) in its shop's
  time zone; a range `start..end` holds the days from `start` to `end`, both included. Every
  row of `Review` came in as a neutral or negative review (positives only leave a key in
  `PositiveReview`), so all of them count, even those since revised to positive.
- **Once, by its current status.** Figures count reviews, never status changes or events:
  a review reopened and closed again three times is one review, counted by where it stands
  now.
- **handled**: every review of the range (the desk's work), which splits into
  `revised` (status revised), `replied` (status replied), `closed` (any of revised, replied,
  closed: the review is finished) and `unresolved` (any open status: new, contacting,
  agreed, declined, unreachable).
- **resolution rate** = revised ÷ closed: of the finished reviews, the share that ended
  revised. None when nothing is closed.
- **within window**: closed reviews whose last status change came no later than the
  platform's reply window after the review (`outreach.platforms`, e.g. 30 days on Taobao);
  on platforms without a window every closed review counts.
- **Funnel** (seed 000 一.2: ~95% agree on the phone, about half revise): `reached` = the
  review has at least one contact attempt with outcome reached, agreed, solved or declined;
  `agreed` = one with outcome agreed (agreed implies reached); `revised` = agreed and now
  revised, so each step is a subset of the one before. Reviews revised without agreement
  show in the resolution table, not here. Per agent means per assignee (`assigned_to`).
- **Speed**: hours from the review to its first contact attempt, over the reviews of the
  range that have one (median and 90th percentile); attempts per resolution = contact
  attempts on the closed reviews ÷ closed reviews; overdue = follow-ups due or missed whose
  time has passed, right now (whatever the range).
- **Good-review rate** = positives ÷ (positives + neutral/negative reviews) of the same days,
  positives from the keys ingestion keeps (`PositiveReview.day`, already a shop-local day).
- **Root causes**: neutral/negative reviews per product, courier or sub-cause in the range,
  beside the previous range of equal length (the trend).

Queries are per figure, not per row: a fixed number per distinct shop time zone.
"""

import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
)
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils import timezone

from outreach.models import Outcome, PlannedContact, PlanState
from outreach.platforms import rules_for

from .models import OPEN_STATUSES, PositiveReview, Review, Shop, Status

GRAINS = {"day": TruncDay, "week": TruncWeek, "month": TruncMonth}
CLOSED_STATUSES = [Status.REVISED, Status.REPLIED, Status.CLOSED]
REACHED_OUTCOMES = [Outcome.REACHED, Outcome.AGREED, Outcome.SOLVED, Outcome.DECLINED]
BREAKDOWNS = ("assigned_to", "cause", "subcause", "severity")
ROOT_CAUSES = ("product_name", "courier", "subcause")
TOP_N = 10


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "DateRange":
        """The range of equal length just before this one (the trend's baseline)."""
        return DateRange(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def bounds(self, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
        """[first moment, first moment after) of the range in time zone `tz`."""
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def periods(self, grain: str) -> list[date]:
        """The first day of every period the range touches, empty ones included."""
        first = _period_start(self.start, grain)
        out, day = [], first
        while day <= self.end:
            out.append(day)
            if grain == "day":
                day += timedelta(days=1)
            elif grain == "week":
                day += timedelta(days=7)
            else:
                day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        return out


def _period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def _tz_groups(shops: list[Shop]) -> list[tuple[zoneinfo.ZoneInfo, list[int]]]:
    groups: dict[str, list[int]] = defaultdict(list)
    for shop in shops:
        groups[shop.timezone].append(shop.pk)
    return [(zoneinfo.ZoneInfo(name), ids) for name, ids in sorted(groups.items())]


def _range_q(shops: list[Shop], rng: DateRange) -> Q:
    """The reviews of `rng`, each shop's days in its own time zone."""
    parts = []
    for tz, ids in _tz_groups(shops):
        lo, hi = rng.bounds(tz)
        parts.append(Q(shop_id__in=ids, reviewed_at__gte=lo, reviewed_at__lt=hi))
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def _within_window_q(shops: list[Shop]) -> Q:
    by_window: dict[int | None, list[int]] = defaultdict(list)
    for shop in shops:
        by_window[rules_for(shop.platform).reply_window_days].append(shop.pk)
    parts = []
    for days, ids in by_window.items():
        if days is None:
            parts.append(Q(shop_id__in=ids))
        else:
            limit = F("reviewed_at") + timedelta(days=days)
            parts.append(Q(shop_id__in=ids, status_changed_at__lte=limit))
    window = reduce(operator.or_, parts) if parts else Q(pk__in=[])
    return Q(status__in=CLOSED_STATUSES) & window


RESOLUTION_MEASURES = ["handled", "revised", "replied", "closed", "unresolved", "within_window"]


def _resolution_aggregates(shops: list[Shop]) -> dict:
    return {
        "handled": Count("id"),
        "revised": Count("id", filter=Q(status=Status.REVISED)),
        "replied": Count("id", filter=Q(status=Status.REPLIED)),
        "closed": Count("id", filter=Q(status__in=CLOSED_STATUSES)),
        "unresolved": Count("id", filter=Q(status__in=OPEN_STATUSES)),
        "within_window": Count("id", filter=_within_window_q(shops)),
    }


def ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _with_rate(row: dict) -> dict:
    row["rate"] = ratio(row["revised"], row["closed"])
    return row


def _reviews(shops: list[Shop], rng: DateRange) -> QuerySet:
    return Review.objects.filter(_range_q(shops, rng))


def _sum_periods(rows: list[dict]) -> dict:
    """A shop's whole range from its period rows (each review is in exactly one period)."""
    total = dict.fromkeys(RESOLUTION_MEASURES, 0)
    for row in rows:
        for key in total:
            total[key] += row[key]
    return _with_rate(total)


def _trunc(grain: str, tz: zoneinfo.ZoneInfo):
    return GRAINS[grain]("reviewed_at", tzinfo=tz, output_field=DateField())


def resolution_by_period(per_shop: dict[int, list[dict]]) -> list[dict]:
    """Counts and rate per period, all chosen shops together (sums of a few small rows)."""
    rows = [dict(row) for row in next(iter(per_shop.values()), [])]
    for other in list(per_shop.values())[1:]:
        for row, add in zip(rows, other, strict=True):
            for key, value in add.items():
                if key not in ("period", "rate"):
                    row[key] += value
    return [_with_rate(row) for row in rows]


def _sorted_sums(rows: list[dict], key: str, measures: list[str], sort_by: str) -> list[dict]:
    """Rows summed per `key` (a few hundred aggregated rows, never reviews), largest first."""
    sums: dict = {}
    for row in rows:
        into = sums.setdefault(row[key], {key: row[key], **dict.fromkeys(measures, 0)})
        for m in measures:
            into[m] += row[m]
        if "assigned_to__username" in row:
            into["assigned_to__username"] = row["assigned_to__username"]
    return sorted(sums.values(), key=lambda r: (-r[sort_by], str(r[key] or "")))


def resolution_breakdowns(shops: list[Shop], rng: DateRange) -> dict[str, list[dict]]:
    """Counts and rate per agent (assignee), cause, sub-cause and severity, largest first.

    One query grouped by all four (agents × 19 sub-causes × 2 severities rows at most), summed
    per dimension here: four scans of the range would cost four times as much.
    """
    keys = ["assigned_to", "assigned_to__username", "cause", "subcause", "severity"]
    aggregates = _resolution_aggregates(shops)
    rows = list(_reviews(shops, rng).values(*keys).annotate(**aggregates).order_by())
    return {
        dim: [_with_rate(r) for r in _sorted_sums(rows, dim, list(aggregates), "handled")]
        for dim in BREAKDOWNS
    }


# One LEFT JOIN to the attempts, each review counted once (DISTINCT) however many attempts it
# has: cheaper than three correlated EXISTS per review.
FUNNEL_AGGREGATES = {
    "reviews": Count("id", distinct=True),
    "reached": Count("id", distinct=True, filter=Q(contact_attempts__outcome__in=REACHED_OUTCOMES)),
    "agreed": Count("id", distinct=True, filter=Q(contact_attempts__outcome=Outcome.AGREED)),
    "revised": Count(
        "id",
        distinct=True,
        filter=Q(contact_attempts__outcome=Outcome.AGREED, status=Status.REVISED),
    ),
}


def _with_drops(row: dict) -> dict:
    """The share lost at each step (reached → agreed → revised)."""
    row["reached_rate"] = ratio(row["reached"], row["reviews"])
    row["agreed_rate"] = ratio(row["agreed"], row["reached"])
    row["revised_rate"] = ratio(row["revised"], row["agreed"])
    row["drop_agreed"] = row["reached"] - row["agreed"]
    row["drop_revised"] = row["agreed"] - row["revised"]
    return row


def funnel_rows(shops: list[Shop], rng: DateRange, grain: str) -> list[dict]:
    """Funnel counts per agent and period (one query per shop time zone); a review is in one
    agent's row and one period's, so sums of these rows count each review once."""
    out = []
    for tz, ids in _tz_groups(shops):
        out += (
            _reviews([s for s in shops if s.pk in ids], rng)
            .annotate(period=_trunc(grain, tz))
            .values("assigned_to", "assigned_to__username", "period")
            .annotate(**FUNNEL_AGGREGATES)
            .order_by()
        )
    return out


def funnel_by_agent(rows: list[dict]) -> list[dict]:
    return [
        _with_drops(r)
        for r in _sorted_sums(rows, "assigned_to", list(FUNNEL_AGGREGATES), "reached")
    ]


def funnel_by_period(rows: list[dict], rng: DateRange, grain: str) -> list[dict]:
    found = {
        r["period"]: r for r in _sorted_sums(rows, "period", list(FUNNEL_AGGREGATES), "reached")
    }
    empty = dict.fromkeys(FUNNEL_AGGREGATES, 0)
    return [_with_drops({**empty, **found.get(p, {}), "period": p}) for p in rng.periods(grain)]


def funnel_total(rows: list[dict]) -> dict:
    """The whole range's funnel from the per-period rows (each review is in one period)."""
    total = dict.fromkeys(FUNNEL_AGGREGATES, 0)
    for row in rows:
        for key in total:
            total[key] += row[key]
    return _with_drops(total)


class Percentile(Aggregate):
    """PostgreSQL's ordered-set aggregate: percentile_cont(p) WITHIN GROUP (ORDER BY x)."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra):
        super().__init__(expression, fraction=float(fraction), **extra)


class EpochSeconds(Func):
    """An interval in seconds (PostgreSQL)."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()


def _percentile(values: list[float], fraction: float) -> float | None:
    """percentile_cont's definition (linear interpolation), for databases without it."""
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * fraction
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def speed(shops: list[Shop], rng: DateRange) -> dict:
    """Hours to first contact (median, p90, how many reviews had one) and attempts per
    resolution."""
    # One join and GROUP BY review: the first attempt of each contacted review.
    contacted = (
        _reviews(shops, rng)
        .annotate(first_contact=Min("contact_attempts__created_at"))
        .filter(first_contact__isnull=False)
    )
    if connection.vendor == "postgresql":
        waits = contacted.annotate(
            wait=EpochSeconds(
                ExpressionWrapper(
                    F("first_contact") - F("reviewed_at"), output_field=DurationField()
                )
            )
        )
        figures = waits.aggregate(
            contacted=Count("id"),
            median=Percentile("wait", 0.5),
            p90=Percentile("wait", 0.9),
        )
    else:
        # SQLite has no percentile: the (few, laptop-sized) durations come back as pairs.
        pairs = contacted.values_list("first_contact", "reviewed_at")
        values = [(f - r).total_seconds() for f, r in pairs]
        figures = {
            "contacted": len(values),
            "median": _percentile(values, 0.5),
            "p90": _percentile(values, 0.9),
        }
    closed = (
        _reviews(shops, rng)
        .filter(status__in=CLOSED_STATUSES)
        .aggregate(closed=Count("id", distinct=True), attempts=Count("contact_attempts"))
    )
    # A snapshot, not a figure of the range: follow-ups owed right now (the board's definition).
    overdue = PlannedContact.objects.filter(
        shop_id__in=[s.pk for s in shops],
        state__in=[PlanState.DUE, PlanState.MISSED],
        due_at__lt=timezone.now(),
    ).count()
    return {
        "overdue": overdue,
        "contacted": figures["contacted"],
        "median_hours": _hours(figures["median"]),
        "p90_hours": _hours(figures["p90"]),
        "closed": closed["closed"],
        "attempts": closed["attempts"],
        "attempts_per_resolution": (
            round(closed["attempts"] / closed["closed"], 2) if closed["closed"] else None
        ),
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def good_review_rate(
    shops: list[Shop], rng: DateRange, grain: str, by_period: dict[int, list[dict]]
) -> list[dict]:
    """Per shop and period: positives, neutral/negative reviews and the good-review rate.

    `by_period` is {shop id: resolution_by_period rows of that shop} (already computed).
    """
    trunc = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[grain]
    positives = (
        PositiveReview.objects.filter(
            shop_id__in=[s.pk for s in shops], day__gte=rng.start, day__lte=rng.end
        )
        .annotate(period=trunc)
        .values("shop_id", "period")
        .annotate(n=Count("id"))
        .order_by()
    )
    counted = {(row["shop_id"], _as_date(row["period"])): row["n"] for row in positives}
    out = []
    for shop in shops:
        for row in by_period.get(shop.pk, []):
            good = counted.get((shop.pk, row["period"]), 0)
            out.append(
                {
                    "shop_id": shop.pk,
                    "period": row["period"],
                    "positive": good,
                    "negative": row["handled"],
                    "rate": ratio(good, good + row["handled"]),
                }
            )
    return out


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def resolution_by_shop_and_period(
    shops: list[Shop], rng: DateRange, grain: str
) -> dict[int, list[dict]]:
    """{shop id: per-period counts}: the good-review rate and the comparison need each shop."""
    found: dict[tuple[int, date], dict] = {}
    for tz, ids in _tz_groups(shops):
        group = [s for s in shops if s.pk in ids]
        rows = (
            _reviews(group, rng)
            .annotate(period=_trunc(grain, tz))
            .values("shop_id", "period")
            .annotate(**_resolution_aggregates(group))
            .order_by()
        )
        for row in rows:
            found[(row.pop("shop_id"), row.pop("period"))] = row
    empty = dict.fromkeys(_resolution_aggregates(shops), 0)
    return {
        shop.pk: [
            _with_rate({"period": p, **found.get((shop.pk, p), empty)}) for p in rng.periods(grain)
        ]
        for shop in shops
    }


def root_causes(shops: list[Shop], rng: DateRange, dimension: str) -> list[dict]:
    """The top products, couriers or sub-causes of the range, with the previous range's count
    beside them (the trend); blanks (no product or courier recorded) are left out."""
    assert dimension in ROOT_CAUSES
    previous = rng.previous()
    both = DateRange(previous.start, rng.end)
    rows = (
        _reviews(shops, both)
        .exclude(**{dimension: ""})
        .values(dimension)
        .annotate(
            n=Count("id", filter=_range_q(shops, rng)),
            previous=Count("id", filter=_range_q(shops, previous)),
            serious=Count("id", filter=_range_q(shops, rng) & Q(severity="serious")),
        )
        .filter(n__gt=0)
        .order_by("-n", dimension)[:TOP_N]
    )
    return [{"key": row[dimension], **row, "change": row["n"] - row["previous"]} for row in rows]


@dataclass
class Report:
    shops: list[Shop]
    range: DateRange
    grain: str
    by_shop: dict[int, dict] = field(default_factory=dict)
    periods: list[dict] = field(default_factory=list)
    breakdowns: dict[str, list[dict]] = field(default_factory=dict)
    funnel_agents: list[dict] = field(default_factory=list)
    funnel_periods: list[dict] = field(default_factory=list)
    funnel: dict = field(default_factory=dict)
    speed: dict = field(default_factory=dict)
    good_rate: list[dict] = field(default_factory=list)
    roots: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def total(self) -> dict:
        return _sum_periods(list(self.by_shop.values()))


def build_report(shops: list[Shop], rng: DateRange, grain: str) -> Report:
    """Every figure of the reports page: a fixed number of queries per shop time zone."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles these aggregates for ~40 ms each (measured: 370 of
            # 550 ms on the funnel over 40k reviews) and saves nothing at this size.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        return _build_report(shops, rng, grain)


def _build_report(shops: list[Shop], rng: DateRange, grain: str) -> Report:
    per_shop_period = resolution_by_shop_and_period(shops, rng, grain)
    funnel = funnel_rows(shops, rng, grain)
    funnel_periods = funnel_by_period(funnel, rng, grain)
    return Report(
        shops=shops,
        range=rng,
        grain=grain,
        by_shop={pk: _sum_periods(rows) for pk, rows in per_shop_period.items()},
        periods=resolution_by_period(per_shop_period),
        breakdowns=resolution_breakdowns(shops, rng),
        funnel_agents=funnel_by_agent(funnel),
        funnel_periods=funnel_periods,
        funnel=funnel_total(funnel_periods),
        speed=speed(shops, rng),
        good_rate=good_review_rate(shops, rng, grain, per_shop_period),
        roots={dim: root_causes(shops, rng, dim) for dim in ROOT_CAUSES},
    )
