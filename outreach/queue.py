"""Reads for the agent's queue: its lanes, filters, order and keyset pages.

A long module on purpose: the lanes, the filters, the order key, the search's two plans and
the page's hand-written rows statement all read the same key (KEY_FIELDS, ORDER, PAGE_SIZE)
and the same partial indexes; apart, a change to one would silently stop matching the others.
"""

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import StrIndex, Upper
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from reviews import cursors, search
from reviews.models import (
    FINISHED_STATUSES,
    NOTHING_DUE,
    OPEN_STATUSES,
    QUEUE_AMOUNT,
    QUEUE_SEVERITY_RANK,
    Buyer,
    Cause,
    OpenLoad,
    Rating,
    Review,
    Severity,
    Status,
    SubCause,
)
from reviews.models.load import UNASSIGNED

from . import workcalendar
from .models import AGENT_KINDS, OPEN_PLAN_STATES, CareCall, Channel, PlannedContact

PAGE_SIZE = 25

# Buyer groups of the handbook (seed 000 四.3①): who they are at a glance.
BUYER_GROUPS: dict[str, tuple[str, Q]] = {
    "neutral": (
        _("Neutral reviewers"),
        Q(rating=Rating.NEUTRAL, status__in=[Status.NEW, Status.CONTACTING]),
    ),
    "negative": (
        _("Negative reviewers"),
        Q(rating=Rating.NEGATIVE, status__in=[Status.NEW, Status.CONTACTING]),
    ),
    "agreed": (_("Agreed to revise"), Q(status=Status.AGREED)),
    "revised": (_("Revised"), Q(status=Status.REVISED)),
    "declined": (_("Declined"), Q(status=Status.DECLINED)),
    "unreachable": (_("Unreachable"), Q(status=Status.UNREACHABLE)),
}


def buyer_group(review: Review) -> str:
    """The group key of one review (the badge on its row)."""
    if review.status in (Status.NEW, Status.CONTACTING):
        return "neutral" if review.rating == Rating.NEUTRAL else "negative"
    return review.status if review.status in BUYER_GROUPS else ""


LANES: dict[str, str] = {
    "mine": _("My open items"),
    "triage": _("Needs triage"),
    "unassigned": _("Unassigned"),
    "done": _("Finished"),
}


@dataclass
class QueueQuery:
    """The queue's filters, read from the URL (so back button and shared links work)."""

    lane: str = "mine"
    shop: str = ""
    cause: str = ""
    subcause: str = ""
    severity: str = ""
    status: str = ""
    group: str = ""
    channel: str = ""
    q: str = ""
    after: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_get(cls, params: QueryDict) -> "QueueQuery":
        query = cls()
        allowed = {
            "lane": LANES,
            "cause": Cause.values,
            "subcause": SubCause.values,
            "severity": Severity.values,
            "status": Status.values,
            "group": BUYER_GROUPS,
            "channel": Channel.values,
        }
        for name, choices in allowed.items():
            value = params.get(name, "")
            if value and value not in choices:
                query.errors.append(name)  # an unknown value is ignored, not an error page
                continue
            if value:
                setattr(query, name, value)
        query.shop = params.get("shop", "")[:50]
        query.q = params.get("q", "").strip()[:100]
        query.after = params.get("after", "")[:300]
        return query


# The queue's order: overdue first, then due soonest (the next follow-up an agent owes the
# review), then serious before minor, the larger order, the older review. Reviews with
# nothing planned sort after every due time. The keys are the review's queue_due (kept by
# triggers, see reviews migration 0021) and the two expressions the queue's partial indexes
# store (reviews.models.reviews): each lane's page is a range scan of its index.
SEVERITY_RANK = QUEUE_SEVERITY_RANK
ORDER = ("due_sort", "sev_rank", "-amount_sort", "reviewed_at", "id")
KEY_FIELDS = ("due_sort", "sev_rank", "amount_sort", "reviewed_at", "id")


def _sort_keys(qs: QuerySet) -> QuerySet:
    return qs.annotate(due_sort=F("queue_due"), sev_rank=SEVERITY_RANK, amount_sort=QUEUE_AMOUNT)


def encode_cursor(key: tuple) -> str:
    due, sev, amount, reviewed_at, pk = key
    return cursors.encode([due.isoformat(), sev, str(amount), reviewed_at.isoformat(), pk])


