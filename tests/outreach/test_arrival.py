"""Assignment on arrival, through the import path: a CSV is imported with the command, the
hand-off task plans it, and the review lands with an agent — or, when nobody fits, stays
unassigned with the reason on its timeline.

| case                                   | agents (shift, capacity)          | expected                   |
| -------------------------------------- | --------------------------------- | -------------------------- |
| shift covers the first call            | 09–18                             | hers, "on shift, 39 left"   |
| shift does not cover it                | 13–22                             | nobody: no shift covers     |
| shift crosses midnight (23:30, 01:00)  | day 09–18, night 22–06            | the night agent             |
| capacity full                          | capacity 1, one open review       | nobody: all full            |
| off duty                               | on_duty off                       | nobody: none on duty        |
| two agents                             | both free / one already loaded    | least loaded first, evenly  |
| serious review in cooling-off          | morning 09–13, afternoon 13–21    | afternoon, when it falls due|
| setting off                            | any                               | unassigned, no event        |
"""

import io
import tempfile
from datetime import datetime, time, timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from outreach import services
from outreach.models import AlertChannel, AlertKind, Kind, LeadAlert, PlanState, Playbook
from outreach.tasks import fire_planned_task
from reviews import timeline
from reviews.ingest import handoff
from reviews.models import EventKind, Membership, Review, ReviewEvent, Role, Status
from reviews.tasks import handoff_task

from ..base import BaseTestCase
from ..reviews.ingest_support import FakeClassifierMixin

SH = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a Wednesday
HEADER = "订单编号,买家昵称,宝贝名称,实付金额,评价等级,评价内容,评价时间,手机号\n"
SEND = "outreach.services.dispatch.send_fire"


