import re
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.test import SimpleTestCase, TestCase, override_settings
from django.urls import reverse

from demo.generator import generate_reviews, to_traditional
from outreach.models import CareCall, PlannedContact, PlanState
from reviews import classifier
from reviews.models import (
    OPEN_STATUSES,
    SUBCAUSES_BY_CAUSE,
    Buyer,
    Cause,
    EventKind,
    Membership,
    Order,
    Rating,
    Review,
    ReviewEvent,
    Role,
    Severity,
    Shop,
    Source,
    Status,
)

NOW = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
TRADITIONAL_ONLY = re.compile("[這個質貨買發壞說們來沒給還]")


class GeneratorTestCase(SimpleTestCase):
    """The generator is pure Python: no database needed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reviews = list(generate_reviews(300, seed=11, now=NOW))

    def test_it_is_deterministic_per_seed(self):
        again = list(generate_reviews(300, seed=11, now=NOW))
        self.assertEqual(again, self.reviews)
        other = list(generate_reviews(300, seed=12, now=NOW))
        self.assertNotEqual([r.text for r in other], [r.text for r in self.reviews])

    def test_it_keeps_ids_and_texts_when_only_now_changes(self):
        later = list(generate_reviews(50, seed=11, now=NOW + timedelta(days=3)))
        self.assertEqual(
            [(r.platform_review_id, r.text) for r in later],
            [(r.platform_review_id, r.text) for r in self.reviews[:50]],
        )

    def test_it_covers_every_cause_and_both_severities(self):
        self.assertEqual({r.truth.cause for r in self.reviews}, set(Cause.values))
        self.assertEqual({r.truth.severity for r in self.reviews}, set(Severity.values))

    def test_it_covers_every_subcause_in_a_thousand(self):
        reviews = generate_reviews(1000, seed=11, now=NOW)
        self.assertEqual(
            {r.truth.subcause for r in reviews},
            {s for subs in SUBCAUSES_BY_CAUSE.values() for s in subs},
        )

    def test_it_produces_valid_choices(self):
        for r in self.reviews:
            self.assertIn(r.rating, (Rating.NEGATIVE, Rating.NEUTRAL))
            self.assertIn(r.truth.subcause, SUBCAUSES_BY_CAUSE[r.truth.cause])
            self.assertIsInstance(r.amount, Decimal)
            self.assertGreater(r.amount, 0)
            self.assertTrue(r.text)
            self.assertNotIn("{", r.text + r.followup_text)
            self.assertRegex(r.phone, r"^1[3-9]\d{9}$")
            self.assertTrue(r.nick)
            self.assertNotIn("*", r.nick)
            self.assertLessEqual(len(r.product_name), 255)
        ratings = [r.rating for r in self.reviews]
        self.assertGreater(ratings.count(Rating.NEGATIVE), ratings.count(Rating.NEUTRAL))
        self.assertEqual(len({r.platform_review_id for r in self.reviews}), 300)

    def test_it_dates_everything_in_aware_utc_and_in_order(self):
        for r in self.reviews:
            self.assertEqual(r.reviewed_at.utcoffset(), timedelta(0))
            self.assertLess(r.reviewed_at, NOW)
            self.assertLess(r.shipped_at, r.reviewed_at)
            if r.delivered_at:
                self.assertLess(r.shipped_at, r.delivered_at)
                self.assertLess(r.delivered_at, r.reviewed_at)
            if r.followup_at:
                self.assertTrue(r.followup_text)
                self.assertTrue(r.reviewed_at <= r.followup_at <= NOW)

    def test_it_spans_minutes_to_over_six_months(self):
        ages = [NOW - r.reviewed_at for r in self.reviews]
        self.assertLess(min(ages), timedelta(hours=1))
        self.assertTrue(any(timedelta(days=31) < a < timedelta(days=180) for a in ages))
        self.assertGreater(max(ages), timedelta(days=183))
        self.assertLessEqual(max(ages), timedelta(days=245))

    def test_it_has_the_texture_of_real_reviews(self):
        texts = [r.text for r in self.reviews]
        self.assertTrue(any(TRADITIONAL_ONLY.search(t) for t in texts))
        self.assertTrue(any("但是" in t or "就是" in t or "可惜" in t for t in texts))
        self.assertTrue(any(r.followup_text for r in self.reviews))
        self.assertTrue(any(w in t for t in texts for w in ("投诉", "315", "维权", "假货", "骗子")))
        self.assertTrue(any(r.amount > 1000 for r in self.reviews))
        self.assertTrue(any(r.amount < 100 for r in self.reviews))
        self.assertGreaterEqual(len({r.category for r in self.reviews}), 9)
        self.assertGreaterEqual(len({r.courier for r in self.reviews}), 8)
        self.assertTrue(all(r.tracking_no for r in self.reviews))

    def test_it_writes_traditional_characters(self):
        self.assertEqual(
            to_traditional("头发很干，这个质量太差，后来退货了"),
            "頭髮很乾，這個質量太差，後來退貨了",
        )


def fake_classify(text, *, amount=None, high_value_threshold=None, **kwargs):
    """A stand-in with the classifier's interface, so these tests do not depend on its rules."""
    high_value = amount is not None and amount >= high_value_threshold
    return SimpleNamespace(
        cause=Cause.LOGISTICS,
        subcause="courier_speed",
        severity=Severity.SERIOUS if "！" in text else Severity.MINOR,
        confidence=0.3 if len(text) < 12 else 0.9,
        flags=["high_value"] if high_value else [],
        evidence=[text[:4]],
        model_version="fake-1",
        second_cause="",
        needs_triage=len(text) < 12,
    )


