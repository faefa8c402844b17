"""The queue's order key and the board's open-review counters are kept by database triggers
(reviews migration 0021): whatever writes plans or reviews, what the queue and the board show
equals what counting the rows says."""

import importlib
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from outreach.models import AGENT_KINDS, OPEN_PLAN_STATES, PlannedContact
from reviews.models import NOTHING_DUE, OPEN_STATUSES, Buyer, Review, Role, Severity, Status

from ..base import BaseTestCase

migration = importlib.import_module("reviews.migrations.0021_queue_key_and_open_load")


def _sql_list(values) -> set[str]:
    return {v.strip(" '") for v in values.strip("()").split(",")}


def _next_due(review: Review):
    plans = PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES).agent_tasks()
    first = plans.order_by("due_at").values_list("due_at", flat=True).first()
    return first or NOTHING_DUE


class QueueKeyTestCase(BaseTestCase):
    def setUp(self):
        self.now = timezone.now().replace(microsecond=0)
        self.review = self.make_review(self.shop, assigned_to=self.agent)

    def plan(self, **fields):
        fields.setdefault("kind", "revise_followup")
        fields.setdefault("channel", "phone")
        fields.setdefault("due_at", self.now + timedelta(hours=1))
        fields.setdefault("assigned_to", self.agent)
        return PlannedContact.objects.create(
            shop=self.shop, review=self.review, buyer=self.review.buyer, **fields
        )

    def key(self):
        return Review.objects.values_list("queue_due", flat=True).get(pk=self.review.pk)

    def test_the_migration_knows_the_same_states_kinds_and_statuses_as_the_code(self):
        self.assertEqual(_sql_list(migration.OPEN_PLAN_STATES), set(OPEN_PLAN_STATES))
        self.assertEqual(_sql_list(migration.AGENT_KINDS), set(AGENT_KINDS))
        self.assertEqual(_sql_list(migration.OPEN_STATUSES), set(OPEN_STATUSES))

    def test_it_follows_the_earliest_open_agent_task(self):
        self.assertEqual(self.key(), NOTHING_DUE)
        later = self.plan(due_at=self.now + timedelta(hours=5))
        self.assertEqual(self.key(), later.due_at)
        sooner = self.plan(due_at=self.now + timedelta(hours=1))
        self.assertEqual(self.key(), sooner.due_at)
        # A message the system sends is no agent task: it does not move the key.
        self.plan(kind="reminder_sms", channel="sms", due_at=self.now - timedelta(hours=1))
        self.assertEqual(self.key(), sooner.due_at)
        # Done, moved, deleted: the key is the next open task's, or nothing.
        PlannedContact.objects.filter(pk=sooner.pk).update(state="done")
        self.assertEqual(self.key(), later.due_at)
        PlannedContact.objects.filter(pk=later.pk).update(due_at=self.now + timedelta(days=2))
        self.assertEqual(self.key(), self.now + timedelta(days=2))
        later.delete()
        self.assertEqual(self.key(), NOTHING_DUE)
        self.assertEqual(self.key(), _next_due(self.review))

    def test_a_stale_save_of_the_review_does_not_bring_back_an_old_key(self):
        stale = Review.objects.get(pk=self.review.pk)  # read before the plan exists
        planned = self.plan()
        stale.text = "改了一个字"
        stale.save()
        self.assertEqual(self.key(), planned.due_at)

    def test_the_queue_orders_by_it_and_its_cursor_pages_through_every_review(self):
        reviews = [self.review] + [
            self.make_review(self.shop, assigned_to=self.agent) for _ in range(29)
        ]
        for i, review in enumerate(reviews):
            if i % 3:
                PlannedContact.objects.create(
                    shop=self.shop, review=review, buyer=review.buyer, kind="first_call",
                    channel="phone", due_at=self.now + timedelta(minutes=i % 7),
                )  # fmt: skip
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        seen = [r.pk for r in response.context["reviews"]]
        response = self.client.get(reverse("queue"), {"after": response.context["next_cursor"]})
        seen += [r.pk for r in response.context["reviews"]]
        expected = sorted(
            reviews,
            key=lambda r: (_next_due(r), r.severity != Severity.SERIOUS, -r.amount, r.reviewed_at),
        )
        self.assertEqual(seen, [r.pk for r in expected])


