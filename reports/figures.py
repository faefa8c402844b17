"""Manager reports: every figure is computed by the database.

The page reads daily roll-ups (`reports.rollups`: a few hundred rows per shop and day, kept
current every minute by a Celery task from marks that database triggers write), never the
reviews themselves, so it answers as fast over a million reviews as over a hundred. The
module is long on purpose: the counting rules stay in one place so that the dashboard, tables,
charts and exports agree:

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
  range that have one (median and 90th percentile, to the 0.1 h shown: the roll-up keeps
  6-minute buckets); **first contact in the playbook's window** = of the contacted reviews
  that had a first call (or a historical review's apology call) planned, those first
  contacted no later than the planned time plus the playbook's "missed after" grace;
  attempts per resolution = contact attempts on the closed reviews ÷ closed reviews;
  overdue = follow-ups due or missed whose time has passed, right now (whatever the range).
- **Good-review rate** = positives ÷ (positives + neutral/negative reviews) of the same days,
  positives from the keys ingestion keeps (`PositiveReview.day`, already a shop-local day).
  **DSR**: the average of the detailed seller ratings the range's reviews carry, where the
  export or webhook had them.
- **Root causes**: neutral/negative reviews per product, courier, sub-cause, agent named
  and courier named in the words (`reviews.mentions`), beside the previous range of equal
  length (the trend).
- **The previous range** of equal length (the dashboard's trend): its reviews, revised,
  finished, unresolved, agreed → revised and positives per day, counted by the same rules and
  kept per shop-day (`ReportShopDay`), so looking back costs a few dozen rows.

Queries are per figure, not per row: a fixed number however many shops and days.
"""

import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from outreach.models import PlannedContact, PlanState
from reviews.models import Shop

from . import call_figures
from .models import (
    ACTIVE_SPIKES,
    ReportDay,
    ReportRoot,
    ReportShopDay,
    ReportWait,
    RootDimension,
    SpikeAlert,
)
from .rollups import DSR_KEYS, as_date, stale_since

GRAINS = ("day", "week", "month")
BREAKDOWNS = ("assigned_to", "cause", "subcause", "severity")
# Root-cause tables: the dimension's key in Report.roots → where its rows come from.
ROOT_CAUSES = {
    "product_name": RootDimension.PRODUCT,
    "courier": RootDimension.COURIER,
    "subcause": RootDimension.SUBCAUSE,
    "named_agent": RootDimension.NAMED_AGENT,
    "named_courier": RootDimension.NAMED_COURIER,
}
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
        first = period_start(self.start, grain)
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


