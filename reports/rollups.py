"""Report roll-ups: the stale days of each shop, recomputed whole.

Database triggers (the reviews app's migration 0006) mark a (shop, UTC day) stale in
`ReportDirty` whenever a review, a contact attempt, a first-call plan or a positive review
changes. `refresh()` — run every minute by beat (`reports.tasks.report_rollup_task`) — takes
the marks of one shop and rebuilds the shop-local days they touch, in the same transaction, so
a crash loses no mark and a mark written meanwhile (by a transaction not yet committed when the
marks were taken) stays for the next run. Days are rebuilt from the reviews, never adjusted by
deltas: a rebuilt day is right whatever happened before.

The counting rules are those of `reports.figures` (its module docstring); this module only
moves the counting from request time to the background.
"""

import logging
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Floor, Round, TruncDate

from outreach.models import Kind, Outcome, PlannedContact, Playbook
from outreach.platforms import rules_for
from reviews.models import (
    FINISHED_STATUSES,
    OPEN_STATUSES,
    Heartbeat,
    PositiveReview,
    Review,
    Severity,
    Shop,
    Status,
)
from reviews.services import heartbeat_record

from .models import ReportDay, ReportDirty, ReportRoot, ReportShopDay, ReportWait, RootDimension

logger = logging.getLogger(__name__)

REACHED_OUTCOMES = [Outcome.REACHED, Outcome.AGREED, Outcome.SOLVED, Outcome.DECLINED]
DAY_KEYS = ("day", "assigned_to", "cause", "subcause", "severity")
ROOT_COLUMNS = {
    RootDimension.PRODUCT: "product_name",
    RootDimension.COURIER: "courier",
    RootDimension.NAMED_AGENT: "named_agent",
    RootDimension.NAMED_COURIER: "named_courier",
    RootDimension.SUBCAUSE: "subcause",
}
# The playbook's first contact: a call at once / after cooling off, or the apology call of a
# historical review.
FIRST_CONTACT_KINDS = [Kind.FIRST_CALL, Kind.APOLOGY_CALL]
DSR_KEYS = ("description", "service", "logistics")
# One refresh at a time (PostgreSQL): two rebuilding the same day would both insert it.
LOCK_KEY = 7_000_007


class SecondsBetween(Func):
    """Seconds from the second expression to the first (portable: PostgreSQL and SQLite)."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - "
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
        )


def refresh() -> int:
    """Rebuild every stale day of every shop; returns how many shop-days were rebuilt."""
    rebuilt = 0
    shop_ids = sorted(set(ReportDirty.objects.values_list("shop_id", flat=True).distinct()))
    for shop in Shop.objects.filter(pk__in=shop_ids).order_by("pk"):
        rebuilt += _refresh_shop(shop)
    # Marks of shops deleted meanwhile: nothing to rebuild.
    ReportDirty.objects.exclude(shop_id__in=Shop.objects.values("pk")).delete()
    heartbeat_record(name="report-rollup")
    return rebuilt


@transaction.atomic
def _refresh_shop(shop: Shop) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_KEY, shop.pk])
            cursor.execute("SET LOCAL jit = off")
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM reviews_reportdirty WHERE shop_id = %s RETURNING day", [shop.pk]
        )
        utc_days = {as_date(row[0]) for row in cursor.fetchall()}
    if not utc_days:
        return 0
    days = sorted({d for utc_day in utc_days for d in local_days(utc_day, shop)})
    rebuild(shop, days)
    return len(days)


def as_date(value) -> date:
    """A day as the database returned it: a date, an ISO string (SQLite, raw SQL) or a
    datetime, whose date it is."""
    if isinstance(value, str):
        return date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.date()
    return value


def local_days(utc_day: date, shop: Shop) -> set[date]:
    """The shop-local days that a UTC day overlaps (one or two)."""
    start = datetime.combine(utc_day, time.min, tzinfo=UTC)
    end = start + timedelta(days=1) - timedelta(microseconds=1)
    return {start.astimezone(shop.tz).date(), end.astimezone(shop.tz).date()}


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: one range condition per run."""
    runs: list[list[date]] = []
    for day in days:
        if runs and day - runs[-1][1] == timedelta(days=1):
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(a, b) for a, b in runs]


