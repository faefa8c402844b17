"""Assignment on arrival: each new review goes at once to an on-duty agent with room whose
shift covers its first planned contact, least loaded first. A serious review waiting out its
cooling-off goes to whoever is on shift when its call falls due (the dispatcher asks for that,
`plannedcontacts_assign_when_due`). When nobody fits, the review stays unassigned and the
shop's leads are told. Each decision is a line on the review's timeline.

A shop's lead turns it off on the playbook page (`Playbook.assign_on_arrival`); the lead's
auto-assign button (services.assignment) stays as it was.

Decided per chunk, not per review: a 10,000-row import is handed off in chunks of 200, and for
each chunk the agents, their load (open reviews plus planned work, as `_agent_load` counts it)
and the reviews' first contacts are read once and kept current in memory while reviews are
given out. The writes are one update of reviews and one of plans per agent, and one bulk
insert of events.
"""

from collections import defaultdict
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import F
from django.utils import timezone

from reviews import timeline
from reviews.models import OPEN_STATUSES, EventKind, Membership, Review, ReviewEvent, Severity, Shop

from ..models import OPEN_PLAN_STATES, Kind, PlannedContact, Playbook
from .assignment import _agent_load
from .lead_alerts import nobody_fits_alert

# Why nobody got a review (timeline.AUTO_ASSIGN_WHY).
NOBODY = ["all_full", "none_on_duty", "no_shift_covers"]


class _Pool:
    """One shop's on-duty agents and their load, read once and updated as work is given."""

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.members = Membership.objects.on_duty_agents(shop)
        self.load = _agent_load(shop, [m.user for m in self.members])

    def pick(self, moment: datetime) -> tuple[Membership | None, str]:
        """The agent to take work first due at `moment`, or None and why nobody fits."""
        if not self.members:
            return None, "none_on_duty"
        on_shift = [m for m in self.members if m.covers(moment, self.shop.tz)]
        if not on_shift:
            return None, "no_shift_covers"
        with_room = [m for m in on_shift if m.capacity > self.load[m.user_id]]
        if not with_room:
            return None, "all_full"
        # Fair: the least loaded first; on a tie, the one with more room, then a stable order.
        member = min(
            with_room,
            key=lambda m: (self.load[m.user_id], self.load[m.user_id] - m.capacity, m.user_id),
        )
        return member, ""

    def take(self, member: Membership, plans: int) -> int:
        """`member` takes a review with `plans` open agent items; returns the room left."""
        self.load[member.user_id] += 1 + plans
        return max(member.capacity - self.load[member.user_id], 0)


def reviews_assign_on_arrival(*, review_ids: list[int], now: datetime | None = None) -> int:
    """The hand-off's assigner (settings.REVIEWS_HANDOFF_ASSIGNER): give each just-planned,
    still unassigned review of `review_ids` to an agent. Returns how many were given.

    Runs inside the hand-off's transaction, which holds these reviews locked, so a lead's
    assignment cannot interleave with the updates below.
    """
    now = now or timezone.now()
    decided = set(
        ReviewEvent.objects.filter(
            review_id__in=review_ids, kind__in=[EventKind.AUTO_ASSIGNED, EventKind.ASSIGNED]
        ).values_list("review_id", flat=True)
    )
    reviews = [
        review
        for review in Review.objects.filter(
            id__in=review_ids, assigned_to=None, status__in=OPEN_STATUSES
        )
        .select_related("shop")
        .order_by("shop_id", "reviewed_at", "id")
        # A review handed off again (changed by a later import) was decided the first time.
        if review.pk not in decided
    ]
    first = _first_agent_items([r.pk for r in reviews])
    events: list[timeline.Pending] = []
    given: dict[int, tuple[User, list[int]]] = {}
    pools: dict[int, _Pool | None] = {}
    for review in reviews:
        item = first.get(review.pk)
        if item is None or item["assigned_to"] is not None:
            continue  # nothing for an agent (a message only, not contactable), or a lead's case
        pool = _pool(pools, review.shop)
        if pool is None:
            continue
        due = item["due_at"]
        if review.severity == Severity.SERIOUS and item["kind"] == Kind.FIRST_CALL and due > now:
            # Seed 000 四.1: the first call waits out the cooling-off; whoever is on shift
            # then takes it (plannedcontacts_assign_when_due), not whoever is on shift now.
            events.append(
                timeline.auto_assigned(review, why="cooling_off", due_at=due, commit=False)
            )
            continue
        events.append(_decide(review, pool, due, item["n"], given, why="on_shift"))
    return _write(given, events, now=now)


