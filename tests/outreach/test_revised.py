"""The buyer revised: 「买家已修改」 and an import that shows it stop everything at once; the
platforms' revise windows decide whether a revision may still be asked for (issue 16).

What the shop expects, as a table:

| who / what                               | review                    | afterwards                         |
| ---------------------------------------- | ------------------------- | ---------------------------------- |
| agent: 「买家已修改」, 好评 (htmx/plain) | agreed, reminder planned  | revised; no planned item, no       |
|                                          |                           | queued message; timeline + audit   |
| agent: new rating 中评 (from 差评)       | Taobao, agreed            | still open (contacting); the asks  |
|                                          |                           | to revise stop (one change only);  |
|                                          |                           | the public reply is due            |
| agent: 差评 → 差评, or a closed review   |                           | refused, nothing changes           |
| agent of another shop / the manager      |                           | 404, nothing changes               |
| without the CSRF token                   |                           | 403, nothing changes               |
| webhook: the row comes back 好评         | agreed, reminder planned  | same as the agent's 好评, before   |
|                                          |                           | any hand-off task runs             |
| webhook: the row comes back 中评 (Taobao)| agreed                    | the asks to revise stop at hand-off|
| the dispatcher, reminder past the window | Taobao, 30 days passed    | cancelled, nothing sent            |
| reports                                  | one revised by the agent, | both count as revised, in the      |
|                                          | one by an import          | funnel and among the positives     |

Platform windows (agreeing to revise = the instructions and reminder get planned):

| platform | review age | changed once already | may agree to revise |
| -------- | ---------- | -------------------- | ------------------- |
| taobao   | 2 days     | no                   | yes                 |
| taobao   | 29 days    | no                   | yes                 |
| taobao   | 31 days    | no                   | no (30 days)        |
| taobao   | 2 days     | yes (差评 → 中评)     | no (once)           |
| tmall    | 2 days     | no                   | no (never)          |
| jd       | 2 days     | no                   | no (never)          |
| ebay     | 10 days    | no                   | yes                 |
| ebay     | 31 days    | no                   | no (30 days)        |
| ebay     | 10 days    | yes                  | no (once)           |
| other    | 200 days   | no                   | yes (no known rule) |
"""

from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse

from outreach import services
from outreach.models import (
    OPEN_PLAN_STATES,
    Kind,
    Message,
    MessageState,
    PlannedContact,
    PlanState,
)
from reports import figures, rollups
from reviews.models import (
    AuditLog,
    EventKind,
    Platform,
    PositiveReview,
    Rating,
    Review,
    Shop,
    Status,
)
from reviews.tasks import handoff_task

from ..base import PASSWORD, BaseTestCase
from ..platform import post_reviews, revised_on_platform

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=SH)
HTMX = {"HX-Request": "true"}


def pending(review: Review) -> list[str]:
    """What is still waiting to happen: open planned items and queued messages, by kind."""
    plans = PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES)
    queued = Message.objects.filter(review=review, state=MessageState.QUEUED)
    return sorted([f"plan:{p.kind}" for p in plans] + [f"message:{m.kind}" for m in queued])


class RevisedWorld(BaseTestCase):
    def agreed_review(self, shop=None, agent=None, **fields) -> Review:
        """A review whose buyer agreed on the phone to revise tonight at 20:15: the revision
        instructions are queued, the follow-up and the reminder planned."""
        shop, agent = shop or self.shop, agent or self.agent
        review = self.make_review(shop, assigned_to=agent, **fields)
        services.review_plan(review=review)
        self.login(agent)
        response = self.agree(review)
        self.assertEqual(response.status_code, 200, response.content.decode()[:500])
        review.refresh_from_db()
        return review

    def agree(self, review: Review, phrase: str = "今晚 20:15"):
        review.refresh_from_db()
        return self.client.post(
            reverse("review_contact", args=[review.pk]),
            {
                "version": review.version,
                "channel": "phone",
                "outcome": "agreed",
                "agreed_at": phrase,
            },
            headers=HTMX,
        )

    def mark(self, review: Review, rating: str = "positive", client=None, **headers):
        review.refresh_from_db()
        return (client or self.client).post(
            reverse("review_revised", args=[review.pk]),
            {"rating": rating, "version": review.version},
            headers=headers,
        )


