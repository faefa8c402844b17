"""Who works which review: a lead's assignment, auto-assignment within capacity and shifts,
and moving an absent agent's work. A review's open outreach goes with it.

Writes use the review's `version` as an optimistic lock: a lead who assigns from a stale
board, or two leads at once, cannot silently overwrite each other — exactly one wins.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from itertools import cycle

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count, F, Min, QuerySet
from django.utils import timezone

from reviews import timeline
from reviews.models import OPEN_STATUSES, Membership, Review, Role, Shop
from reviews.services import StaleReview, audit_record

from ..models import OPEN_PLAN_STATES, PlannedContact, PlanState, Playbook


class NotAnAgentOfShop(ValueError):
    pass


def review_assign(
    *, review: Review, assignee: User | None, by: User, expected_version: int | None = None
) -> Review:
    """Give `review` to `assignee` (None: unassign). Raises StaleReview when it changed meanwhile."""
    if assignee is not None and not Membership.objects.holds(
        assignee, review.shop_id, Role.AGENT, Role.LEAD
    ):
        raise NotAnAgentOfShop(assignee.username)
    with transaction.atomic():
        rows = Review.objects.filter(pk=review.pk)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        changed = rows.update(
            assigned_to=assignee, version=F("version") + 1, updated_at=timezone.now()
        )
        if changed != 1:
            raise StaleReview
        moved = _plans_follow(review, assignee)
        timeline.assigned(review, actor=by, old=review.assigned_to_id, new=assignee, plans=moved)
    audit_record(
        actor=by,
        action="review_assigned",
        shop=review.shop,
        target=f"review:{review.pk}",
        to=assignee.pk if assignee else None,
    )
    review.refresh_from_db()
    return review


def _plans_follow(review: Review, assignee: User | None) -> int:
    """The review's open outreach goes with it: its planned calls, the follow-up at the time
    the buyer agreed, its reply task. Otherwise they stay with the previous agent — off duty,
    perhaps — and turn into missed slots while the new one never sees them. A slot already
    due or missed gets a fresh grace period with its new owner (as a lead's re-assignment of
    one slot does). Returns how many moved."""
    plans = PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES).exclude(
        assigned_to=assignee
    )
    if assignee is None:
        return plans.update(assigned_to=None)
    late = plans.filter(state__in=[PlanState.DUE, PlanState.MISSED])
    grace = timedelta(minutes=Playbook.objects.for_shop(review.shop).missed_after_minutes)
    moved = late.update(
        assigned_to=assignee,
        state=PlanState.DUE,
        deadline_at=timezone.now() + grace,
        escalated_at=None,
    )
    return moved + plans.update(assigned_to=assignee)


def reviews_bulk_assign(*, reviews: QuerySet, assignee: User, by: User) -> int:
    """Assign every review of `reviews` (already scoped to the lead's shops) to `assignee`."""
    count = 0
    for review in reviews.select_related("shop"):
        review_assign(review=review, assignee=assignee, by=by)
        count += 1
    return count


def reviews_auto_assign(
    *, shop: Shop, by: User, strategy: str = "least_loaded", reviews: QuerySet | None = None
) -> int:
    """Hand unassigned open reviews to on-duty agents, within each agent's capacity.

    least_loaded gives each next review to the agent with the most room; round_robin takes
    turns. An agent at capacity gets nothing more.
    """
    members = Membership.objects.on_duty_agents(shop)
    if not members:
        return 0
    pending = (
        reviews
        if reviews is not None
        else Review.objects.filter(shop=shop, assigned_to=None, status__in=OPEN_STATUSES)
    )
    load = _agent_load(shop, [m.user for m in members])
    capacity = {m.user_id: m.capacity for m in members}
    turn = cycle(members)
    pending = list(pending.order_by("reviewed_at", "id").select_related("shop"))
    next_due = _next_agent_due([r.pk for r in pending])
    plans = _open_plans([r.pk for r in pending])
    assigned = 0
    for review in pending:
        # A follow-up fixed at 20:15 goes only to someone whose shift covers 20:15.
        due = next_due.get(review.pk)
        fit = [m for m in members if due is None or m.covers(due, shop.tz)]
        room = {m.user_id: capacity[m.user_id] - load[m.user_id] for m in fit}
        if not fit or max(room.values()) <= 0:
            continue
        if strategy == "round_robin":
            for _ in range(len(members)):
                member = next(turn)
                if room.get(member.user_id, 0) > 0:
                    break
        else:
            member = max(fit, key=lambda m: (room[m.user_id], -m.user_id))
        review_assign(review=review, assignee=member.user, by=by)
        load[member.user_id] += 1 + plans.get(review.pk, 0)  # its plans went with it
        assigned += 1
    return assigned


def _agent_load(shop: Shop, agents: Iterable[User]) -> dict[int, int]:
    """Open reviews plus scheduled follow-ups per agent in `shop`: a 20:15 call is work too."""
    ids = [a.pk for a in agents]
    load = dict.fromkeys(ids, 0)
    reviews = (
        Review.objects.filter(shop=shop, assigned_to__in=ids, status__in=OPEN_STATUSES)
        .values("assigned_to")
        .annotate(n=Count("id"))
    )
    planned = (
        PlannedContact.objects.filter(shop=shop, assigned_to__in=ids, state__in=OPEN_PLAN_STATES)
        .values("assigned_to")
        .annotate(n=Count("id"))
    )
    for row in [*reviews, *planned]:
        load[row["assigned_to"]] += row["n"]
    return load


def _open_plans(review_ids: list[int]) -> dict[int, int]:
    """Open planned contacts per review: they count in the load of whoever takes it."""
    rows = (
        PlannedContact.objects.filter(review_id__in=review_ids, state__in=OPEN_PLAN_STATES)
        .values("review_id")
        .annotate(n=Count("id"))
    )
    return {row["review_id"]: row["n"] for row in rows}


def _next_agent_due(review_ids: list[int]) -> dict[int, datetime]:
    rows = (
        PlannedContact.objects.filter(
            review_id__in=review_ids, state__in=OPEN_PLAN_STATES, channel="phone"
        )
        .values("review_id")
        .annotate(first=Min("due_at"))
    )
    return {row["review_id"]: row["first"] for row in rows}


def agent_reassign_all(
    *, shop: Shop, absent: User, by: User, to: Sequence[User] | None = None
) -> int:
    """Move every open review of an absent agent, to `to` (in turn) or by auto-assignment."""
    open_reviews = Review.objects.filter(shop=shop, assigned_to=absent, status__in=OPEN_STATUSES)
    if not to:
        Membership.objects.filter(shop=shop, user=absent).update(on_duty=False)
        return reviews_auto_assign(shop=shop, by=by, reviews=open_reviews)
    moved = 0
    for review, agent in zip(open_reviews.order_by("id"), cycle(to), strict=False):
        review_assign(review=review, assignee=agent, by=by)
        moved += 1
    return moved