def _decode_cursor(cursor: str) -> tuple[datetime, int, Decimal, datetime, int] | None:
    values = cursors.decode(cursor, 5)
    if values is None:
        return None
    due, sev, amount, reviewed, pk = values
    # Forged values are no cursor: ids and ranks must be JSON integers in range, the amount
    # a finite decimal, the moments carry a zone (read in UTC: PostgreSQL refuses offsets
    # Python accepts, such as +23:59).
    if not all(type(n) is int and 0 <= n <= cursors.MAX_ID for n in (sev, pk)):
        return None
    try:
        due_at, when = parse_datetime(due), parse_datetime(reviewed)
        if due_at is None or when is None or due_at.tzinfo is None or when.tzinfo is None:
            return None
        money = Decimal(amount)
        if not money.is_finite() or abs(money) > Decimal("1e12"):
            return None
        return due_at.astimezone(UTC), sev, money, when.astimezone(UTC), pk
    except (ValueError, TypeError, ArithmeticError):
        return None


def _after(qs: QuerySet, cursor: str) -> QuerySet:
    """Keyset pagination: rows strictly after the cursor in ORDER (no OFFSET, fast on deep pages)."""
    decoded = _decode_cursor(cursor)
    if decoded is None:
        return qs
    due, sev, amount, reviewed, pk = decoded
    # The first condition is implied by the others; said alone it is where the index scan
    # starts, so a deep page costs what the first does.
    return qs.filter(due_sort__gte=due).filter(
        Q(due_sort__gt=due)
        | Q(due_sort=due, sev_rank__gt=sev)
        | Q(due_sort=due, sev_rank=sev, amount_sort__lt=amount)
        | Q(due_sort=due, sev_rank=sev, amount_sort=amount, reviewed_at__gt=reviewed)
        | Q(due_sort=due, sev_rank=sev, amount_sort=amount, reviewed_at=reviewed, id__gt=pk)
    )


def queue_base(user, shops) -> QuerySet:
    """The user's shops' reviews. Pass the shops as a list where you can: literal ids give the
    planner real row estimates (a subquery made it pick the shop index over the lane's
    partial index, 50 ms instead of 5 at 100k reviews)."""
    if isinstance(shops, QuerySet):
        return Review.objects.filter(shop__in=shops)
    return Review.objects.filter(shop_id__in=[shop.pk for shop in shops])


def lane_filter(lane: str, user) -> Q:
    if lane == "triage":
        return Q(needs_triage=True, status__in=OPEN_STATUSES)
    if lane == "unassigned":
        return Q(assigned_to=None, status__in=OPEN_STATUSES)
    if lane == "done":
        return Q(assigned_to=user, status__in=FINISHED_STATUSES)
    return Q(assigned_to=user, status__in=OPEN_STATUSES)


# Finished items are counted up to here, then shown as "999+": no request counts them all.
DONE_COUNT_CAP = 1000


def _bind_lists(sql: str, params: dict) -> tuple[str, dict]:
    """`IN %(name)s` of a tuple `name` written out as one parameter per value: psycopg2
    expands a tuple by itself, SQLite's driver does not (the first look runs on SQLite)."""
    bound = {}
    for name, value in params.items():
        if isinstance(value, tuple):
            names = [f"{name}_{i}" for i in range(len(value))]
            sql = sql.replace(f"%({name})s", "(" + ", ".join(f"%({n})s" for n in names) + ")")
            bound.update(zip(names, value, strict=True))
        else:
            bound[name] = value
    return sql, bound


# One statement for the page's figures: every lane (the counters and the capped finished
# count) and whether any care call is due, so the page asks for the care calls' list only when
# there is one to show (most pages, most of the day). A round trip and no query building.
# Written out because the ORM cannot put the capped count beside an aggregate; `shops` and
# `done` expand to literal lists (as the ORM's IN does, see _bind_lists), so the finished
# lane's partial index still applies, as does the care calls' (carecall_open).
_QUEUE_FIGURES_SQL = f"""
SELECT
    SUM(counter.open) FILTER (WHERE counter.agent_id = %(user)s),
    SUM(counter.open) FILTER (WHERE counter.triage),
    SUM(counter.open) FILTER (WHERE counter.agent_id = %(unassigned)s),
    (SELECT COUNT(*) FROM (
        SELECT 1 FROM {Review._meta.db_table} AS review
        WHERE review.shop_id IN %(shops)s
          AND review.assigned_to_id = %(user)s
          AND review.status IN %(done)s
        LIMIT %(cap)s
    ) AS done),
    EXISTS (
        SELECT 1 FROM {CareCall._meta.db_table} AS care
        WHERE care.shop_id IN %(shops)s
          AND care.outcome = %(care_open)s
          AND care.due_at <= %(now)s
    ) AS care_due
FROM {OpenLoad._meta.db_table} AS counter
WHERE counter.shop_id IN %(shops)s
"""


