"""Manager reports (issue 7): every figure is computed by the database.

The page reads daily roll-ups (`reviews.rollups`: a few hundred rows per shop and day, kept
current every minute by a Celery task from marks that database triggers write), never the
reviews themselves, so it answers as fast over a million reviews as over a hundred. The
counting rules, in one place so that tables, charts and exports agree:

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

Queries are per figure, not per row: a fixed number however many shops and days.
"""

import operator
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce

from django.db import connection, transaction
from django.db.models import DateField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from outreach.models import PlannedContact, PlanState

from .models import (
    ACTIVE_SPIKES,
    ReportDay,
    ReportRoot,
    ReportShopDay,
    ReportWait,
    RootDimension,
    Severity,
    Shop,
    SpikeAlert,
)
from .rollups import DSR_KEYS

GRAINS = ("day", "week", "month")
BREAKDOWNS = ("assigned_to", "cause", "subcause", "severity")
# Root-cause tables: the dimension's key in Report.roots → where its rows come from.
ROOT_CAUSES = {
    "product_name": RootDimension.PRODUCT,
    "courier": RootDimension.COURIER,
    "subcause": None,  # from ReportDay, which every review has a row in
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


def _range_q(shops: list[Shop], rng: DateRange) -> Q:
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


def _period(grain: str):
    if grain == "week":
        return TruncWeek("day", output_field=DateField())
    if grain == "month":
        return TruncMonth("day", output_field=DateField())
    return F("day")


def _sums(*names: str, **renamed: str) -> dict:
    """Sum(column) per name (0, not None, when no row matches)."""
    out = {name: Sum(name, default=0) for name in names}
    out.update({name: Sum(column, default=0) for name, column in renamed.items()})
    return out


RESOLUTION_MEASURES = ["handled", "revised", "replied", "closed", "unresolved", "within_window"]
FUNNEL_MEASURES = {"reviews": "handled", "reached": "reached", "agreed": "agreed",
                   "revised": "agreed_revised"}  # fmt: skip


def _with_rate(row: dict) -> dict:
    row["rate"] = ratio(row["revised"], row["closed"])
    return row


def _sum_rows(rows: list[dict], measures) -> dict:
    total = dict.fromkeys(measures, 0)
    for row in rows:
        for key in total:
            total[key] += row[key]
    return total


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def resolution_by_shop_and_period(
    shops: list[Shop], rng: DateRange, grain: str
) -> dict[int, list[dict]]:
    """{shop id: per-period counts, empty periods included}."""
    rows = (
        _in(ReportDay, shops, rng)
        .annotate(period=_period(grain))
        .values("shop_id", "period")
        .annotate(**_sums(*RESOLUTION_MEASURES))
        .order_by()
    )
    found = {(r.pop("shop_id"), _as_date(r.pop("period"))): r for r in rows}
    empty = dict.fromkeys(RESOLUTION_MEASURES, 0)
    return {
        shop.pk: [
            _with_rate({"period": p, **found.get((shop.pk, p), empty)}) for p in rng.periods(grain)
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


def resolution_breakdowns(shops: list[Shop], rng: DateRange) -> dict[str, list[dict]]:
    """Counts and rate per agent (assignee), cause, sub-cause and severity, largest first:
    one query grouped by all four, summed per dimension here."""
    keys = ["assigned_to", "assigned_to__username", "cause", "subcause", "severity"]
    rows = list(
        _in(ReportDay, shops, rng).values(*keys).annotate(**_sums(*RESOLUTION_MEASURES)).order_by()
    )
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


def funnel_rows(shops: list[Shop], rng: DateRange, grain: str) -> list[dict]:
    """Funnel counts per agent and period (a review is in one agent's row and one period's)."""
    return list(
        _in(ReportDay, shops, rng)
        .annotate(period=_period(grain))
        .values("assigned_to", "assigned_to__username", "period")
        .annotate(**_sums(**FUNNEL_MEASURES))
        .order_by()
    )


def funnel_by_agent(rows: list[dict]) -> list[dict]:
    return [_with_drops(r) for r in _sorted_sums(rows, "assigned_to", FUNNEL_MEASURES, "reached")]


def funnel_by_period(rows: list[dict], rng: DateRange, grain: str) -> list[dict]:
    for row in rows:
        row["period"] = _as_date(row["period"])
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


def speed(shops: list[Shop], rng: DateRange) -> dict:
    """Hours to first contact (median, p90), first contacts in the playbook's window, attempts
    per resolution, overdue follow-ups now."""
    figures = _in(ReportDay, shops, rng).aggregate(
        **_sums("contacted", "first_planned", "first_in_window", "closed", "attempts_closed")
    )
    buckets = _in(ReportWait, shops, rng).values("bucket").annotate(reviews=Sum("n")).order_by()
    pairs = [(row["bucket"] * ReportWait.BUCKET_SECONDS, row["reviews"]) for row in buckets]
    # A snapshot, not a figure of the range: follow-ups owed right now (the board's definition).
    overdue = PlannedContact.objects.filter(
        shop_id__in=[s.pk for s in shops],
        state__in=[PlanState.DUE, PlanState.MISSED],
        due_at__lt=timezone.now(),
    ).count()
    closed, attempts = figures["closed"], figures["attempts_closed"]
    return {
        "overdue": overdue,
        "contacted": figures["contacted"],
        "median_hours": _hours(weighted_percentile(pairs, 0.5)),
        "p90_hours": _hours(weighted_percentile(pairs, 0.9)),
        "first_planned": figures["first_planned"],
        "first_in_window": figures["first_in_window"],
        "first_in_window_rate": ratio(figures["first_in_window"], figures["first_planned"]),
        "closed": closed,
        "attempts": attempts,
        "attempts_per_resolution": round(attempts / closed, 2) if closed else None,
    }


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def good_review_rate(
    shops: list[Shop], rng: DateRange, grain: str, by_period: dict[int, list[dict]]
) -> list[dict]:
    """Per shop and period: positives, neutral/negative reviews, the good-review rate and the
    average DSR scores where reviews carried them. `by_period` is
    resolution_by_shop_and_period's result (already computed)."""
    dsr_columns = {}
    for key in DSR_KEYS:
        dsr_columns[f"dsr_{key}_sum"] = f"dsr_{key}_sum"
        dsr_columns[f"dsr_{key}_n"] = f"dsr_{key}_n"
    rows = (
        _in(ReportShopDay, shops, rng)
        .annotate(period=_period(grain))
        .values("shop_id", "period")
        .annotate(**_sums("positive", **dsr_columns))
        .order_by()
    )
    found = {(r.pop("shop_id"), _as_date(r.pop("period"))): r for r in rows}
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
    range's count beside them (the trend); blanks are never rows. Two queries: the roll-up of
    names (all four dimensions grouped at once: a few hundred keys) and the sub-causes."""
    previous = rng.previous()
    both = DateRange(previous.start, rng.end)
    in_range, in_previous = Q(day__gte=rng.start), Q(day__lt=rng.start)
    named = (
        _in(ReportRoot, shops, both)
        .values("dimension", "key")
        .annotate(
            now=Sum("n", filter=in_range, default=0),
            before=Sum("n", filter=in_previous, default=0),
            grave=Sum("serious", filter=in_range, default=0),
        )
        .order_by()
    )
    subcauses = (
        _in(ReportDay, shops, both)
        .values(key=F("subcause"))
        .annotate(
            now=Sum("handled", filter=in_range, default=0),
            before=Sum("handled", filter=in_previous, default=0),
            grave=Sum("handled", filter=in_range & Q(severity=Severity.SERIOUS), default=0),
        )
        .order_by()
    )
    grouped: dict[str, list[dict]] = {dim: [] for dim in ROOT_CAUSES}
    by_source = {source: dim for dim, source in ROOT_CAUSES.items()}
    for row in named:
        grouped[by_source[row["dimension"]]].append(row)
    grouped["subcause"] = list(subcauses)
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


def active_spikes(shops: list[Shop]) -> list[SpikeAlert]:
    return list(
        SpikeAlert.objects.filter(shop__in=shops, state__in=ACTIVE_SPIKES)
        .select_related("shop")
        .order_by("state", "-count", "key")
    )


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
    spikes: list[SpikeAlert] = field(default_factory=list)
    as_of: datetime | None = None

    @property
    def total(self) -> dict:
        return _with_rate(_sum_rows(list(self.by_shop.values()), RESOLUTION_MEASURES))


def build_report(shops: list[Shop], rng: DateRange, grain: str) -> Report:
    """Every figure of the reports page: a fixed number of queries over the roll-ups."""
    from .rollups import stale_since

    with transaction.atomic():
        if connection.vendor == "postgresql":
            # PostgreSQL's JIT compiles aggregates for ~40 ms each and saves nothing here.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        per_shop_period = resolution_by_shop_and_period(shops, rng, grain)
        funnel = funnel_rows(shops, rng, grain)
        funnel_periods = funnel_by_period(funnel, rng, grain)
        return Report(
            shops=shops,
            range=rng,
            grain=grain,
            by_shop={
                pk: _with_rate(_sum_rows(rows, RESOLUTION_MEASURES))
                for pk, rows in per_shop_period.items()
            },
            periods=resolution_by_period(per_shop_period),
            breakdowns=resolution_breakdowns(shops, rng),
            funnel_agents=funnel_by_agent(funnel),
            funnel_periods=funnel_periods,
            funnel=funnel_total(funnel_periods),
            speed=speed(shops, rng),
            good_rate=good_review_rate(shops, rng, grain, per_shop_period),
            roots=root_causes(shops, rng),
            spikes=active_spikes(shops),
            as_of=stale_since(),
        )