def rebuild(shop: Shop, days: list[date]) -> None:
    """Recompute the roll-up rows of `shop` for `days` (shop-local dates). Call inside a
    transaction (refresh does)."""
    if not days:
        return
    tz = shop.tz
    in_days = Q()
    for first, last in _runs(sorted(days)):
        in_days |= Q(
            reviewed_at__gte=datetime.combine(first, time.min, tzinfo=tz),
            reviewed_at__lt=datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz),
        )
    reviews = Review.objects.filter(in_days, shop=shop).annotate(
        day=TruncDate("reviewed_at", tzinfo=tz)
    )
    for model in (ReportDay, ReportWait, ReportRoot, ReportShopDay):
        model.objects.filter(shop=shop, day__in=days).delete()
    day_rows = _day_rows(shop, reviews)
    ReportDay.objects.bulk_create(day_rows, batch_size=2000)
    ReportWait.objects.bulk_create(_wait_rows(shop, reviews), batch_size=2000)
    ReportRoot.objects.bulk_create(_root_rows(shop, reviews), batch_size=2000)
    ReportShopDay.objects.bulk_create(
        _shop_day_rows(shop, reviews, days, day_rows), batch_size=2000
    )


def _window_q(shop: Shop) -> Q:
    days = rules_for(shop.platform).reply_window_days
    closed = Q(status__in=FINISHED_STATUSES)
    if days is None:
        return closed
    return closed & Q(status_changed_at__lte=F("reviewed_at") + timedelta(days=days))


def _day_rows(shop: Shop, reviews) -> list[ReportDay]:
    grace = timedelta(minutes=Playbook.objects.for_shop(shop).missed_after_minutes)
    first_call = (
        PlannedContact.objects.filter(review=OuterRef("pk"), kind__in=FIRST_CONTACT_KINDS)
        .order_by("due_at")
        .values("due_at")[:1]
    )
    main = (
        reviews.annotate(first_call_due=Subquery(first_call, output_field=DateTimeField()))
        .values(*DAY_KEYS)
        .annotate(
            handled=Count("id"),
            revised=Count("id", filter=Q(status=Status.REVISED)),
            replied=Count("id", filter=Q(status=Status.REPLIED)),
            closed=Count("id", filter=Q(status__in=FINISHED_STATUSES)),
            unresolved=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            within_window=Count("id", filter=_window_q(shop)),
            contacted=Count("id", filter=Q(first_contacted_at__isnull=False)),
            first_planned=Count(
                "id",
                filter=Q(first_contacted_at__isnull=False, first_call_due__isnull=False),
            ),
            first_in_window=Count(
                "id", filter=Q(first_contacted_at__lte=F("first_call_due") + grace)
            ),
        )
        .order_by()
    )
    # The funnel joins the attempts: one review counted once (DISTINCT) however many it has.
    funnel = (
        reviews.filter(contact_attempts__isnull=False)
        .values(*DAY_KEYS)
        .annotate(
            reached=Count(
                "id", distinct=True, filter=Q(contact_attempts__outcome__in=REACHED_OUTCOMES)
            ),
            agreed=Count("id", distinct=True, filter=Q(contact_attempts__outcome=Outcome.AGREED)),
            agreed_revised=Count(
                "id",
                distinct=True,
                filter=Q(contact_attempts__outcome=Outcome.AGREED, status=Status.REVISED),
            ),
            attempts_closed=Count("contact_attempts", filter=Q(status__in=FINISHED_STATUSES)),
        )
        .order_by()
    )
    rows = {tuple(row[k] for k in DAY_KEYS): row for row in main}
    for row in funnel:
        rows[tuple(row[k] for k in DAY_KEYS)].update(row)
    return [
        ReportDay(
            shop=shop,
            **{("assigned_to_id" if k == "assigned_to" else k): v for k, v in row.items()},
        )
        for row in rows.values()
    ]