def queue_figures(user, shops, now: datetime) -> tuple[dict[str, int | str], bool]:
    """The lanes' counts and whether any care call of `shops` is due at `now` (before the
    do-not-contact test CareCall.objects.due() adds: a call it drops still costs the list's
    query, which then shows nothing): one query.

    The open lanes come from the counters the triggers keep (reviews.models.OpenLoad), the
    finished lane is counted up to DONE_COUNT_CAP in its index."""
    shop_ids = tuple(shop.pk for shop in shops)
    if not shop_ids:
        return dict.fromkeys(LANES, 0), False
    params = {
        "user": user.pk,
        "unassigned": UNASSIGNED,
        "shops": shop_ids,
        "done": tuple(str(status) for status in FINISHED_STATUSES),
        "cap": DONE_COUNT_CAP,
        "care_open": "",
        "now": connection.ops.adapt_datetimefield_value(now),
    }
    with connection.cursor() as cursor:
        cursor.execute(*_bind_lists(_QUEUE_FIGURES_SQL, params))
        mine, triage, unassigned, done, care_due = cursor.fetchone()
    counts: dict[str, int | str] = {
        "mine": mine or 0,
        "triage": triage or 0,
        "unassigned": unassigned or 0,
        "done": done if done < DONE_COUNT_CAP else f"{DONE_COUNT_CAP - 1}+",
    }
    return {lane: counts[lane] for lane in LANES}, bool(care_due)


# The search reads at most this many rows of the lane in its order before it asks the bigram
# indexes instead (see _search_keys).
SEARCH_HEAD = 1000

# The two plans in one statement. `head`: the lane's first SEARCH_HEAD rows in order, each with
# its verdict; `hits`: the first page of them and the next row (a materialized CTE is read as
# far as asked, in the order it was written: a common word stops the head within its first
# rows). The head decides the page when it holds a full page and the next row, or when it is
# the whole (filtered) lane; otherwise the rare plan's rows (a one-time filter: the branch not
# taken is never run). /*head*/ and /*rare*/: the querysets' SQL. JIT off for it (within the
# statement's own implicit transaction, or the caller's): the rare plan of a common word is
# costed high though never run, and PostgreSQL spent 90 ms compiling it.
_HEAD_DECIDES = """(
    (SELECT COUNT(*) FROM hits) > PAGE OR (SELECT COUNT(*) FROM head) < HEAD
)"""
_SEARCH_KEYS_SQL = f"""
SET LOCAL jit = off;
WITH head AS MATERIALIZED (/*head*/),
hits AS MATERIALIZED (SELECT * FROM head WHERE head.search_hit LIMIT PAGE + 1)
SELECT hits.due_sort, hits.sev_rank, hits.amount_sort, hits.reviewed_at, hits.id FROM hits
WHERE {_HEAD_DECIDES}
UNION ALL
SELECT rare.due_sort, rare.sev_rank, rare.amount_sort, rare.reviewed_at, rare.id
FROM (/*rare*/) AS rare
WHERE NOT {_HEAD_DECIDES}
ORDER BY 1, 2, 3 DESC, 4, 5
LIMIT PAGE + 1
"""


