"""The planner of new reviews, a chunk at a time: what the playbook plans for each review of a
hand-off chunk (seed 000's handbook), read and written with a few queries per chunk.

A review handed over by ingestion gets its first step — a call now, a call after a cooling-off,
an apology call, an invitation — plus the public-reply task and the care call where they
apply. Later steps are planned by the agent's actions (services.planning).

`reviews_plan` reads what the whole chunk needs at once — the shops' playbooks and working
calendars, which reviews already have a plan, the buyers' contacts on the days their caps
count, the leads, the high-value reviews' orders and care calls — decides every review in
memory (each new plan counting in the caps of the reviews after it, as if planned one by one)
and writes the plans with one bulk insert and their timeline events with another.
`review_plan` is the same planner for one review. Reviews handed off again (revised, finished,
changed) are few: they go through the one-review updates of services.planning first, which
touch only their own review's plans.
"""

import logging
from datetime import datetime, timedelta
from functools import cache

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import timeline
from reviews.ingest import copy
from reviews.models import Membership, Order, Review, ReviewEvent, Role, Severity, Status

from .. import guardrails, platforms, wording, workcalendar
from ..guardrails import GuardrailError
from ..models import (
    CareCall,
    Channel,
    Kind,
    PlannedContact,
    Playbook,
)
from .caps import BuyerCaps
from .delivery import messages_stop
from .planning import (
    _update_reply_deadline,
    cancel_pending,
    message_channel,
    render,
    revise_closed,
    stop_revise_requests,
    waiting,
)

logger = logging.getLogger(__name__)

_FINISHED = (Status.REVISED, Status.CLOSED, Status.REPLIED)


def review_plan(*, review: Review) -> list[PlannedContact]:
    """Plan one review (the chunk planner for a chunk of one); returns its new plans.
    Idempotent: a review that already has a plan is left alone."""
    chunk = _Chunk([review], now=timezone.now(), strict=True)
    with transaction.atomic():
        chunk.run()
    return chunk.plans_of(review.pk)


def reviews_plan(*, reviews: list[Review]) -> list[int]:
    """The hand-off's planner (settings.REVIEWS_HANDOFF_PLANNER): plan `reviews` (locked by
    the caller, with their shop and buyer) and return the ids of those handed over. A review
    whose planning fails is logged and left out, so it stays pending; the others go on."""
    chunk = _Chunk(reviews, now=timezone.now())
    chunk.run()
    return chunk.handed