@override_settings(DEBUG=True)
@mock.patch.object(classifier, "classify", fake_classify)
class SeedDemoTestCase(TestCase):
    def seed(self, *args: str) -> str:
        out = StringIO()
        call_command("seed_demo", *args, stdout=out)
        return out.getvalue()

    def counts(self) -> tuple[int, ...]:
        models = (Shop, User, Membership, Buyer, Review, ReviewEvent, Order, CareCall)
        return tuple(model.objects.count() for model in (*models, PlannedContact))

    def test_it_creates_the_demo_shops_people_and_reviews(self):
        output = self.seed()
        shop = Shop.objects.get(slug="demo")
        self.assertEqual(shop.name, "演示旗舰店")
        self.assertIn("{order_id}", shop.revision_link_template)
        platforms = dict(Shop.objects.values_list("slug", "platform"))
        self.assertEqual(platforms, {"demo": "taobao", "demo-tmall": "tmall", "demo-jd": "jd"})
        for demo_shop in Shop.objects.all():
            roles = dict(
                Membership.objects.filter(shop=demo_shop).values_list("user__username", "role")
            )
            self.assertEqual(
                roles,
                {
                    "agent": Role.AGENT,
                    "agent2": Role.AGENT,
                    "agent3": Role.AGENT,
                    "lead": Role.LEAD,
                    "manager": Role.MANAGER,
                },
            )
        self.assertFalse(User.objects.filter(username="admin").exists())

        reviews = Review.objects.all()
        self.assertEqual(reviews.count(), 300)
        per_shop = dict(
            reviews.values("shop__slug").annotate(n=Count("id")).values_list("shop__slug", "n")
        )
        self.assertEqual(per_shop, {"demo": 100, "demo-tmall": 100, "demo-jd": 100})
        self.assertFalse(reviews.exclude(source=Source.DEMO).exists())
        self.assertFalse(reviews.filter(rating=Rating.POSITIVE).exists())
        self.assertFalse(reviews.filter(classified_at=None).exists())
        self.assertEqual(
            set(reviews.values_list("status", flat=True)), set(OPEN_STATUSES) | {Status.REVISED}
        )
        # Worked reviews are shared by the three agents, by who was on shift.
        for username in ("agent", "agent2", "agent3"):
            self.assertTrue(reviews.filter(assigned_to__username=username).exists(), username)
        self.assertEqual(ReviewEvent.objects.filter(kind=EventKind.IMPORTED).count(), 300)
        for text in (
            "http://127.0.0.1:8000/",
            "agent",
            "agent2",
            "agent3",
            "16:00–24:00",
            "lead",
            "manager",
            "reviewdesk",
            "密码",
            "password",
        ):
            self.assertIn(text, output)

    def test_it_stores_the_classification(self):
        self.seed("--reviews", "40")
        for review in Review.objects.all():
            self.assertEqual(review.model_version, "fake-1")
            self.assertEqual(review.severity, "serious" if "！" in review.text else "minor")
            self.assertEqual(review.needs_triage, len(review.text) < 12)
            self.assertEqual(review.flags, ["high_value"] if review.amount >= 500 else [])
            self.assertEqual(review.evidence, [review.text[:4]])
            self.assertIsNotNone(review.classified_at)

    def test_it_is_idempotent(self):
        self.seed()
        before = self.counts()
        self.seed()
        self.assertEqual(self.counts(), before)

    def test_it_takes_a_number_of_reviews(self):
        self.seed("--reviews", "50")
        self.assertEqual(Review.objects.count(), 50)
        self.seed("--reviews", "50")
        self.assertEqual(Review.objects.count(), 50)

    @override_settings(DEMO_PASSWORD="s3cret-demo")
    def test_it_lets_the_people_log_in_with_the_demo_password(self):
        self.seed("--reviews", "10")
        for username in ("agent", "lead", "manager"):
            self.assertTrue(self.client.login(username=username, password="s3cret-demo"), username)
        self.assertFalse(self.client.login(username="agent", password="reviewdesk"))

    def test_it_creates_a_superuser_only_when_asked(self):
        self.seed("--reviews", "5", "--admin")
        admin = User.objects.get(username="admin")
        self.assertTrue(admin.is_superuser and admin.is_staff)
        self.assertTrue(self.client.login(username="admin", password="reviewdesk"))

    def test_it_fills_the_agents_queue(self):
        self.seed()
        self.assertTrue(self.client.login(username="agent", password="reviewdesk"))
        response = self.client.get(reverse("queue"))
        self.assertEqual(response.status_code, 200)
        agent = User.objects.get(username="agent")
        mine = Review.objects.filter(assigned_to=agent).open()
        shown = response.context["reviews"]
        self.assertTrue(shown)
        self.assertTrue({r.pk for r in shown} <= set(mine.values_list("pk", flat=True)))
        self.assertContains(response, shown[0].buyer.nick)

    def test_it_hands_new_reviews_to_the_outreach_planner(self):
        self.seed("--reviews", "60")
        new = Review.objects.filter(status=Status.NEW)
        self.assertTrue(new.exists())
        self.assertFalse(new.filter(handoff_pending_at=None).exists())
        self.assertFalse(
            Review.objects.exclude(status=Status.NEW).exclude(handoff_pending_at=None).exists()
        )


