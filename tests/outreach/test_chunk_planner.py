"""The hand-off's planner decides a chunk of reviews together (outreach.services.first_plan):
its plans and timeline must be exactly those of planning the same reviews one at a time, in
order — caps shared by a buyer's reviews, quiet hours, holidays, apology calls, invitations,
care calls, do-not-contact, reviews handed off again — for generated chunks of every kind."""

import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from outreach.guardrails import EXTORTION_FLAG
from outreach.models import (
    CareCall,
    Channel,
    ContactAttempt,
    Kind,
    LocalDay,
    Message,
    Outcome,
    PlannedContact,
    Playbook,
)
from outreach.services import review_plan, reviews_plan
from reviews.models import Buyer, Order, Review, ReviewEvent, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
MOMENTS = [
    datetime(2026, 11, 25, 10, 0, tzinfo=SH),  # a working morning
    datetime(2026, 11, 25, 23, 10, tzinfo=SH),  # quiet hours
    datetime(2026, 9, 30, 20, 30, tzinfo=SH),  # the eve of the National Day holiday
    datetime(2026, 11, 28, 8, 0, tzinfo=SH),  # before work, on the shop's day off
]
AGES = [
    timedelta(hours=2),
    timedelta(days=3),
    timedelta(days=29, hours=20),
    timedelta(days=40),
    timedelta(days=200),
]
PLAN_FIELDS = [
    f.attname for f in PlannedContact._meta.concrete_fields if f.attname not in ("id", "created_at")
]