@time_machine.travel(NOW, tick=False)
class MarkRevisedTestCase(RevisedWorld):
    def setUp(self):
        self.review = self.agreed_review(external_key="id:T-100")
        self.assertIn("plan:reminder_sms", pending(self.review))
        self.assertIn("message:revision_instructions", pending(self.review))

    def test_it_stops_everything_pending_at_once_and_says_so(self):
        response = self.mark(self.review, **HTMX)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(pending(self.review), [])
        self.review.refresh_from_db()
        self.assertEqual((self.review.status, self.review.rating), (Status.REVISED, "positive"))
        self.assertEqual(self.review.rating_changed_at, NOW)
        # What the agent sees in the swapped panel: the revision, and the reminder cancelled.
        self.assertContains(response, "已修改")
        self.assertContains(response, "提醒已取消：评价已修改")
        cancelled = self.review.events.filter(
            kind=EventKind.CANCELLED, data__reason="review_revised"
        )
        self.assertEqual(
            {(e.data["kind"], e.actor) for e in cancelled},
            {
                ("revise_followup", self.agent),
                ("reminder_sms", self.agent),
                ("reply_task", self.agent),  # a revised review needs no public reply
            },
        )
        revised = self.review.events.get(kind=EventKind.REVISED)
        self.assertEqual((revised.data["from"], revised.data["to"]), ("negative", "positive"))
        self.assertEqual(revised.actor, self.agent)
        message = Message.objects.get(review=self.review, kind=Kind.REVISION_INSTRUCTIONS)
        self.assertEqual(
            (message.state, message.last_error), ("failed", "not sent: the review is revised")
        )
        audit = AuditLog.objects.get(action="review_revised")
        self.assertEqual((audit.actor, audit.target), (self.agent, f"review:{self.review.pk}"))
        # The follow-up, the reminder, the reply task and the queued instructions.
        self.assertEqual(audit.data["stopped"], 4)

    def test_it_works_without_htmx_and_says_so_on_the_reloaded_page(self):
        response = self.mark(self.review)
        self.assertRedirects(
            response,
            reverse("review_detail", args=[self.review.pk]),
            fetch_redirect_response=False,  # fetching it would use up the message
        )
        page = self.client.get(response.url)
        self.assertContains(page, "已停止 4 项计划和消息")
        self.assertEqual(pending(self.review), [])

    def test_it_lets_the_shops_lead_do_it_too(self):
        self.login(self.lead)
        self.assertEqual(self.mark(self.review, **HTMX).status_code, 200)
        self.assertEqual(pending(self.review), [])

    def test_an_agent_of_another_shop_or_the_manager_gets_404_and_nothing_changes(self):
        for person in (self.outsider, self.manager):
            self.login(person)
            self.assertEqual(self.mark(self.review, **HTMX).status_code, 404)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.AGREED)
        self.assertIn("plan:reminder_sms", pending(self.review))

    def test_the_manager_is_not_offered_the_button(self):
        self.login(self.manager)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertNotContains(page, reverse("review_revised", args=[self.review.pk]))
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, reverse("review_revised", args=[self.review.pk]))
        self.assertContains(page, "买家已修改")

    def test_it_refuses_a_post_without_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.login(username="alice", password=PASSWORD)
        self.assertEqual(self.mark(self.review, client=client).status_code, 403)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.AGREED)

    def test_it_refuses_a_stale_form(self):
        self.review.refresh_from_db()
        response = self.client.post(
            reverse("review_revised", args=[self.review.pk]),
            {"rating": "positive", "version": self.review.version - 1},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 409)
        self.assertIn("plan:reminder_sms", pending(self.review))

    def test_it_refuses_a_rating_that_is_not_better_or_a_finished_review(self):
        self.assertEqual(self.mark(self.review, rating="negative", **HTMX).status_code, 400)
        self.assertEqual(self.mark(self.review, rating="excellent", **HTMX).status_code, 400)
        self.assertEqual(self.mark(self.review, **HTMX).status_code, 200)
        self.assertEqual(self.mark(self.review, **HTMX).status_code, 400)  # already revised
        self.assertEqual(AuditLog.objects.filter(action="review_revised").count(), 1)

    def test_a_neutral_rating_is_recorded_and_the_work_goes_on_with_the_reply(self):
        # Taobao allows one change: 差评 → 中评 used it, so asking to revise is over.
        response = self.mark(self.review, rating="neutral", **HTMX)
        self.assertEqual(response.status_code, 200)
        self.review.refresh_from_db()
        self.assertEqual((self.review.status, self.review.rating), (Status.CONTACTING, "neutral"))
        self.assertEqual(pending(self.review), ["plan:reply_task"])
        stopped = self.review.events.filter(
            kind=EventKind.CANCELLED, data__reason="revision_window_closed"
        )
        self.assertEqual(
            sorted(stopped.values_list("data__kind", flat=True)),
            ["reminder_sms", "revise_followup"],
        )
        message = Message.objects.get(review=self.review, kind=Kind.REVISION_INSTRUCTIONS)
        self.assertEqual(message.state, MessageState.FAILED)
        self.assertContains(response, "淘宝：买家已用过唯一一次修改机会")
        # Nothing more can be agreed: the platform allows no second change.
        self.assertContains(self.agree(self.review), "只允许修改一次", status_code=400)

    def test_the_dispatcher_fires_nothing_for_a_revised_review(self):
        # Defence in depth: an item claimed a moment before the revision is not sent.
        reminder = PlannedContact.objects.get(review=self.review, kind=Kind.REMINDER_SMS)
        PlannedContact.objects.filter(id=reminder.id).update(
            state=PlanState.CLAIMED, claimed_at=NOW
        )
        Review.objects.filter(id=self.review.id).update(status=Status.REVISED)
        self.assertEqual(services.plannedcontact_fire(ids=[reminder.id]), [])
        reminder.refresh_from_db()
        self.assertEqual(reminder.state, PlanState.CANCELLED)
        event = self.review.events.filter(kind=EventKind.CANCELLED).latest("id")
        self.assertEqual(event.data["reason"], "review_revised")
        self.assertFalse(Message.objects.filter(kind=Kind.REMINDER_SMS).exists())