@override_settings(LANGUAGE_CODE="en")
class ArrivalTestCase(FakeClassifierMixin, BaseTestCase):
    def setUp(self):
        super().setUp()
        # alice (the base agent) stays out of the way unless a test puts her on duty.
        Membership.objects.filter(user=self.agent).update(on_duty=False)
        self._n = 0

    def agent_on(self, name, start=None, end=None, capacity=40, on_duty=True):
        user = self.make_user(name, self.shop, Role.AGENT)
        user.first_name = name.capitalize()
        user.save()
        Membership.objects.filter(user=user).update(
            shift_start=start, shift_end=end, capacity=capacity, on_duty=on_duty
        )
        return user

    def playbook(self, **fields):
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(**fields)

    def import_csv(self, *texts, at=None):
        """Reviews the buyers wrote a minute ago, imported with the command and handed off."""
        at = at or MORNING
        rows = []
        for text in texts:
            self._n += 1
            written = (at - timedelta(minutes=1)).astimezone(SH).strftime("%Y-%m-%d %H:%M:%S")
            rows.append(
                f"38120044{self._n:08d},tb_buyer{self._n},纯棉T恤,¥89.00,差评,{text},{written},13812345678"
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "reviews.csv"
            path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
            with mock.patch.object(handoff, "enqueue"):  # the task is run right here
                call_command("import_reviews", str(path), shop="alpha", stdout=io.StringIO())
        ids = list(
            Review.objects.filter(handoff_pending_at__isnull=False)
            .order_by("id")
            .values_list("id", flat=True)
        )
        handoff_task(ids)
        return list(Review.objects.filter(id__in=ids).order_by("id"))

    def line(self, review):
        event = ReviewEvent.objects.filter(review=review, kind=EventKind.AUTO_ASSIGNED).get()
        return event, timeline.describe(event)

    def fire_due(self):
        with mock.patch(SEND) as send:
            services.plannedcontact_dispatch_due()
        for call in send.call_args_list:
            fire_planned_task(call.args[0])

    # The table.

    def test_it_gives_a_new_review_to_the_agent_whose_shift_covers_its_first_call(self):
        wang = self.agent_on("wang", time(9), time(18))
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertEqual(review.assigned_to, wang)
        call = review.planned_contacts.get(kind=Kind.FIRST_CALL)
        self.assertEqual(call.assigned_to, wang)
        event, line = self.line(review)
        self.assertIsNone(event.actor)
        # The review, its call and its public-reply task count: 40 - 3.
        self.assertEqual(line, "Assigned automatically to Wang (on shift, 37 left)")

    def test_it_leaves_it_unassigned_when_no_shift_covers_the_first_call(self):
        self.agent_on("late", time(13), time(22))
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertIsNone(review.assigned_to)
        _event, line = self.line(review)
        self.assertEqual(line, "Nobody to assign: no agent's shift covers 11-18 10:00")

    def test_a_shift_past_midnight_covers_the_late_evening_and_the_small_hours(self):
        self.playbook(
            work_start=time(0, 0),
            work_end=time(23, 59),
            quiet_start=time(5, 0),
            quiet_end=time(5, 1),
        )
        self.agent_on("day", time(9), time(18))
        night = self.agent_on("night", time(22), time(6))
        for at in (MORNING.replace(hour=23, minute=30), MORNING.replace(hour=1)):
            with time_machine.travel(at, tick=False):
                [review] = self.import_csv("质量太差", at=at)
            self.assertEqual(review.assigned_to, night, at)
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertEqual(review.assigned_to.username, "day")

    def test_an_agent_at_capacity_gets_nothing_more(self):
        full = self.agent_on("full", capacity=1)
        self.make_review(self.shop, assigned_to=full)
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertIsNone(review.assigned_to)
        self.assertEqual(self.line(review)[1], "Nobody to assign: the agents on shift are full")

    def test_an_agent_off_duty_gets_nothing(self):
        self.agent_on("away", on_duty=False)
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertIsNone(review.assigned_to)
        self.assertEqual(self.line(review)[1], "Nobody to assign: no agent is on duty")

    def test_the_leads_are_told_by_their_channels_once_an_hour_when_nobody_fits(self):
        self.agent_on("away", on_duty=False)
        with time_machine.travel(MORNING, tick=False):
            self.import_csv("质量太差", "颜色不对", "尺码偏小")
            self.import_csv("线头多")  # the same hour: the alert already went
        [alert] = LeadAlert.objects.filter(shop=self.shop, kind=AlertKind.NOBODY_FITS)
        self.assertEqual(alert.channel, AlertChannel.EMAIL)
        self.assertIn("3", alert.body)
        self.assertIn("no agent is on duty", alert.body)
        self.assertTrue(alert.link.endswith(f"/board/?shop={self.shop.slug}"), alert.link)
        with time_machine.travel(MORNING + timedelta(hours=1), tick=False):
            self.import_csv("有异味")
        self.assertEqual(
            LeadAlert.objects.filter(shop=self.shop, kind=AlertKind.NOBODY_FITS).count(), 2
        )

    def test_no_alert_when_every_review_found_an_agent(self):
        self.agent_on("wang")
        with time_machine.travel(MORNING, tick=False):
            self.import_csv("质量太差")
        self.assertFalse(LeadAlert.objects.filter(kind=AlertKind.NOBODY_FITS).exists())

    def test_two_agents_share_an_import_evenly_the_least_loaded_first(self):
        busy = self.agent_on("busy")
        free = self.agent_on("free")
        self.make_review(self.shop, assigned_to=busy)
        with time_machine.travel(MORNING, tick=False):
            reviews = self.import_csv("质量太差", "颜色不对", "尺码偏小", "线头多", "有异味")
        owners = [r.assigned_to.username for r in reviews]
        # busy starts one review ahead, so free takes the first; then they alternate
        # (each review with its call and reply task weighs 3).
        self.assertEqual(owners[0], "free")
        self.assertEqual(owners.count("free"), 3)
        self.assertEqual(owners.count("busy"), 2)
        self.assertEqual({r.assigned_to for r in reviews}, {busy, free})

    def test_a_serious_review_waits_out_its_cooling_off_for_whoever_is_on_shift_then(self):
        self.playbook(cooling_off_hours=4)
        self.agent_on("morning", time(9), time(13))
        afternoon = self.agent_on("afternoon", time(13), time(21))
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("我要投诉你们")  # the stand-in classifier: serious
        self.assertIsNone(review.assigned_to)
        self.assertEqual(
            self.line(review)[1],
            "Not assigned yet: it goes to whoever is on shift when the cooling-off ends",
        )
        with time_machine.travel(MORNING + timedelta(hours=4, seconds=1), tick=False):
            self.fire_due()
        review.refresh_from_db()
        self.assertEqual(review.assigned_to, afternoon)
        call = review.planned_contacts.get(kind=Kind.FIRST_CALL)
        self.assertEqual((call.state, call.assigned_to), (PlanState.DUE, afternoon))
        self.assertIn(
            "Assigned automatically to Afternoon when it fell due",
            self.lines(review)[-1],
        )

    def test_nobody_on_shift_when_the_cooling_off_ends_leaves_it_for_the_leads(self):
        self.playbook(cooling_off_hours=4)
        self.agent_on("morning", time(9), time(13))
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("我要投诉你们")
        with time_machine.travel(MORNING + timedelta(hours=4, seconds=1), tick=False):
            self.fire_due()
        review.refresh_from_db()
        self.assertIsNone(review.assigned_to)
        self.assertIn("Nobody to assign: no agent's shift covers 11-18 14:00", self.lines(review))
        # …and it is in the lead's due count (the attention endpoint).
        self.login(self.lead)
        with time_machine.travel(MORNING + timedelta(hours=4, minutes=1), tick=False):
            answer = self.client.get("/attention/").json()
        self.assertEqual(answer["due"], 1)
        self.assertEqual(answer["items"][0]["url"], f"/reviews/{review.pk}/")

    def test_with_the_setting_off_new_reviews_wait_unassigned_without_a_line(self):
        self.agent_on("wang")
        self.playbook(assign_on_arrival=False)
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
        self.assertIsNone(review.assigned_to)
        self.assertFalse(review.events.filter(kind=EventKind.AUTO_ASSIGNED).exists())

    def test_a_review_handed_off_again_is_not_decided_twice(self):
        self.agent_on("wang", capacity=1)
        self.make_review(self.shop, assigned_to=self.agent_on("other", capacity=0))
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")
            services.reviews_assign_on_arrival(review_ids=[review.pk])
        self.assertEqual(review.events.filter(kind=EventKind.AUTO_ASSIGNED).count(), 1)

    def test_a_revised_or_closed_review_is_not_assigned(self):
        self.agent_on("wang")
        review = self.make_review(self.shop, status=Status.REVISED)
        self.assertEqual(services.reviews_assign_on_arrival(review_ids=[review.pk]), 0)

    def test_the_cost_of_a_chunk_does_not_grow_with_its_reviews(self):
        self.agent_on("wang", capacity=1000)
        self.agent_on("li", capacity=1000)

        def queries(n):
            with time_machine.travel(MORNING, tick=False):
                reviews = [self.make_review(self.shop) for _ in range(n)]
                for review in reviews:
                    services.review_plan(review=review)
                with CaptureQueriesContext(connection) as ctx:
                    given = services.reviews_assign_on_arrival(review_ids=[r.pk for r in reviews])
            self.assertEqual(given, n)
            return len(ctx)

        self.assertEqual(queries(5), queries(40))

    def lines(self, review):
        return [
            timeline.describe(e)
            for e in review.events.filter(kind=EventKind.AUTO_ASSIGNED).select_related(
                "review__shop"
            )
        ]

    def test_leads_told_at_arrival_are_not_told_again_when_the_call_falls_due(self):
        with time_machine.travel(MORNING, tick=False):
            [review] = self.import_csv("质量太差")  # nobody on duty
        with time_machine.travel(MORNING + timedelta(seconds=5), tick=False):
            self.fire_due()
        self.assertEqual(self.lines(review), ["Nobody to assign: no agent is on duty"])
        call = review.planned_contacts.get(kind=Kind.FIRST_CALL)
        self.assertEqual((call.state, call.assigned_to), (PlanState.DUE, None))
        # Someone comes on duty: the next item to fall due finds them.
        wang = self.agent_on("wang")
        reply = review.planned_contacts.get(kind=Kind.REPLY_TASK)
        review.planned_contacts.filter(pk=reply.pk).update(due_at=MORNING + timedelta(hours=1))
        with time_machine.travel(MORNING + timedelta(hours=1, seconds=1), tick=False):
            self.fire_due()
        review.refresh_from_db()
        self.assertEqual(review.assigned_to, wang)
        self.assertEqual(review.planned_contacts.get(pk=call.pk).assigned_to, wang)