def period_start(day: date, grain: str) -> date:
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def range_q(shops: list[Shop], rng: DateRange) -> Q:
    """The reviews of `rng`, each shop's days in its own time zone (the drill-down)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for shop in shops:
        groups[shop.timezone].append(shop.pk)
    parts = []
    for name, ids in sorted(groups.items()):
        lo, hi = rng.bounds(zoneinfo.ZoneInfo(name))
        parts.append(Q(shop_id__in=ids, reviewed_at__gte=lo, reviewed_at__lt=hi))
    return reduce(operator.or_, parts) if parts else Q(pk__in=[])


def ratio(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, 4) if whole else None


def _in(model, shops: list[Shop], rng: DateRange) -> QuerySet:
    return model.objects.filter(
        shop_id__in=[s.pk for s in shops], day__gte=rng.start, day__lte=rng.end
    )


def _sums(*names: str) -> dict:
    """Sum(column) per name (0, not None, when no row matches)."""
    return {name: Sum(name, default=0) for name in names}


RESOLUTION_MEASURES = ["handled", "revised", "replied", "closed", "unresolved", "within_window"]
# The funnel's steps and the ReportDay column each one sums.
FUNNEL_MEASURES = {"reviews": "handled", "reached": "reached", "agreed": "agreed",
                   "revised": "agreed_revised"}  # fmt: skip
SPEED_MEASURES = ["contacted", "first_planned", "first_in_window", "closed", "attempts_closed"]
DAY_MEASURES = sorted({*RESOLUTION_MEASURES, *FUNNEL_MEASURES.values(), *SPEED_MEASURES})


def _with_rate(row: dict) -> dict:
    row["rate"] = ratio(row["revised"], row["closed"])
    return row


def _sum_rows(rows, measures) -> dict:
    total = dict.fromkeys(measures, 0)
    for row in rows:
        for key in total:
            total[key] += row[key]
    return total


def _add(into: dict, row: dict, measures) -> None:
    for m in measures:
        into[m] = into.get(m, 0) + row[m]


@dataclass
class DayFigures:
    """The range's ReportDay rows summed per shop, agent and day — one scan that the
    resolution-by-period, funnel and speed figures all fold from in Python (a few hundred
    rows: shops × agents × days). Grouping by the day (a date) and folding days into weeks or
    months here is far cheaper than date_trunc over every roll-up row."""

    rows: list[dict]
    usernames: dict[int, str]

    @classmethod
    def load(cls, shops: list[Shop], rng: DateRange) -> "DayFigures":
        rows = list(
            _in(ReportDay, shops, rng)
            .values("shop_id", "assigned_to", "day")
            .annotate(**_sums(*DAY_MEASURES))
            .order_by()
        )
        agents = {row["assigned_to"] for row in rows if row["assigned_to"]}
        # Agents by the name the rest of the desk shows (小王), their login where they have none.
        people = User.objects.filter(pk__in=agents).values_list(
            "pk", "first_name", "last_name", "username"
        )
        usernames = {
            pk: f"{first} {last}".strip() or username for pk, first, last, username in people
        }
        return cls(rows=rows, usernames=usernames)


# The previous range's figures (the dashboard's trend), from ReportShopDay's day totals.
PREVIOUS_MEASURES = [*ReportShopDay.TOTALS, "positive"]


def previous_by_period(rows: list[dict], rng: DateRange, grain: str) -> list[dict]:
    """Per period of `rng` (the previous range), empty periods included: its shop-day totals."""
    found: dict[date, dict] = {}
    for row in rows:
        _add(found.setdefault(period_start(as_date(row["day"]), grain), {}), row, PREVIOUS_MEASURES)
    empty = dict.fromkeys(PREVIOUS_MEASURES, 0)
    return [{"period": p, **empty, **found.get(p, {})} for p in rng.periods(grain)]


def previous_totals(rows: list[dict]) -> dict:
    """The previous range's headline counts: resolution, the funnel's agreed → revised and the
    positives of its days."""
    return _with_rate(_sum_rows(rows, PREVIOUS_MEASURES))


def resolution_by_shop_and_period(
    figures: DayFigures, shops: list[Shop], rng: DateRange, grain: str
) -> dict[int, list[dict]]:
    """{shop id: per-period counts, empty periods included}."""
    found: dict[tuple[int, date], dict] = {}
    for row in figures.rows:
        key = (row["shop_id"], period_start(as_date(row["day"]), grain))
        _add(found.setdefault(key, {}), row, RESOLUTION_MEASURES)
    empty = dict.fromkeys(RESOLUTION_MEASURES, 0)
    return {
        shop.pk: [
            _with_rate({"period": p, **empty, **found.get((shop.pk, p), {})})
            for p in rng.periods(grain)
        ]
        for shop in shops
    }


def resolution_by_period(per_shop: dict[int, list[dict]]) -> list[dict]:
    """Counts and rate per period, all chosen shops together."""
    rows = [dict(row) for row in next(iter(per_shop.values()), [])]
    for other in list(per_shop.values())[1:]:
        for row, add in zip(rows, other, strict=True):
            for key in RESOLUTION_MEASURES:
                row[key] += add[key]
    return [_with_rate(row) for row in rows]


def _sorted_sums(rows: list[dict], key: str, measures, sort_by: str) -> list[dict]:
    """Rows summed per `key` (a few hundred aggregated rows), largest first."""
    sums: dict = {}
    for row in rows:
        into = sums.setdefault(row[key], {key: row[key], **dict.fromkeys(measures, 0)})
        for m in measures:
            into[m] += row[m]
        if "assigned_to__username" in row:
            into["assigned_to__username"] = row["assigned_to__username"]
    return sorted(sums.values(), key=lambda r: (-r[sort_by], str(r[key] or "")))


def resolution_breakdowns(
    shops: list[Shop], rng: DateRange, usernames: dict[int, str]
) -> dict[str, list[dict]]:
    """Counts and rate per agent (assignee), cause, sub-cause and severity, largest first:
    one query grouped by all four (a few hundred rows), summed per dimension here."""
    rows = list(
        _in(ReportDay, shops, rng)
        .values("assigned_to", "cause", "subcause", "severity")
        .annotate(**_sums(*RESOLUTION_MEASURES))
        .order_by()
    )
    for row in rows:
        row["assigned_to__username"] = usernames.get(row["assigned_to"])
    return {
        dim: [_with_rate(r) for r in _sorted_sums(rows, dim, RESOLUTION_MEASURES, "handled")]
        for dim in BREAKDOWNS
    }


def _with_drops(row: dict) -> dict:
    """The share lost at each step (reached → agreed → revised)."""
    row["reached_rate"] = ratio(row["reached"], row["reviews"])
    row["agreed_rate"] = ratio(row["agreed"], row["reached"])
    row["revised_rate"] = ratio(row["revised"], row["agreed"])
    row["drop_agreed"] = row["reached"] - row["agreed"]
    row["drop_revised"] = row["agreed"] - row["revised"]
    return row


def funnel_rows(figures: DayFigures, grain: str) -> list[dict]:
    """Funnel counts per agent and period (a review is in one agent's row and one period's)."""
    found: dict[tuple, dict] = {}
    for row in figures.rows:
        agent = row["assigned_to"]
        key = (agent, period_start(as_date(row["day"]), grain))
        into = found.setdefault(
            key,
            {
                "assigned_to": agent,
                "assigned_to__username": figures.usernames.get(agent),
                "period": key[1],
                **dict.fromkeys(FUNNEL_MEASURES, 0),
            },
        )
        for step, column in FUNNEL_MEASURES.items():
            into[step] += row[column]
    return list(found.values())


def funnel_by_agent(rows: list[dict]) -> list[dict]:
    return [_with_drops(r) for r in _sorted_sums(rows, "assigned_to", FUNNEL_MEASURES, "reached")]


def funnel_by_period(rows: list[dict], rng: DateRange, grain: str) -> list[dict]:
    found = {r["period"]: r for r in _sorted_sums(rows, "period", FUNNEL_MEASURES, "reached")}
    empty = dict.fromkeys(FUNNEL_MEASURES, 0)
    return [_with_drops({**empty, **found.get(p, {}), "period": p}) for p in rng.periods(grain)]


def funnel_total(rows: list[dict]) -> dict:
    return _with_drops(_sum_rows(rows, FUNNEL_MEASURES))


def weighted_percentile(pairs: list[tuple[float, int]], fraction: float) -> float | None:
    """percentile_cont (linear interpolation) over values given with their counts."""
    pairs = sorted((v, n) for v, n in pairs if n)
    total = sum(n for _v, n in pairs)
    if not total:
        return None
    k = (total - 1) * fraction
    lo, hi = int(k), min(int(k) + 1, total - 1)
    values = {}
    seen = 0
    for value, n in pairs:
        for index in (lo, hi):
            if seen <= index < seen + n:
                values[index] = value
        seen += n
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def speed(figures: DayFigures, shops: list[Shop], rng: DateRange) -> dict:
    """Hours to first contact (median, p90), first contacts in the playbook's window, attempts
    per resolution, overdue follow-ups now."""
    sums = _sum_rows(figures.rows, SPEED_MEASURES)
    buckets = _in(ReportWait, shops, rng).values("bucket").annotate(reviews=Sum("n")).order_by()
    pairs = [(row["bucket"] * ReportWait.BUCKET_SECONDS, row["reviews"]) for row in buckets]
    # A snapshot, not a figure of the range: follow-ups owed right now (the board's definition).
    overdue = PlannedContact.objects.filter(
        shop_id__in=[s.pk for s in shops],
        state__in=[PlanState.DUE, PlanState.MISSED],
        due_at__lt=timezone.now(),
    ).count()
    closed, attempts = sums["closed"], sums["attempts_closed"]
    return {
        "overdue": overdue,
        "contacted": sums["contacted"],
        "median_hours": _hours(weighted_percentile(pairs, 0.5)),
        "p90_hours": _hours(weighted_percentile(pairs, 0.9)),
        "first_planned": sums["first_planned"],
        "first_in_window": sums["first_in_window"],
        "first_in_window_rate": ratio(sums["first_in_window"], sums["first_planned"]),
        "closed": closed,
        "attempts": attempts,
        "attempts_per_resolution": round(attempts / closed, 2) if closed else None,
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def shop_days(shops: list[Shop], rng: DateRange) -> tuple[list[dict], list[dict]]:
    """The ReportShopDay rows (positives, DSR sums, the day's totals) of the range and of the
    previous range of equal length (the trend) — one query over both, one row a shop-day."""
    columns = [f"dsr_{k}_{part}" for k in DSR_KEYS for part in ("sum", "n")]
    rows = _in(ReportShopDay, shops, DateRange(rng.previous().start, rng.end)).values(
        "shop_id", "day", *PREVIOUS_MEASURES, *columns
    )
    current, previous = [], []
    for row in rows:
        (current if as_date(row["day"]) >= rng.start else previous).append(row)
    return current, previous


def good_review_rate(
    rows: list[dict], shops: list[Shop], grain: str, by_period: dict[int, list[dict]]
) -> list[dict]:
    """Per shop and period: positives, neutral/negative reviews, the good-review rate and the
    average DSR scores where reviews carried them. `rows` are shop_days' of the range,
    `by_period` resolution_by_shop_and_period's result (already computed)."""
    columns = ["positive"] + [f"dsr_{k}_{part}" for k in DSR_KEYS for part in ("sum", "n")]
    found: dict[tuple[int, date], dict] = {}
    for row in rows:
        key = (row["shop_id"], period_start(as_date(row["day"]), grain))
        _add(found.setdefault(key, {}), row, columns)
    out = []
    for shop in shops:
        for row in by_period.get(shop.pk, []):
            day = found.get((shop.pk, row["period"]), {})
            good = day.get("positive", 0)
            item = {
                "shop_id": shop.pk,
                "period": row["period"],
                "positive": good,
                "negative": row["handled"],
                "rate": ratio(good, good + row["handled"]),
            }
            for key in DSR_KEYS:
                n = day.get(f"dsr_{key}_n", 0)
                item[f"dsr_{key}"] = round(day[f"dsr_{key}_sum"] / n, 2) if n else None
            out.append(item)
    return out


def root_causes(shops: list[Shop], rng: DateRange) -> dict[str, list[dict]]:
    """The top products, couriers, sub-causes and names of the range, with the previous
    range's count beside them (the trend); blanks are never rows. One query over the
    roll-up's per-key totals, every dimension at once (a few thousand rows)."""
    previous = rng.previous()
    in_range, in_previous = Q(day__gte=rng.start), Q(day__lt=rng.start)
    named = (
        _in(ReportRoot, shops, DateRange(previous.start, rng.end))
        .filter(subcause=ReportRoot.ALL)
        .values("dimension", "key")
        .annotate(
            now=Sum("n", filter=in_range, default=0),
            before=Sum("n", filter=in_previous, default=0),
            grave=Sum("serious", filter=in_range, default=0),
        )
        .order_by()
    )
    grouped: dict[str, list[dict]] = {dim: [] for dim in ROOT_CAUSES}
    by_source = {source: dim for dim, source in ROOT_CAUSES.items()}
    for row in named:
        grouped[by_source[row["dimension"]]].append(row)
    return {
        dim: [
            {
                "key": row["key"],
                "n": row["now"],
                "previous": row["before"],
                "serious": row["grave"],
                "change": row["now"] - row["before"],
            }
            for row in sorted(rows, key=lambda r: (-r["now"], r["key"]))
            if row["now"] > 0
        ][:TOP_N]
        for dim, rows in grouped.items()
    }


SPIKES_SHOWN = 10


def active_spikes(shops: list[Shop]) -> tuple[list[SpikeAlert], int]:
    """The spikes still going on, unseen first, largest first (the first SPIKES_SHOWN), and
    how many there are in all."""
    active = SpikeAlert.objects.filter(shop__in=shops, state__in=ACTIVE_SPIKES)
    shown = list(
        active.select_related("shop", "acknowledged_by").order_by("state", "-count", "key")[
            :SPIKES_SHOWN
        ]
    )
    return shown, (len(shown) if len(shown) < SPIKES_SHOWN else active.count())


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
    calls_agents: list[dict] = field(default_factory=list)  # call_figures.calls_by_agent
    spikes: list[SpikeAlert] = field(default_factory=list)
    spikes_total: int = 0
    as_of: datetime | None = None
    # The previous range of equal length: its totals (previous_totals) and its periods.
    previous: dict = field(default_factory=dict)
    previous_periods: list[dict] = field(default_factory=list)

    @property
    def total(self) -> dict:
        return _with_rate(_sum_rows(list(self.by_shop.values()), RESOLUTION_MEASURES))


def build_report(shops: list[Shop], rng: DateRange, grain: str) -> Report:
    """Every figure of the reports page: a fixed number of queries over the roll-ups."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles aggregates for ~40 ms each and saves nothing here.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        days = DayFigures.load(shops, rng)
        per_shop_period = resolution_by_shop_and_period(days, shops, rng, grain)
        funnel = funnel_rows(days, grain)
        funnel_periods = funnel_by_period(funnel, rng, grain)
        spikes, spikes_total = active_spikes(shops)
        good_days, previous_days = shop_days(shops, rng)
        return Report(
            shops=shops,
            range=rng,
            grain=grain,
            by_shop={
                pk: _with_rate(_sum_rows(rows, RESOLUTION_MEASURES))
                for pk, rows in per_shop_period.items()
            },
            periods=resolution_by_period(per_shop_period),
            breakdowns=resolution_breakdowns(shops, rng, days.usernames),
            funnel_agents=funnel_by_agent(funnel),
            funnel_periods=funnel_periods,
            funnel=funnel_total(funnel_periods),
            speed=speed(days, shops, rng),
            good_rate=good_review_rate(good_days, shops, grain, per_shop_period),
            roots=root_causes(shops, rng),
            calls_agents=call_figures.calls_by_agent(shops, rng),
            spikes=spikes,
            spikes_total=spikes_total,
            as_of=stale_since(),
            previous=previous_totals(previous_days),
            previous_periods=previous_by_period(previous_days, rng.previous(), grain),
        )