@override_settings(DEBUG=True)
class SeedDemoWithTheRealClassifierTestCase(TestCase):
    def test_it_classifies_with_the_project_classifier(self):
        call_command("seed_demo", "--reviews", "30", stdout=StringIO())
        for review in Review.objects.all():
            self.assertIn(review.subcause, SUBCAUSES_BY_CAUSE[review.cause])
            self.assertIn(review.severity, Severity.values)
            # Triage as the classifier decided it (its threshold is the model's own).
            result = classifier.classify(review.text)
            self.assertEqual(review.needs_triage, result.needs_triage)
            self.assertEqual(review.confidence, result.confidence)
            self.assertTrue(review.model_version)


@mock.patch.object(classifier, "classify", fake_classify)
class SeedDemoLeavesRealDataAloneTestCase(TestCase):
    """seed_demo writes logins with a known password: only on a development database, and
    never over an account that already exists."""

    def seed(self, *args: str) -> str:
        out = StringIO()
        call_command("seed_demo", "--reviews", "10", *args, stdout=out)
        return out.getvalue()

    def test_it_refuses_without_debug(self):
        with self.assertRaisesMessage(CommandError, "DEBUG") as caught:
            self.seed()
        self.assertIn("--allow-without-debug", str(caught.exception))
        self.assertEqual((Shop.objects.count(), User.objects.count()), (0, 0))

    def test_the_flag_overrides_the_refusal(self):
        self.seed("--allow-without-debug")
        self.assertEqual(Review.objects.filter(shop__slug__startswith="demo").count(), 10)
        self.assertTrue(self.client.login(username="agent", password="reviewdesk"))

    @override_settings(DEBUG=True)
    def test_it_never_changes_an_existing_account(self):
        from django.contrib.auth.models import Group

        real = Shop.objects.create(slug="real", name="真店", platform="taobao")
        supervisors = Group.objects.create(name="supervisors")
        people = {}
        for username in ("agent", "lead", "admin"):
            user = User.objects.create_user(username, password=f"real-{username}")
            user.groups.add(supervisors)
            Membership.objects.create(user=user, shop=real, role=Role.AGENT)
            people[username] = user

        output = self.seed("--admin")

        for username, user in people.items():
            user.refresh_from_db()
            self.assertTrue(user.check_password(f"real-{username}"), username)
            self.assertFalse(user.is_superuser or user.is_staff, username)
            self.assertEqual(list(user.groups.all()), [supervisors])
            self.assertEqual(
                list(Membership.objects.filter(user=user).values_list("shop__slug", "role")),
                [("real", Role.AGENT)],
            )
            self.assertIn(f"{username} ", output)
        self.assertEqual(output.count("已存在"), 3, output)
        # The real agent gets none of the demo shop's reviews; the new manager is the demo's.
        self.assertFalse(Review.objects.filter(assigned_to=people["agent"]).exists())
        self.assertTrue(self.client.login(username="manager", password="reviewdesk"))
        self.assertEqual(
            set(
                Membership.objects.filter(user__username="manager").values_list(
                    "shop__slug", flat=True
                )
            ),
            {"demo", "demo-tmall", "demo-jd"},
        )

    @override_settings(DEBUG=True)
    def test_a_second_run_leaves_its_own_logins_as_they_are(self):
        self.seed()
        agent = User.objects.get(username="agent")
        agent.set_password("changed-by-the-agent")
        agent.save()
        self.seed()
        agent.refresh_from_db()
        self.assertTrue(agent.check_password("changed-by-the-agent"))
        self.assertEqual(
            set(Membership.objects.filter(user=agent).values_list("shop__slug", flat=True)),
            {"demo", "demo-tmall", "demo-jd"},
        )