class OpenCountersTestCase(BaseTestCase):
    """The board's tiles and workload and the queue's lane counts equal a plain count after
    each flow that moves a review between agents, lanes and states."""

    def setUp(self):
        self.bob = self.make_user("bob", self.shop, Role.AGENT)
        self.login(self.lead)

    def counted(self):
        open_reviews = Review.objects.filter(shop=self.shop, status__in=OPEN_STATUSES)
        return {
            "unassigned": open_reviews.filter(assigned_to=None).count(),
            "serious_unassigned": open_reviews.filter(
                assigned_to=None, severity=Severity.SERIOUS
            ).count(),
            "triage": open_reviews.filter(needs_triage=True).count(),
            "open_total": open_reviews.count(),
            "alice": open_reviews.filter(assigned_to=self.agent).count(),
            "bob": open_reviews.filter(assigned_to=self.bob).count(),
        }

    def shown(self):
        board = self.client.get(reverse("board")).context
        loads = {row["user__username"]: row["open"] for row in board["workload"]}
        return {**board["tiles"], "alice": loads["alice"], "bob": loads["bob"]}

    def assertBoardCounts(self, expected_open: int):
        counted = self.counted()
        self.assertEqual(self.shown(), counted)
        self.assertEqual(counted["open_total"], expected_open)  # the flow did something

    def test_the_board_counts_what_is_there_through_assign_close_reassign_and_delete(self):
        made = [
            self.make_review(self.shop, assigned_to=None, severity=Severity.SERIOUS),
            self.make_review(self.shop, assigned_to=None, needs_triage=True),
            self.make_review(self.shop, assigned_to=None),
            self.make_review(self.shop, assigned_to=self.agent),
        ]
        self.make_review(self.other_shop, assigned_to=None)  # never counted here
        self.assertBoardCounts(4)
        self.client.post(
            reverse("board_assign"),
            {"shop": "alpha", "agent": self.bob.pk, "review": [made[0].pk, made[1].pk]},
        )
        self.assertBoardCounts(4)
        self.assertEqual(self.shown()["bob"], 2)
        self.login(self.agent)
        response = self.client.post(
            reverse("review_close", args=[made[3].pk]), {"reason": "solved", "note": "好了"}
        )
        self.assertEqual(response.status_code, 302)
        self.login(self.lead)
        self.assertBoardCounts(3)
        self.client.post(reverse("board_reassign"), {"shop": "alpha", "absent": self.bob.pk})
        self.assertBoardCounts(3)
        Review.objects.filter(pk=made[2].pk).delete()
        self.assertBoardCounts(2)
        # A user removed: their reviews fall back to unassigned, and so do the counters.
        alice = Review.objects.filter(shop=self.shop, assigned_to=self.agent).open().count()
        self.assertGreater(alice, 0)
        self.agent.delete()
        tiles = self.client.get(reverse("board")).context["tiles"]
        unassigned = Review.objects.filter(shop=self.shop, assigned_to=None).open().count()
        self.assertEqual((tiles["unassigned"], tiles["open_total"]), (unassigned, 2))

    def test_the_queue_lanes_count_from_the_counters(self):
        self.make_review(self.shop, assigned_to=self.agent)
        self.make_review(self.shop, assigned_to=self.agent, needs_triage=True)
        self.make_review(self.shop, assigned_to=None)
        Review.objects.filter(shop=self.shop, assigned_to=None).update(status=Status.CONTACTING)
        self.make_review(self.shop, assigned_to=self.agent, status=Status.CLOSED)
        self.login(self.agent)
        counts = self.client.get(reverse("queue")).context["counts"]
        self.assertEqual(counts, {"mine": 2, "triage": 1, "unassigned": 1, "done": 1})

    def test_erasing_a_buyer_keeps_the_counts_and_drops_their_queue_key(self):
        review = self.make_review(self.shop, assigned_to=self.agent, nick="张三")
        PlannedContact.objects.create(
            shop=self.shop, review=review, buyer=review.buyer, kind="revise_followup",
            channel="phone", due_at=timezone.now() + timedelta(hours=1),
        )  # fmt: skip
        self.assertNotEqual(Review.objects.get(pk=review.pk).queue_due, NOTHING_DUE)
        before = self.counted()
        call_command(
            "erase_buyer", "alpha", "--nick", "张三", "--reason", "工单 #42", stdout=StringIO()
        )
        self.assertFalse(Buyer.objects.filter(nick="张三").exists())
        self.assertEqual(self.shown(), before)
        self.assertEqual(Review.objects.get(pk=review.pk).queue_due, NOTHING_DUE)


