"""A normal working day in the demo's three shops, relative to the moment it is seeded.

The shops (Taobao, Tmall, JD — they differ in what a buyer can still change and in the
reply window) share five people: three agents on staggered shifts, a lead and a manager.
Reviews of earlier days have been worked; those that came in today carry their day's work —
first calls done, a few calls due in the last half hour, follow-ups planned for the evening
at the minute the buyer agreed, and one follow-up per shop missed and escalated to the lead.
The freshest reviews are new and go to the planner as an import would send them. Orders
delivered today get the evening care call of high-value orders (seed 004 四②).

Rows are written directly (it is demo data, not a user's action), but every planned item
goes through planning.plan so the review's timeline tells the same story as its panel.
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from outreach.models import (
    CareCall,
    CareCallOutcome,
    Channel,
    ContactAttempt,
    Kind,
    Outcome,
    PlannedContact,
    PlanState,
    Playbook,
)
from outreach.services import order_plan_care_call
from outreach.services.care_calls import care_window
from outreach.services.planning import plan
from reviews.models import Buyer, Membership, Order, Platform, Review, Role, Shop, Status


@dataclass(frozen=True)
class DemoShop:
    slug: str
    name: str
    platform: str
    revision_link_template: str
    order_prefix: str


SHOPS = (
    DemoShop(
        "demo",
        "演示旗舰店",
        Platform.TAOBAO,
        "https://rate.taobao.com/remark_seller.jhtml?order_id={order_id}",
        "TB",
    ),
    DemoShop(
        "demo-tmall",
        "演示天猫旗舰店",
        Platform.TMALL,
        "https://rate.tmall.com/remark_seller.jhtml?order_id={order_id}",
        "TM",
    ),
    # JD: a buyer cannot change a review there, so no revision link.
    DemoShop("demo-jd", "演示京东自营店", Platform.JD, "", "JD"),
)
# username -> (shift in the shop's time zone, the name buyers see). 16:00–00:00 runs to
# midnight (Membership.covers handles a shift past midnight).
SHIFTS = {
    "agent": (time(8, 0), time(16, 0), "小美"),
    "agent2": (time(12, 0), time(20, 0), "小雅"),
    "agent3": (time(16, 0), time(0, 0), "小玲"),
}
TODAYS_STATUSES = (
    Status.AGREED,
    Status.CONTACTING,
    Status.AGREED,
    Status.REVISED,
    Status.CONTACTING,
    Status.AGREED,
    Status.DECLINED,
)
FRESH = timedelta(hours=1)  # reviews younger than this are new: nobody has called yet
DUE_WITHIN = timedelta(minutes=30)  # a due call fell due at most this long ago
MISSED_BY = timedelta(minutes=35)

# Orders delivered today with no review (yet): amount -> how many. Above the shop's
# high-value threshold (500 by default) they get a care call; below, none.
TODAYS_ORDERS = (Decimal("899.00"), Decimal("1299.00"), Decimal("4999.00"), Decimal("59.90"))
ORDER_BUYERS = ("晴天小猪99", "tb_知足常乐", "jd_阿杰2018", "木子李", "爱吃橘子的猫", "云淡风轻a")


def start_of_day(now: datetime, shop: Shop) -> datetime:
    local = now.astimezone(shop.tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def on_shift(agents: list[Membership], moment: datetime, shop: Shop, turn: int):
    """An agent whose shift covers `moment`, taking turns; None when nobody is on shift."""
    covering = [m.user for m in agents if m.covers(moment, shop.tz)]
    return covering[turn % len(covering)] if covering else None


def demo_agents(shop: Shop) -> list[Membership]:
    """The demo's own agents in `shop` (an account that existed before has no membership)."""
    return list(
        Membership.objects.filter(shop=shop, role=Role.AGENT, user__username__in=SHIFTS)
        .select_related("user")
        .order_by("user__username")
    )