class _EqualsAny(Func):
    """`column = ANY(array)`, as a condition."""

    template = "(%(expressions)s))"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _search_keys(qs: QuerySet, q: str, shops) -> list[tuple]:
    """The keys of the first rows of `qs` (ordered, after the cursor) whose buyer's nick or text
    contains `q` (ignoring case, as icontains) or whose order id is `q`: one statement, whose
    cost does not grow with the lane nor with the word's frequency among the lane's rows.

    A common word is found among the lane's first rows, read in order (the lane's index) and
    tested one by one, cheapest test first. A rare word — the head of SEARCH_HEAD rows does
    not fill the page — is looked up in the bigram indexes of the texts and the nicks
    (reviews.search, PostgreSQL, two characters or more): the reviews of those rows and
    buyers, and of that order id, are then few, and read by key. Before, a two-character word
    found nowhere read the agent's whole open lane (241 ms at 30,000 open reviews).

    strpos is icontains written so the planner keeps to the lane's order (a LIKE it guesses
    rare, and reads the whole lane to sort it). SQLite, and one character, read the lane.
    """
    limit = PAGE_SIZE + 1
    qs = qs.alias(buyer_nick=Subquery(Buyer.objects.filter(pk=OuterRef("buyer_id")).values("nick")))
    if not search.indexed():
        found = Q(order_id=q) | Q(text__icontains=q) | Q(buyer_nick__icontains=q)
        return list(qs.filter(found).values_list(*KEY_FIELDS)[:limit])
    # Each row's tests, cheapest first (an OR stops at the first true one).
    qs = qs.alias(search_at=StrIndex(Upper("text"), Upper(Value(q))))
    found = Q(order_id=q) | Q(search_at__gt=0) | Q(buyer_nick__icontains=q)
    if len(q) < 2:  # no bigram: the lane it is
        return list(qs.filter(found).values_list(*KEY_FIELDS)[:limit])
    head = qs.annotate(search_hit=ExpressionWrapper(found, output_field=BooleanField()))
    head = head.values_list(*KEY_FIELDS, "search_hit")[:SEARCH_HEAD]
    # The rare plan: the lane's rows whose text has the word (the bigram index, ANDed with the
    # lane's index where that pays), the shops' buyers whose nick has it, as arrays the page is
    # then read by (their estimate is small: the planner reads them by key, never the lane).
    texts = qs.filter(search.contains("text", q)).order_by()
    shop_ids = [shop.pk for shop in shops]
    buyers = Buyer.objects.filter(shop_id__in=shop_ids).filter(search.contains("nick", q))
    rare = qs.filter(
        Q(order_id=q)
        | Q(_EqualsAny(F("pk"), ArraySubquery(texts.values("pk"))))
        | Q(_EqualsAny(F("buyer_id"), ArraySubquery(buyers.values("pk"))))
    ).values_list(*KEY_FIELDS)[:limit]
    head_sql, head_params = head.query.sql_with_params()
    rare_sql, rare_params = rare.query.sql_with_params()
    sql = (
        _SEARCH_KEYS_SQL.replace("PAGE", str(PAGE_SIZE))
        .replace("HEAD", str(SEARCH_HEAD))
        .replace("/*head*/", head_sql)
        .replace("/*rare*/", rare_sql)
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*head_params, *rare_params))
        return cursor.fetchall()


# The page's rows by id in one fixed statement (the ORM rebuilt and recompiled it on every
# page): the reviews' columns, the buyer's nick, whether the buyer left an earlier neutral or
# negative review (the (buyer, reviewed_at) index), and the data of the review's next agent
# task — why it waits, if it does (as PlannedContact.objects.agent_tasks() selects them).
# Only the columns a row shows are read (outreach.queue_rows.QueueRow): the others, three JSON
# documents among them, would be decoded and set on 25 models for nothing; they are deferred.
_ROW_FIELDS = (
    "id",
    "shop",
    "buyer",
    "severity",
    "needs_triage",
    "status",
    "rating",
    "text",
    "subcause",
    "product_name",
    "amount",
    "reviewed_at",
)
_ROW_COLUMNS = ", ".join(f"review.{Review._meta.get_field(name).column}" for name in _ROW_FIELDS)
_PAGE_ROWS_SQL = f"""
SELECT {_ROW_COLUMNS}, buyer.nick AS page_buyer_nick,
    EXISTS (
        SELECT 1 FROM {Review._meta.db_table} AS earlier
        WHERE earlier.buyer_id = review.buyer_id
          AND earlier.reviewed_at < review.reviewed_at
          AND earlier.rating IN %(repeat_ratings)s
    ) AS repeat_buyer,
    (
        SELECT item.data FROM {PlannedContact._meta.db_table} AS item
        WHERE item.review_id = review.id
          AND item.state IN %(open_states)s
          AND (item.kind IN %(agent_kinds)s OR item.channel = %(phone)s)
        ORDER BY item.due_at
        LIMIT 1
    ) AS next_data
FROM {Review._meta.db_table} AS review
LEFT JOIN {Buyer._meta.db_table} AS buyer ON buyer.id = review.buyer_id
WHERE review.id IN %(ids)s
"""