class CappedCountsTestCase(BaseTestCase):
    """Figures that would count a whole backlog stop at a cap and say so."""

    def test_the_finished_lane_and_the_due_counts_stop_at_their_caps(self):
        from unittest import mock

        for _ in range(3):
            review = self.make_review(self.shop, assigned_to=self.agent, status=Status.CLOSED)
        for _ in range(3):
            review = self.make_review(self.shop, assigned_to=self.agent)
            PlannedContact.objects.create(
                shop=self.shop, review=review, buyer=review.buyer, kind="first_call",
                channel="phone", due_at=timezone.now() - timedelta(hours=1), state="due",
                fired_at=timezone.now(), assigned_to=self.agent,
            )  # fmt: skip
        self.login(self.agent)
        with mock.patch("outreach.queue.DONE_COUNT_CAP", 3):
            self.assertEqual(self.client.get(reverse("queue")).context["counts"]["done"], "2+")
        self.assertEqual(self.client.get(reverse("queue")).context["counts"]["done"], 3)
        self.login(self.lead)
        with mock.patch("outreach.board.DUE_COUNT_CAP", 3):
            due = self.client.get(reverse("board")).context["due_by_agent"][self.agent.pk]
        self.assertEqual(due, {"due_today": "2+", "overdue": "2+"})
        due = self.client.get(reverse("board")).context["due_by_agent"][self.agent.pk]
        self.assertEqual(due, {"due_today": 3, "overdue": 3})

    def test_the_boards_unassigned_list_is_paged(self):
        from outreach.views.board import UNASSIGNED_PAGE_SIZE

        made = [
            self.make_review(self.shop, assigned_to=None, text=f"第{i}条")
            for i in range(UNASSIGNED_PAGE_SIZE + 1)
        ]
        self.login(self.lead)
        first = self.client.get(reverse("board"))
        self.assertEqual(len(first.context["unassigned"]), UNASSIGNED_PAGE_SIZE)
        self.assertContains(first, "page=2")
        second = self.client.get(reverse("board"), {"shop": "alpha", "page": "2"})
        shown = [r.pk for r in first.context["unassigned"]] + [
            r.pk for r in second.context["unassigned"]
        ]
        self.assertEqual(sorted(shown), sorted(r.pk for r in made))
        self.assertFalse(second.context["unassigned_more"])
        # Another shop's lead pages nothing of alpha's.
        self.login(self.outsider)
        self.assertEqual(
            self.client.get(reverse("board"), {"shop": "alpha", "page": "2"}).status_code, 403
        )


class SearchTestCase(BaseTestCase):
    def test_it_finds_nicks_words_and_order_ids_of_any_length_in_its_own_shops(self):
        tudou = self.make_review(self.shop, assigned_to=self.agent, nick="Happy土豆", text="好")
        words = self.make_review(self.shop, assigned_to=self.agent, text="屏幕有划痕，包装破损")
        order = self.make_review(self.shop, assigned_to=self.agent, order_id="5566778899")
        # The same nick in another shop is another buyer: never found from here.
        self.make_review(self.other_shop, assigned_to=self.agent, nick="Happy土豆")
        self.login(self.agent)

        def found(q):
            return [r.pk for r in self.client.get(reverse("queue"), {"q": q}).context["reviews"]]

        self.assertEqual(found("土豆"), [tudou.pk])  # two characters: read in lane order
        self.assertEqual(found("happy土"), [tudou.pk])  # three and more: the buyers first
        self.assertEqual(found("包装破损"), [words.pk])
        self.assertEqual(found("5566778899"), [order.pk])
        self.assertEqual(found("没有这个"), [])