class ChunkPlannerEquivalenceTestCase(BaseTestCase):
    def test_a_chunk_is_planned_exactly_as_its_reviews_one_by_one(self):
        for seed in range(12):
            with self.subTest(seed=seed):
                moment = MOMENTS[seed % len(MOMENTS)]
                with time_machine.travel(moment, tick=False), transaction.atomic():
                    ids = self.scene(random.Random(seed))
                    one_by_one, chunked = self.both_ways(ids)
                    self.assertGreater(len(one_by_one["plans"]), len(ids) // 2)
                    self.assertEqual(one_by_one, chunked)
                    transaction.set_rollback(True)

    def test_the_chunk_reads_and_writes_in_a_few_queries_whatever_its_size(self):
        counts = []
        for n in (40, 160):  # both with two shops, leads' cases, orders and care calls
            with (
                time_machine.travel(MOMENTS[0], tick=False),
                transaction.atomic(),
            ):
                ids = self.scene(random.Random(n), n_reviews=n, again=False)
                reviews = self.locked(ids)
                with CaptureQueriesContext(connection) as queries:
                    handed = reviews_plan(reviews=reviews)
                self.assertEqual(sorted(handed), sorted(ids))
                counts.append(len(queries))
                transaction.set_rollback(True)
        self.assertEqual(counts[0], counts[1])  # not one more per review
        self.assertLessEqual(counts[1], 16)

    # The scene.

    def scene(self, rnd: random.Random, *, n_reviews: int = 30, again: bool = True) -> list[int]:
        """Reviews of two shops (Taobao, JD) and a handful of buyers who share them, with
        contacts already made today, orders and care calls, and some reviews already
        planned, revised or finished."""
        Playbook.objects.filter(shop=self.shop).delete()
        playbook = Playbook.objects.for_shop(self.shop)
        playbook.works_weekends = rnd.random() < 0.5
        playbook.save()
        LocalDay.objects.create(shop=self.shop, day=date(2026, 11, 26), note="盘点")
        buyers = []
        for i in range(8):
            shop = self.shop if i < 6 else self.other_shop
            buyer = Buyer.objects.create(
                shop=shop,
                nick=f"b{i}-{rnd.random()}",
                phone="" if i == 3 else "13812345678",
                timezone="Europe/London" if i == 2 else "",
            )
            if i == 4:
                Buyer.objects.filter(pk=buyer.pk).update(do_not_contact_at=MOMENTS[0])
                buyer.refresh_from_db()
            buyers.append(buyer)
        earlier = self.make_review(self.shop, buyer=buyers[0], status=Status.CLOSED)
        for _ in range(rnd.randint(0, 2)):
            ContactAttempt.objects.create(
                review=earlier,
                buyer=buyers[0],
                agent=self.agent,
                channel=Channel.PHONE,
                outcome=Outcome.NO_ANSWER,
            )
        for n in range(rnd.randint(0, 3)):
            Message.objects.create(
                shop=self.shop,
                buyer=buyers[0],
                review=earlier,
                kind=Kind.PERSISTENCE,
                channel=Channel.SMS,
                to="x",
                body="hi",
                idempotency_key=f"k{n}-{rnd.random()}",
            )
        ids = []
        for _ in range(n_reviews):
            buyer = rnd.choice(buyers)
            shop = buyer.shop
            amount = rnd.choice([Decimal("99.00"), Decimal("900.00"), None])
            review = self.make_review(
                shop,
                buyer=buyer,
                reviewed_at=MOMENTS[0] - rnd.choice(AGES),
                severity=rnd.choice(["minor", "serious"]),
                amount=amount,
                delivered_at=rnd.choice([None, MOMENTS[0] - timedelta(hours=30), MOMENTS[0]]),
                assigned_to=rnd.choice([self.agent, None]),
                flags=[EXTORTION_FLAG] if rnd.random() < 0.15 else [],
            )
            if amount is None or rnd.random() < 0.3:
                order = Order.objects.create(
                    shop=shop,
                    order_id=review.order_id,
                    buyer=buyer,
                    amount=Decimal("1200.00"),
                    delivered_at=MOMENTS[0] + timedelta(hours=rnd.choice([-50, 8, 30])),
                )
                if rnd.random() < 0.3:
                    CareCall.objects.create(
                        shop=shop,
                        order=order,
                        due_at=MOMENTS[0],
                        deadline_at=MOMENTS[0] + timedelta(hours=1),
                    )
            if again and rnd.random() < 0.15:
                # Handed off before: planned once, then revised, finished or followed up.
                review_plan(review=review)
                change = rnd.choice(["revised", "closed", "replied", "followup"])
                if change == "followup":
                    review.followup_at = MOMENTS[0] - timedelta(hours=1)
                    review.rating_changed_at = MOMENTS[0] - timedelta(hours=1)
                    review.save()
                else:
                    Review.objects.filter(pk=review.pk).update(status=change)
            if rnd.random() < 0.05:
                Review.objects.filter(pk=review.pk).update(buyer=None)
            ids.append(review.pk)
        return ids

    # Planning it both ways.

    def locked(self, ids: list[int]) -> list[Review]:
        return list(
            Review.objects.select_for_update(of=("self",))
            .filter(id__in=ids)
            .select_related("shop", "buyer")
            .order_by("id")
        )

    def both_ways(self, ids: list[int]) -> tuple[dict, dict]:
        last_event = ReviewEvent.objects.order_by("-id").values_list("id", flat=True).first()
        sid = transaction.savepoint()
        for review in self.locked(ids):
            review_plan(review=review)
        one_by_one = self.outcome(ids, last_event)
        transaction.savepoint_rollback(sid)
        self.assertEqual(sorted(reviews_plan(reviews=self.locked(ids))), sorted(ids))
        return one_by_one, self.outcome(ids, last_event)

    def outcome(self, ids: list[int], last_event: int) -> dict:
        """Every plan of the reviews (each review's in order) and every event written since
        the scene was set, with plan ids replaced by what they point at."""
        plans = list(
            PlannedContact.objects.filter(review_id__in=ids).order_by("review_id", "id").values()
        )
        names = {}
        for plan in plans:
            names[plan["id"]] = (plan["review_id"], plan["kind"], plan["due_at"].isoformat())
        events = []
        for event in ReviewEvent.objects.filter(review_id__in=ids, id__gt=last_event).order_by(
            "review_id", "id"
        ):
            data = dict(event.data)
            if "planned_contact" in data:
                data["planned_contact"] = names[data["planned_contact"]]
            events.append((event.review_id, event.kind, event.actor_id, data))
        return {
            "plans": [tuple(plan[f] for f in PLAN_FIELDS) for plan in plans],
            "events": events,
        }