def _wait_rows(shop: Shop, reviews) -> list[ReportWait]:
    waits = (
        reviews.filter(first_contacted_at__gte=F("reviewed_at"))
        .annotate(
            # Whole seconds first: 10 h must land in bucket 100, not 99.99… → 99.
            bucket=Cast(
                Floor(
                    Round(SecondsBetween(F("first_contacted_at"), F("reviewed_at")))
                    / Value(float(ReportWait.BUCKET_SECONDS))
                ),
                IntegerField(),
            )
        )
        .values("day", "bucket")
        .annotate(n=Count("id"))
        .order_by()
    )
    return [ReportWait(shop=shop, **row) for row in waits]


def _root_rows(shop: Shop, reviews) -> list[ReportRoot]:
    out = []
    for dimension, column in ROOT_COLUMNS.items():
        rows = (
            reviews.exclude(**{column: ""})
            .values("day", "subcause", key=F(column))
            .annotate(n=Count("id"), serious=Count("id", filter=Q(severity=Severity.SERIOUS)))
            .order_by()
        )
        if dimension != RootDimension.SUBCAUSE:  # its per-sub-cause rows are its totals
            out += [ReportRoot(shop=shop, dimension=dimension, **row) for row in rows]
        # The key's total over its sub-causes: the report's top tables read these few rows
        # (a tenth of the per-sub-cause ones), the spike detector the others.
        totals: dict[tuple, ReportRoot] = {}
        for row in rows:
            total = totals.setdefault(
                (row["day"], row["key"]),
                ReportRoot(
                    shop=shop,
                    dimension=dimension,
                    day=row["day"],
                    key=row["key"],
                    subcause=ReportRoot.ALL,
                    n=0,
                    serious=0,
                ),
            )
            total.n += row["n"]
            total.serious += row["serious"]
        out += totals.values()
    return out


def _shop_day_rows(
    shop: Shop, reviews, days: list[date], day_rows: list[ReportDay]
) -> list[ReportShopDay]:
    found: dict[date, dict] = defaultdict(dict)
    # The day's totals, summed from the ReportDay rows just built (no query of their own).
    for row in day_rows:
        totals = found[as_date(row.day)]
        for name in ReportShopDay.TOTALS:
            totals[name] = totals.get(name, 0) + getattr(row, name)
    positives = (
        PositiveReview.objects.filter(shop=shop, day__in=days)
        .values("day")
        .annotate(positive=Count("id"))
        .order_by()
    )
    for row in positives:
        found[as_date(row["day"])]["positive"] = row["positive"]
    aggregates = {}
    for key in DSR_KEYS:
        score = Cast(KT(f"dsr__{key}"), FloatField())
        aggregates[f"dsr_{key}_sum"] = Sum(score, filter=Q(dsr__has_key=key))
        aggregates[f"dsr_{key}_n"] = Count("id", filter=Q(dsr__has_key=key))
    dsr = reviews.filter(~Q(dsr={})).values("day").annotate(**aggregates).order_by()
    for row in dsr:
        day = as_date(row.pop("day"))
        found[day].update({k: v or 0 for k, v in row.items()})
    return [ReportShopDay(shop=shop, day=day, **values) for day, values in found.items()]


def rebuild_all(shop: Shop) -> int:
    """Every day of a shop, e.g. after its time zone changed (`manage.py reports_rebuild`)."""
    tz = shop.tz
    moments = Review.objects.filter(shop=shop).values_list("reviewed_at", flat=True)
    days = {m.astimezone(tz).date() for m in moments.iterator(chunk_size=10_000)}
    days |= set(PositiveReview.objects.filter(shop=shop).values_list("day", flat=True))
    with transaction.atomic():
        for model in (ReportDay, ReportWait, ReportRoot, ReportShopDay):
            model.objects.filter(shop=shop).delete()
        rebuild(shop, sorted(days))
    return len(days)


def stale_since() -> datetime | None:
    """When the roll-ups were last brought up to date (None: never)."""
    seen = Heartbeat.objects.filter(name="report-rollup").values_list("seen_at", flat=True)
    return next(iter(seen), None)