def _page_rows(page_ids: list[int], shops) -> list[Review]:
    """The reviews of `page_ids` (any order) with their shop (from `shops`), their buyer (its
    nick read, its other fields deferred), `repeat_buyer` and `next_data`."""
    if not page_ids:
        return []
    params = {
        "ids": tuple(page_ids),
        "repeat_ratings": (str(Rating.NEUTRAL), str(Rating.NEGATIVE)),
        "open_states": tuple(str(state) for state in OPEN_PLAN_STATES),
        "agent_kinds": tuple(sorted(str(kind) for kind in AGENT_KINDS)),
        "phone": str(Channel.PHONE),
    }
    shop_by_id = {shop.pk: shop for shop in shops}
    rows = list(Review.objects.raw(*_bind_lists(_PAGE_ROWS_SQL, params)))
    for review in rows:
        review.shop = shop_by_id[review.shop_id]
        if review.buyer_id is not None:
            review.buyer = Buyer.from_db(
                connection.alias,
                ["id", "shop_id", "nick"],
                (review.buyer_id, review.shop_id, review.page_buyer_nick),
            )
        review.repeat_buyer = bool(review.repeat_buyer)  # SQLite answers 0 or 1
        if isinstance(review.next_data, str):  # a raw jsonb column arrives as its text
            review.next_data = json.loads(review.next_data)
    return rows


@lru_cache(maxsize=8)
def _row_labels(language: str) -> dict[str, dict[str, str]]:
    """The rows' choice labels in `language` (the active one; in the key only), resolved once
    per process and language: get_FOO_display() rebuilds the choices map on every call, and
    even once a page these are some fifty lazy-string casts."""
    return {
        field: {value: str(label) for value, label in choices}
        for field, choices in (
            ("rating", Rating.choices),
            ("severity", Severity.choices),
            ("subcause", SubCause.choices),
            ("status", Status.choices),
        )
    }


def queue_page(user, shops, query: QueueQuery) -> tuple[list[Review], str | None]:
    """One page of the queue and the cursor of the next page (None on the last).

    Two steps: the sort keys of the matching rows (narrow, from the index where it can), then
    the 25 full rows by id — so the wide columns are read for one page, not the whole lane.
    """
    qs = queue_base(user, shops).filter(lane_filter(query.lane, user))
    if query.shop:
        qs = qs.filter(shop__slug=query.shop)
    for name in ("cause", "subcause", "severity", "status"):
        if value := getattr(query, name):
            qs = qs.filter(**{name: value})
    if query.group:
        qs = qs.filter(BUYER_GROUPS[query.group][1])
    if query.channel:
        # Reviews whose outreach has something planned on that channel.
        planned = PlannedContact.objects.filter(
            review=OuterRef("pk"), state__in=OPEN_PLAN_STATES, channel=query.channel
        )
        qs = qs.filter(Exists(planned))
    qs = _sort_keys(qs).order_by(*ORDER)
    if query.after:
        qs = _after(qs, query.after)
    if query.q:
        keys = _search_keys(qs, query.q, shops)
    else:
        keys = list(qs.values_list(*KEY_FIELDS)[: PAGE_SIZE + 1])
    page_ids = [key[-1] for key in keys[:PAGE_SIZE]]
    due_by_id = {key[-1]: key[0] for key in keys[:PAGE_SIZE]}
    by_id = {review.id: review for review in _page_rows(page_ids, shops)}
    page = [by_id[pk] for pk in page_ids if pk in by_id]
    now = timezone.now()
    labels = _row_labels(get_language())
    detail = reverse("review_detail", args=[0]).removesuffix("0/")  # one reverse() per page
    for review in page:
        review.url = f"{detail}{review.pk}/"
        review.labels = {field: labels[field][getattr(review, field)] for field in labels}
        review.group = buyer_group(review)
        due = due_by_id[review.pk]
        review.next_due = None if due == NOTHING_DUE else due
        review.overdue = review.next_due is not None and review.next_due < now
        waits = (review.next_data or {}).get("waits") if review.next_due else None
        review.wait_text = (
            workcalendar.wait_text(
                waits, review.next_data.get("holiday", ""), review.next_due, review.shop.tz
            )
            if waits and review.next_due > now
            else ""
        )
    next_cursor = encode_cursor(keys[PAGE_SIZE - 1]) if len(keys) > PAGE_SIZE else None
    return page, next_cursor