def todays_work(shop: Shop, reviews: list[Review], *, now: datetime, rng: random.Random) -> None:
    """The plan items of the reviews that came in today and were worked (see the module)."""
    missed_one = False
    for turn, review in enumerate(sorted(reviews, key=lambda r: r.reviewed_at)):
        agent = review.assigned_to
        if agent is None or review.buyer_id is None:
            continue
        called = min(review.reviewed_at + timedelta(minutes=rng.randint(5, 40)), now)
        first = plan(
            review=review,
            kind=Kind.FIRST_CALL,
            channel=Channel.PHONE,
            due_at=review.reviewed_at,
            assigned_to=agent,
        )
        _finish(first, fired=review.reviewed_at, done=called)
        outcome = {
            Status.CONTACTING: Outcome.NO_ANSWER,
            Status.AGREED: Outcome.AGREED,
            Status.REVISED: Outcome.AGREED,
            Status.DECLINED: Outcome.DECLINED,
            Status.UNREACHABLE: Outcome.NO_ANSWER,
        }.get(review.status, Outcome.REACHED)
        ContactAttempt.objects.create(
            review=review,
            buyer_id=review.buyer_id,
            agent=agent,
            channel=Channel.PHONE,
            outcome=outcome,
            created_at=called,
        )
        if review.status == Status.CONTACTING:
            # No answer: the next call is due now (fell due minutes ago) or later today.
            retry = called + timedelta(hours=3)
            if retry > now:
                plan(
                    review=review,
                    kind=Kind.PERSISTENCE,
                    channel=Channel.PHONE,
                    due_at=retry,
                    assigned_to=agent,
                    step=0,
                )
            else:
                due = now - timedelta(minutes=rng.randint(2, int(DUE_WITHIN.seconds / 60)))
                item = plan(
                    review=review,
                    kind=Kind.PERSISTENCE,
                    channel=Channel.PHONE,
                    due_at=due,
                    assigned_to=_hand_over(review, on_shift(demo_agents(shop), now, shop, turn)),
                    step=0,
                )
                PlannedContact.objects.filter(id=item.id).update(state=PlanState.DUE, fired_at=due)
        elif review.status == Status.AGREED:
            if not missed_one and called < now - MISSED_BY:
                # The one that slipped: due 35 minutes ago, escalated to the lead's board.
                missed_one = True
                due = now - MISSED_BY
                item = plan(
                    review=review,
                    kind=Kind.REVISE_FOLLOWUP,
                    channel=Channel.PHONE,
                    due_at=due,
                    deadline_at=due + timedelta(minutes=15),
                    assigned_to=agent,
                )
                PlannedContact.objects.filter(id=item.id).update(
                    state=PlanState.MISSED, fired_at=due, escalated_at=due + timedelta(minutes=15)
                )
                continue
            # The minute the buyer agreed to: this evening, with whoever is on shift then.
            agreed = max(now, called) + timedelta(minutes=rng.randint(20, 240))
            plan(
                review=review,
                kind=Kind.REVISE_FOLLOWUP,
                channel=Channel.PHONE,
                due_at=agreed,
                deadline_at=agreed + timedelta(minutes=15),
                assigned_to=_hand_over(review, on_shift(demo_agents(shop), agreed, shop, turn)),
            )


def _hand_over(review: Review, agent):
    """The review goes with its next item to the agent on shift then, as a lead's assignment
    moves a review with its plans; nobody on shift: it stays with its agent."""
    if agent is None or agent == review.assigned_to:
        return review.assigned_to
    Review.objects.filter(pk=review.pk).update(assigned_to=agent)
    review.assigned_to = agent
    return agent


def _finish(item: PlannedContact, *, fired: datetime, done: datetime) -> None:
    PlannedContact.objects.filter(id=item.id).update(
        state=PlanState.DONE, fired_at=fired, finished_at=done
    )


def todays_orders(spec: DemoShop, shop: Shop, *, now: datetime, reviews: list[Review]) -> int:
    """Orders delivered today, and the orders of a few of today's reviews (their pages show
    the order). Returns how many orders were created."""
    created = 0
    for review in reviews[:3]:
        if review.order_id and review.buyer_id:
            _order, made = Order.objects.get_or_create(
                shop=shop,
                order_id=review.order_id,
                defaults={
                    "buyer_id": review.buyer_id,
                    "amount": review.amount,
                    "status": "交易成功",
                    "delivered_at": review.delivered_at,
                },
            )
            created += made
    day = start_of_day(now, shop)
    playbook = Playbook.objects.for_shop(shop)
    for n, amount in enumerate(TODAYS_ORDERS):
        delivered = min(day + timedelta(hours=9, minutes=45 * n), now - timedelta(minutes=10))
        if delivered < day:
            continue  # just past midnight: nothing delivered yet today
        nick = ORDER_BUYERS[(n + len(spec.slug)) % len(ORDER_BUYERS)]
        buyer, _ = Buyer.objects.get_or_create(
            shop=shop, nick=nick, defaults={"phone": f"1391234{n:02d}{len(spec.slug):02d}"}
        )
        order, made = Order.objects.get_or_create(
            shop=shop,
            order_id=f"{spec.order_prefix}{day:%Y%m%d}{n:03d}",
            defaults={
                "buyer": buyer,
                "amount": amount,
                "status": "交易成功",
                "delivered_at": delivered,
            },
        )
        created += made
        if not made or order_plan_care_call(order=order, now=now) is not None:
            continue
        start, end = care_window(order, playbook)
        if now >= end and amount > shop.high_value_threshold:
            # Seeded after the evening window: the calls were made (or one was missed).
            logged = n % 2 == 0
            agents = demo_agents(shop)
            CareCall.objects.create(
                shop=shop,
                order=order,
                due_at=start,
                deadline_at=end,
                outcome=CareCallOutcome.ALL_WELL if logged else "",
                logged_at=start + timedelta(minutes=10 + 5 * n) if logged else None,
                logged_by=on_shift(agents, start, shop, n) if logged else None,
            )
    return created