@time_machine.travel(NOW, tick=False)
class ImportShowsRevisedTestCase(RevisedWorld):
    def test_a_webhook_that_shows_it_revised_stops_everything_in_the_same_request(self):
        review = self.agreed_review(external_key="id:T-200")
        # No hand-off task runs here (its enqueue on commit is not executed): the stop must
        # not wait for it.
        response = revised_on_platform(self.client, review)
        self.assertEqual(response.json()["counts"]["revised"], 1, response.content)
        self.assertEqual(pending(review), [])
        review.refresh_from_db()
        self.assertEqual(review.status, Status.REVISED)
        self.assertEqual(review.rating_changed_at, NOW)
        stopped = review.events.filter(kind=EventKind.CANCELLED, data__reason="review_revised")
        self.assertEqual(
            sorted(stopped.values_list("data__kind", flat=True)),
            ["reminder_sms", "reply_task", "revise_followup"],
        )
        # The hand-off that follows finds nothing left to stop, and plans nothing new.
        handoff_task.apply(args=([review.pk],))
        self.assertEqual(pending(review), [])
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, "提醒已取消：评价已修改")

    def test_a_webhook_that_shows_a_neutral_rating_ends_the_asks_to_revise_on_taobao(self):
        review = self.agreed_review(external_key="id:T-300")
        response = post_reviews(
            self.client,
            self.shop,
            [
                {
                    "review_id": "T-300",
                    "order_id": review.order_id,
                    "buyer_nick": review.buyer.nick,
                    "rating": "中评",
                    "text": review.text,
                    "reviewed_at": review.reviewed_at.isoformat(),
                }
            ],
        )
        self.assertEqual(response.json()["counts"]["updated"], 1, response.content)
        review.refresh_from_db()
        self.assertEqual((review.rating, review.rating_changed_at), ("neutral", NOW))
        handoff_task.apply(args=([review.pk],))
        self.assertNotIn("plan:reminder_sms", pending(review))
        self.assertNotIn("message:revision_instructions", pending(review))