def plannedcontacts_assign_when_due(*, review_ids: list[int], now: datetime | None = None) -> int:
    """The dispatcher's question when agent items of unassigned reviews fall due (the
    serious reviews that waited out their cooling-off, mostly): who is on shift now with
    room? Called inside the transaction that makes the items due."""
    now = now or timezone.now()
    reviews = list(
        Review.objects.filter(id__in=review_ids, assigned_to=None, status__in=OPEN_STATUSES)
        .select_related("shop")
        .order_by("shop_id", "reviewed_at", "id")
    )
    counts = _first_agent_items([r.pk for r in reviews])
    # Leads told once that nobody fits are not told again each time another of the
    # review's items falls due (its due items still reach their count and browser).
    told = set(
        ReviewEvent.objects.filter(
            review_id__in=[r.pk for r in reviews],
            kind=EventKind.AUTO_ASSIGNED,
            data__why__in=NOBODY,
        ).values_list("review_id", flat=True)
    )
    events: list[timeline.Pending] = []
    given: dict[int, tuple[User, list[int]]] = {}
    pools: dict[int, _Pool | None] = {}
    for review in reviews:
        pool = _pool(pools, review.shop)
        item = counts.get(review.pk)
        if pool is None or item is None:
            continue
        event = _decide(review, pool, now, item["n"], given, why="on_shift_when_due")
        if event.data["to"] is not None or review.pk not in told:
            events.append(event)
    return _write(given, events, now=now)


def _pool(pools: dict[int, "_Pool | None"], shop: Shop) -> "_Pool | None":
    """The shop's pool, or None when its lead turned assignment on arrival off."""
    if shop.pk not in pools:
        on = Playbook.objects.for_shop(shop).assign_on_arrival
        pools[shop.pk] = _Pool(shop) if on else None
    return pools[shop.pk]


def _decide(review, pool: _Pool, due, plans: int, given: dict, *, why: str) -> timeline.Pending:
    member, nobody = pool.pick(due)
    if member is None:
        return _tell_leads_nobody_fits(review, why=nobody, due_at=due)
    room = pool.take(member, plans)
    given.setdefault(member.user_id, (member.user, []))[1].append(review.pk)
    return timeline.auto_assigned(review, why=why, to=member.user, room=room, commit=False)


def _tell_leads_nobody_fits(review: Review, *, why: str, due_at: datetime) -> timeline.Pending:
    """The one place the shop's leads are told that a new review found nobody: the timeline
    line (saved with the chunk's events), and — once the item falls due unassigned — the
    leads' due count and browser notification (queue.attention_for). The chat robot and
    e-mail alerts hook in here."""
    return timeline.auto_assigned(review, why=why, due_at=due_at, commit=False)


def _write(given: dict[int, tuple[User, list[int]]], events: list, *, now: datetime) -> int:
    _alert_nobody_fits(events, now=now)
    count = 0
    for user, ids in given.values():
        count += Review.objects.filter(id__in=ids, assigned_to=None).update(
            assigned_to=user, version=F("version") + 1, updated_at=now
        )
        # The review's open agent items go with it; ones a lead already holds stay theirs.
        PlannedContact.objects.filter(
            review_id__in=ids, state__in=OPEN_PLAN_STATES, assigned_to=None
        ).agent_tasks().update(assigned_to=user)
    timeline.save_all(events)
    return count


def _alert_nobody_fits(events: list, *, now: datetime) -> None:
    """The shop's leads are told by e-mail and chat robot when new work found nobody: once per
    shop and hour at most (lead_alerts keys it), so a night's imports send one alert, not one
    per review. The board lists the unassigned reviews."""
    nobody = [e for e in events if e.data.get("why") in NOBODY]
    if not nobody:
        return
    shops = dict(
        Review.objects.filter(id__in=[e.review_id for e in nobody]).values_list("id", "shop_id")
    )
    by_shop: dict[int, list] = defaultdict(list)
    for event in nobody:
        by_shop[shops[event.review_id]].append(event)
    for shop in Shop.objects.filter(id__in=by_shop):
        nobody_fits_alert(shop=shop, events=by_shop[shop.pk], now=now)


def _first_agent_items(review_ids: list[int]) -> dict[int, dict]:
    """Per review: its first open agent item (when, what, whose) and how many it has."""
    items: dict[int, dict] = {}
    n: dict[int, int] = defaultdict(int)
    rows = (
        PlannedContact.objects.filter(review_id__in=review_ids, state__in=OPEN_PLAN_STATES)
        .agent_tasks()
        .order_by("review_id", "due_at", "id")
        .values_list("review_id", "due_at", "kind", "assigned_to_id")
    )
    for review_id, due_at, kind, owner in rows:
        n[review_id] += 1
        items.setdefault(review_id, {"due_at": due_at, "kind": kind, "assigned_to": owner, "n": 0})
    for review_id, item in items.items():
        item["n"] = n[review_id]
    return items