class _Chunk:
    def __init__(self, reviews: list[Review], *, now: datetime, strict: bool = False) -> None:
        self.reviews = reviews
        self.strict = strict  # one review planned on its own: its failure is the caller's
        self.now = now
        self.handed: list[int] = []
        # Per review, in order: new plans (rows, as dicts) and events without a plan.
        self.items: dict[int, list[dict | timeline.Pending]] = {}
        self.playbooks: dict[int, Playbook] = {}
        # Most of a chunk's reviews ask for the same minutes (now, the same reply deadline
        # day): why each waits and the next working minute are worked out once per minute.
        self.waits: dict[tuple, dict] = {}
        self.working: dict[tuple, datetime] = {}
        self.leads: dict[int, object] = {}

    # Reading.

    def playbook(self, shop) -> Playbook:
        if shop.pk not in self.playbooks:
            self.playbooks[shop.pk] = Playbook.objects.for_shop(shop)
        return self.playbooks[shop.pk]

    def _load(self, reviews: list[Review]) -> None:
        for review in reviews:
            if review.buyer is not None and review.buyer.shop_id == review.shop_id:
                review.buyer.shop = review.shop  # the buyer's zone falls back on the shop's
        self.caps = BuyerCaps(
            sorted({r.buyer_id for r in reviews if r.buyer_id is not None}),
            # Caps count the buyer's local day of a minute at or after now: it starts at most
            # a day (and a zone's offset) earlier.
            since=self.now - timedelta(days=2),
        )
        shops = {r.shop_id for r in reviews if guardrails.is_extortion_suspected(r)}
        if shops:
            for m in (
                Membership.objects.filter(shop_id__in=shops, role=Role.LEAD)
                .select_related("user")
                .order_by("shop_id", "id")
            ):
                self.leads.setdefault(m.shop_id, m.user)
        self.orders, self.care_called = self._orders(reviews)
        for review in reviews:
            if review.buyer is not None and review.buyer.do_not_contact_at is None:
                self.playbook(review.shop).working_calendar()  # read once per shop, here

    def _orders(self, reviews: list[Review]) -> tuple[dict, set[int]]:
        """The orders of the reviews that may be high-value (a care call), and which of those
        orders already have their care call."""
        wanted = [
            r
            for r in reviews
            if r.order_id and (r.amount is None or r.amount > r.shop.high_value_threshold)
        ]
        if not wanted:
            return {}, set()
        orders = {}
        for order in Order.objects.filter(
            shop_id__in={r.shop_id for r in wanted}, order_id__in={r.order_id for r in wanted}
        ).order_by("-id"):
            orders[(order.shop_id, order.order_id)] = order  # the first (lowest id) wins
        called = set(
            CareCall.objects.filter(order__in=list(orders.values())).values_list(
                "order_id", flat=True
            )
        )
        return orders, called

    def lead(self, shop):
        return self.leads.get(shop.pk)

    def assignee_for(self, review: Review):
        """Who works the review's calls: its agent, but a team lead when extortion is
        suspected (seed 001: a professional bad-reviewer is a lead's case). An id."""
        if guardrails.is_extortion_suspected(review):
            lead = self.lead(review.shop)
            return lead.pk if lead else None
        return review.assigned_to_id

    # Running.

    def run(self) -> None:
        if not self.reviews:
            return
        ids = [r.pk for r in self.reviews]
        with_plans = set(
            PlannedContact.objects.filter(review_id__in=ids)
            .values_list("review_id", flat=True)
            .distinct()
        )
        fresh = [r for r in self.reviews if r.status not in _FINISHED and r.pk not in with_plans]
        self.fresh = {r.pk for r in fresh}
        self._load(fresh)
        # In order, as one by one: a review handed off again cancels its own plans (and
        # stops its messages), which frees room under its buyer's caps for the reviews
        # after it, not before.
        for review in self.reviews:
            if review.pk in self.fresh:
                self._guarded(review, lambda r=review: self._new(r))
            else:
                self._guarded(review, lambda r=review: self._again(r))
                if review.buyer_id is not None:
                    self.caps.reread(review.buyer_id)
        self._write()

    def _guarded(self, review: Review, step) -> None:
        """Plan one review. A refused template (a lead's edit that breaks a guardrail) is
        recorded on the timeline instead of failing the hand-off; any other failure leaves
        the review out (pending) and the others go on. A new review's planning reads and
        writes nothing (all was read before, all is written after), so it needs no
        savepoint; one handed off again writes at once, in its own."""
        writes = review.pk not in self.fresh
        try:
            try:
                if writes:
                    with transaction.atomic():
                        step()
                else:
                    step()
            except GuardrailError as exc:
                self._forget(review.pk)
                self.items[review.pk] = []
                self._not_planned(review, code=exc.code, reason=str(exc.message))
        except Exception:
            if self.strict:
                raise
            logger.exception("planning review %s failed; it stays pending", review.pk)
            self._forget(review.pk)
            return
        self.handed.append(review.pk)

    def _forget(self, review_id: int) -> None:
        """Drop what a review that failed had planned, from the caps too."""
        for item in self.items.pop(review_id, []):
            if _is_plan(item) and item["buyer_id"] is not None:
                self.caps.remove(item["buyer_id"], item["channel"], item["due_at"])

    def _again(self, review: Review) -> None:
        now = self.now
        if review.status in _FINISHED:
            # Handed off because an import showed it revised, or handed off again after it
            # was finished: nothing planned for it may still happen, no queued message go out.
            cancel_pending(review.planned_contacts.all(), reason=f"review_{review.status}", now=now)
            if review.status != Status.REPLIED:
                messages_stop(review.messages.all(), why=f"not sent: the review is {review.status}")
            return
        # A changed review handed off again: only the reply deadline can move (a 追评 closes
        # the reply on Taobao/Tmall), and a buyer who used the platform's one change (差评 →
        # 中评 on Taobao) can no longer be asked to revise; the rest of the plan stands.
        _update_reply_deadline(review=review, now=now)
        if revise_closed(review, now=now):
            stop_revise_requests(review, now=now)

    def _new(self, review: Review) -> None:
        self.items[review.pk] = []
        now = self.now
        buyer = review.buyer
        if buyer is None or buyer.do_not_contact_at is not None:
            self._not_planned(review, code="not_contactable")
            return
        playbook = self.playbook(review.shop)
        rules = platforms.rules_for(review.shop.platform)
        assignee = self.assignee_for(review)
        age = now - review.reviewed_at
        # Past the platform's revise window (Taobao: 30 days) nothing asks for a revision:
        # the call aims at solving the problem, and the public reply is what is left.
        goal = "solve_and_explain" if revise_closed(review, now=now) else "revise"

        if age > timedelta(days=playbook.invitation_only_days):
            # Seed 000 四.2: after six months talk only about the future, by IM/SMS — no
            # call, no mention of the review.
            body = render(playbook.template("invitation"), review, playbook.promotion_link)
            guardrails.check_compliance(body)
            if wording.mentions_review(body):
                raise GuardrailError(
                    "mentions_review", _("The invitation must not mention the review.")
                )
            when = self._fit(now, buyer=buyer, playbook=playbook, call=False)
            self._plan(
                review,
                kind=Kind.INVITATION,
                channel=message_channel(buyer),
                due_at=when,
                body=body,
                goal="invite",
            )
            return

        if age > timedelta(days=playbook.historical_days):
            # Seed 000 四.2: calm by now — apologise for not reaching them earlier, offer
            # free shipping or a small gift; the agent may come straight to the point.
            kind, start = Kind.APOLOGY_CALL, now
            script = render(playbook.template("apology"), review)
        elif review.severity == Severity.SERIOUS:
            # Seed 000 四.1: serious issue or deep misunderstanding — cool off ~24 h, then call.
            kind, start = Kind.FIRST_CALL, now + timedelta(hours=playbook.cooling_off_hours)
            script = ""
        else:
            # Seed 000 一.1 / 四.1: a small problem — call at once, they still remember.
            kind, start = Kind.FIRST_CALL, now
            script = ""
        guardrails.check_compliance(script)
        when = self._fit(start, buyer=buyer, playbook=playbook, call=True)
        self._plan(
            review,
            kind=kind,
            channel=Channel.PHONE,
            due_at=when,
            assigned_to_id=assignee,
            body=script,
            goal=goal,
            **self._waiting(playbook, start, when),
        )
        self._reply_task(review, playbook=playbook, rules=rules)
        self._care_call(review, playbook=playbook, assignee=assignee)

    def _waiting(self, playbook: Playbook, asked: datetime, due: datetime) -> dict:
        if due <= asked:
            return {}
        key = (playbook.pk, asked)
        if key not in self.waits:
            self.waits[key] = waiting(playbook, asked, due)
        return self.waits[key]

    def _next_working_minute(self, playbook: Playbook, asked: datetime) -> datetime:
        key = (playbook.pk, asked)
        if key not in self.working:
            self.working[key] = workcalendar.next_working_minute(playbook.working_calendar(), asked)
        return self.working[key]

    def _fit(self, start: datetime, *, buyer, playbook, call: bool) -> datetime:
        return guardrails.fit_caps_and_hours(
            start, buyer=buyer, playbook=playbook, call=call, count=self.caps.on_day
        )

    def _reply_task(self, review: Review, *, playbook: Playbook, rules) -> None:
        """Taobao/Tmall: the public reply closes 30 days after the review (or at the buyer's
        追评); the task carries that deadline and is brought forward so it is not missed."""
        now = self.now
        deadline = platforms.reply_deadline(
            review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
        )
        if deadline is None:
            return  # no window: the reply task comes at the end of the persistence schedule
        if deadline <= now:
            self._not_planned(review, code="reply_window_closed", kind=Kind.REPLY_TASK)
            return
        asked = max(now, deadline - timedelta(days=playbook.reply_lead_days))
        # On the shop's next working minute, unless that is past the platform's deadline: a
        # task due on a holiday is better than a reply window that closes unseen.
        due = self._next_working_minute(playbook, asked)
        if due >= deadline:
            due = asked
        self._plan(
            review,
            kind=Kind.REPLY_TASK,
            channel=Channel.PLATFORM,
            due_at=due,
            deadline_at=deadline,
            assigned_to_id=self.assignee_for(review),
            reply_max_chars=rules.reply_max_chars,
            reply_needs_person=rules.reply_needs_person,
            **self._waiting(playbook, asked, due),
        )

    def _care_call(self, review: Review, *, playbook: Playbook, assignee) -> None:
        """Seed 004 四②: a high-value order gets a short care call on the delivery day,
        18–19h. When the order came from an order export it already has its own
        (care_calls), planned before the review: never a second one."""
        shop, now = review.shop, self.now
        if review.amount is not None and review.amount <= shop.high_value_threshold:
            return  # not high-value
        order = self.orders.get((review.shop_id, review.order_id)) if review.order_id else None
        if order is not None and order.pk in self.care_called:
            return
        delivered_at = review.delivered_at or (order.delivered_at if order else None)
        amount = review.amount if review.amount is not None else (order.amount if order else None)
        if delivered_at is None or amount is None or amount <= shop.high_value_threshold:
            return
        tz = shop.tz
        day = delivered_at.astimezone(tz).date()
        start = datetime.combine(day, playbook.care_call_start, tzinfo=tz)
        end = datetime.combine(day, playbook.care_call_end, tzinfo=tz)
        if now >= end:
            return
        asked, waits = max(now, start), {}
        calendar = playbook.working_calendar()
        if not workcalendar.is_working_day(calendar, day):
            # Delivered on a day nobody works: the call in the window of the next working day.
            day = workcalendar.next_working_minute(calendar, asked).astimezone(tz).date()
            start = datetime.combine(day, playbook.care_call_start, tzinfo=tz)
            end = datetime.combine(day, playbook.care_call_end, tzinfo=tz)
            waits = waiting(playbook, asked, start)
        self._plan(
            review,
            kind=Kind.CARE_CALL,
            channel=Channel.PHONE,
            due_at=max(asked, start),
            deadline_at=end,
            assigned_to_id=assignee,
            **waits,
        )

    def _plan(
        self,
        review: Review,
        *,
        kind: str,
        channel: str,
        due_at: datetime,
        assigned_to_id=None,
        deadline_at: datetime | None = None,
        body: str = "",
        **data,
    ) -> None:
        """One planned item (a row, written with the chunk's), and the caps of the reviews
        after it count it."""
        self.items[review.pk].append(
            {
                "shop_id": review.shop_id,
                "review_id": review.pk,
                "buyer_id": review.buyer_id,
                "kind": kind,
                "channel": channel,
                "due_at": due_at,
                "deadline_at": deadline_at,
                "assigned_to_id": assigned_to_id,
                "needs_lead": guardrails.is_extortion_suspected(review),
                "body": body,
                "data": data,
            }
        )
        if review.buyer_id is not None:
            self.caps.add(review.buyer_id, channel, due_at)

    def _not_planned(self, review: Review, *, code: str, kind: str = "", reason: str = "") -> None:
        event = timeline.not_planned(review, code=code, kind=kind, reason=reason, commit=False)
        self.items[review.pk].append(event)

    # Writing.

    def _write(self) -> None:
        now = timezone.now()
        fields = _plan_fields()
        plans = [item for pk in self.handed for item in self.items.get(pk, []) if _is_plan(item)]
        defaults = _field_defaults()
        rows = [_row(plan, fields, defaults, now) for plan in plans]
        for plan, pk in zip(plans, copy.insert_rows(PlannedContact, fields, rows), strict=True):
            plan["id"] = pk
        events = []
        for pk in self.handed:
            for item in self.items.get(pk, []):
                if _is_plan(item):
                    event = timeline.planned(
                        pk,
                        plan_id=item["id"],
                        kind=item["kind"],
                        due_at=item["due_at"],
                        commit=False,
                    )
                    events.append(event)
                else:
                    events.append(item)
        copy.insert_values(ReviewEvent, timeline.COPY_COLUMNS, timeline.copy_rows(events, at=now))

    def plans_of(self, review_id: int) -> list[PlannedContact]:
        ids = [item["id"] for item in self.items.get(review_id, []) if _is_plan(item)]
        return list(PlannedContact.objects.filter(id__in=ids).order_by("id")) if ids else []


def _is_plan(item) -> bool:
    return isinstance(item, dict)


@cache
def _plan_fields() -> list[str]:
    return [f.attname for f in PlannedContact._meta.concrete_fields if not f.primary_key]


def _field_defaults() -> dict:
    """What a PlannedContact() holds in the fields a new plan leaves unset (as bulk_create
    would write them); asked once per chunk, so a callable default is called per chunk."""
    return {
        f.attname: f.get_default()
        for f in PlannedContact._meta.concrete_fields
        if not f.primary_key and f.attname != "data"
    }


def _row(plan: dict, fields: list[str], defaults: dict, now: datetime) -> tuple:
    return tuple(
        now if name == "created_at" else plan[name] if name in plan else defaults[name]
        for name in fields
    )