class RevisionWindowTestCase(RevisedWorld):
    """The table of platform × review age × changed once already."""

    ROWS = [
        ("taobao", 2, False, True),
        ("taobao", 29, False, True),
        ("taobao", 31, False, False),
        ("taobao", 2, True, False),
        ("tmall", 2, False, False),
        ("jd", 2, False, False),
        ("ebay", 10, False, True),
        ("ebay", 31, False, False),
        ("ebay", 10, True, False),
        ("other", 200, False, True),
    ]

    def test_it_plans_a_revision_only_inside_the_platforms_window(self):
        shops = {Platform.TAOBAO: self.shop}
        for platform in ("tmall", "jd", "ebay", "other"):
            shops[platform] = Shop.objects.create(name=platform, slug=platform, platform=platform)
            self.make_user(f"agent-{platform}", shops[platform], "agent")
        agents = {p: s.memberships.get(role="agent").user for p, s in shops.items()}
        for platform, days, changed_once, expected in self.ROWS:
            with (
                self.subTest(platform=platform, days=days, changed_once=changed_once),
                time_machine.travel(NOW, tick=False),
            ):
                review = self.make_review(
                    shops[platform],
                    assigned_to=agents[platform],
                    reviewed_at=NOW - timedelta(days=days),
                    rating=Rating.NEUTRAL if changed_once else Rating.NEGATIVE,
                    rating_changed_at=NOW - timedelta(days=1) if changed_once else None,
                )
                self.login(agents[platform])
                response = self.agree(review)
                self.assertEqual(response.status_code, 200 if expected else 400)
                planned = PlannedContact.objects.filter(
                    review=review, kind=Kind.REMINDER_SMS
                ).exists()
                sent = Message.objects.filter(
                    review=review, kind=Kind.REVISION_INSTRUCTIONS
                ).exists()
                self.assertEqual((planned, sent), (expected, expected))

    @time_machine.travel(NOW, tick=False)
    def test_the_first_call_aims_at_solving_once_the_window_has_passed(self):
        fresh = self.make_review(self.shop, reviewed_at=NOW - timedelta(days=2))
        old = self.make_review(self.shop, reviewed_at=NOW - timedelta(days=31))
        goals = {}
        for review in (fresh, old):
            first = services.review_plan(review=review)[0]
            goals[review.pk] = first.data["goal"]
        self.assertEqual(goals, {fresh.pk: "revise", old.pk: "solve_and_explain"})

    @time_machine.travel(NOW, tick=False)
    def test_a_solved_problem_past_the_window_asks_for_an_explanatory_followup_instead(self):
        self.login(self.agent)
        fresh = self.make_review(self.shop, assigned_to=self.agent)
        old = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=NOW - timedelta(days=40)
        )
        for review in (fresh, old):
            review.refresh_from_db()
            response = self.client.post(
                reverse("review_contact", args=[review.pk]),
                {"version": review.version, "channel": "phone", "outcome": "solved"},
                headers=HTMX,
            )
            self.assertEqual(response.status_code, 200)
        asked = {
            review.pk: Message.objects.filter(
                review=review, kind=Kind.EXPLANATORY_FOLLOWUP
            ).exists()
            for review in (fresh, old)
        }
        self.assertEqual(asked, {fresh.pk: False, old.pk: True})

    @time_machine.travel(NOW, tick=False)
    def test_the_review_page_says_which_window_applies(self):
        self.login(self.agent)
        review = self.make_review(self.shop, reviewed_at=datetime(2026, 11, 15, 10, 0, tzinfo=SH))
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, "淘宝：评价后30天内可修改一次，剩余 12 天（至 12月15日）")
        old = self.make_review(self.shop, reviewed_at=NOW - timedelta(days=40))
        page = self.client.get(reverse("review_detail", args=[old.pk]))
        self.assertContains(page, "已过修改期限（淘宝 30 天）")
        self.assertNotContains(page, 'name="agreed_at"')  # nothing to agree to any more

    @time_machine.travel(NOW, tick=False)
    def test_an_agreed_time_past_the_taobao_window_is_refused(self):
        self.login(self.agent)
        review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 11, 3, 12, 0, tzinfo=SH)
        )
        response = self.agree(review, "明天上午 10:00")
        self.assertContains(response, "2026-12-03 12:00", status_code=400)
        self.assertEqual(self.agree(review, "今天上午 11:30").status_code, 200)

    def test_a_reminder_that_falls_due_after_the_window_is_not_sent(self):
        # Agreed at 20:15 on the window's last evening; the reminder waits out the quiet
        # hours until 09:00 the next day — when the buyer can no longer change the review.
        with time_machine.travel(NOW, tick=False):
            review = self.agreed_review(reviewed_at=datetime(2026, 11, 3, 21, 0, tzinfo=SH))
        reminder = PlannedContact.objects.get(review=review, kind=Kind.REMINDER_SMS)
        self.assertEqual(reminder.due_at, datetime(2026, 12, 4, 9, 0, tzinfo=SH))
        with (
            time_machine.travel(reminder.due_at, tick=False),
            mock.patch("outreach.services.dispatch.send_fire"),
        ):
            services.plannedcontact_dispatch_due()
            self.assertEqual(services.plannedcontact_fire(ids=[reminder.id]), [])
        reminder.refresh_from_db()
        self.assertEqual(reminder.state, PlanState.CANCELLED)
        self.assertFalse(Message.objects.filter(review=review, kind=Kind.REMINDER_SMS).exists())
        event = review.events.filter(kind=EventKind.CANCELLED).latest("id")
        self.assertEqual(event.data["reason"], "revision_window_closed")


@time_machine.travel(datetime(2026, 3, 10, 10, 0, tzinfo=SH), tick=False)
class RevisedInReportsTestCase(RevisedWorld):
    def test_the_agents_revision_counts_as_an_imports_does(self):
        by_agent = self.agreed_review(external_key="id:R-1")
        by_import = self.agreed_review(external_key="id:R-2")
        self.assertEqual(self.mark(by_agent, **HTMX).status_code, 200)
        self.assertEqual(revised_on_platform(self.client, by_import).status_code, 200)
        rollups.refresh()
        day = datetime(2026, 3, 10).date()
        report = figures.build_report([self.shop], figures.DateRange(day, day), "day")
        self.assertEqual((report.funnel["agreed"], report.funnel["revised"]), (2, 2))
        self.assertEqual(report.by_shop[self.shop.pk]["revised"], 2)
        self.assertEqual(
            set(PositiveReview.objects.values_list("external_key", flat=True)),
            {"id:R-1", "id:R-2"},
        )