SH = ZoneInfo("Asia/Shanghai")


@override_settings(DEBUG=True, LANGUAGE_CODE="en")
@mock.patch.object(classifier, "classify", fake_classify)
class SeedDemoWorkingDayTestCase(TestCase):
    """Seeded at 14:30 in Shanghai: a newcomer sees a normal afternoon, not a wall of red."""

    NOW = datetime(2026, 3, 2, 14, 30, tzinfo=SH)

    def setUp(self):
        traveller = time_machine.travel(self.NOW, tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        call_command("seed_demo", stdout=StringIO())

    def test_the_agents_work_staggered_shifts(self):
        shifts = {
            m.user.username: (m.shift_start, m.shift_end)
            for m in Membership.objects.filter(shop__slug="demo-jd", role=Role.AGENT)
        }
        self.assertEqual(
            shifts,
            {
                "agent": (time(8), time(16)),
                "agent2": (time(12), time(20)),
                "agent3": (time(16), time(0)),
            },
        )
        # At 14:30 the early and middle shifts are on; the new reviews went to them.
        new = Review.objects.filter(status=Status.NEW)
        self.assertTrue(new.exists())
        self.assertEqual(
            set(new.values_list("assigned_to__username", flat=True)), {"agent", "agent2"}
        )

    def test_every_shop_has_items_done_due_missed_and_planned(self):
        for shop in Shop.objects.all():
            items = PlannedContact.objects.filter(shop=shop)
            states = set(items.values_list("state", flat=True))
            self.assertTrue(
                {PlanState.DONE, PlanState.DUE, PlanState.MISSED, PlanState.PLANNED} <= states,
                (shop.slug, states),
            )
            self.assertEqual(items.filter(state=PlanState.MISSED).count(), 1, shop.slug)
            # Not everything is overdue: what is due fell due in the last half hour, and the
            # planned follow-ups are later today, with an agent on shift then.
            due = items.filter(state=PlanState.DUE)
            self.assertFalse(due.filter(due_at__lt=self.NOW - timedelta(minutes=30)).exists())
            for item in items.filter(state=PlanState.PLANNED).select_related("assigned_to"):
                self.assertGreater(item.due_at, self.NOW)
                membership = Membership.objects.get(shop=shop, user=item.assigned_to)
                self.assertTrue(membership.covers(item.due_at, shop.tz), item)
            # A review and its open items are with the same agent (its queue shows them).
            for item in items.filter(state__in=[PlanState.DUE, PlanState.PLANNED]):
                self.assertEqual(item.assigned_to_id, item.review.assigned_to_id, item)
            self.assertGreater(items.filter(state=PlanState.DONE).count(), due.count(), shop.slug)

    def test_high_value_orders_delivered_today_get_a_care_call_this_evening(self):
        for shop in Shop.objects.all():
            calls = CareCall.objects.filter(shop=shop)
            self.assertEqual(calls.count(), 3, shop.slug)  # 899, 1299 and 4999; not 59.90
            for call in calls:
                self.assertEqual(call.due_at, datetime(2026, 3, 2, 18, 0, tzinfo=SH))
                self.assertGreater(call.order.amount, shop.high_value_threshold)
        self.assertTrue(Order.objects.filter(care_call=None, amount=Decimal("59.90")).exists())

    def test_the_lead_sees_the_missed_follow_up_and_the_agent_their_due_calls(self):
        self.assertTrue(self.client.login(username="lead", password="reviewdesk"))
        missed = PlannedContact.objects.get(shop__slug="demo", state=PlanState.MISSED)
        board = self.client.get(reverse("board"), {"shop": "demo"})
        self.assertContains(board, reverse("review_detail", args=[missed.review_id]))
        due = PlannedContact.objects.filter(state=PlanState.DUE).select_related("assigned_to")
        agent = due.first().assigned_to
        self.assertTrue(self.client.login(username=agent.username, password="reviewdesk"))
        self.assertEqual(
            self.client.get(reverse("due_count")).context["due_count"],
            PlannedContact.objects.due_for(agent).count(),
        )

    def test_a_review_of_today_shows_its_order(self):
        order = Order.objects.filter(shop__slug="demo").exclude(order_id__startswith="TB").first()
        review = Review.objects.get(shop=order.shop, order_id=order.order_id)
        self.assertTrue(self.client.login(username="agent", password="reviewdesk"))
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, reverse("order_detail", args=[order.pk]))
