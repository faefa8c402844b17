"""The agent's actions on the review page, over HTTP with the htmx header."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from outreach.models import ContactAttempt, Kind, Message, PlannedContact, PlanState
from reviews.models import EventKind, Platform, Shop, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class ReviewActionsTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 11, 20, 8, 0, tzinfo=SH)
        )
        self.login(self.agent)

    def contact(self, **data):
        data.setdefault("version", self.review.version)
        data.setdefault("channel", "phone")
        return self.client.post(
            reverse("review_contact", args=[self.review.pk]), data, headers=HTMX
        )

    def test_it_logs_a_call_in_two_clicks_and_plans_the_next_try(self):
        response = self.contact(outcome="no_answer")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="review-work"')
        self.assertNotContains(response, "<html")
        attempt = ContactAttempt.objects.get()
        self.assertEqual(
            (attempt.agent, attempt.channel, attempt.outcome), (self.agent, "phone", "no_answer")
        )
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CONTACTING)
        self.assertTrue(
            PlannedContact.objects.filter(
                review=self.review, kind=Kind.PERSISTENCE, state=PlanState.PLANNED
            ).exists()
        )

    def test_agreed_at_tonight_2015_sends_instructions_and_plans_the_follow_up_at_that_minute(self):
        response = self.contact(outcome="agreed", agreed_at="今晚 20:15")
        self.assertEqual(response.status_code, 200)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.AGREED)
        followup = PlannedContact.objects.get(review=self.review, kind=Kind.REVISE_FOLLOWUP)
        self.assertEqual(followup.due_at, datetime(2026, 11, 20, 20, 15, tzinfo=SH))
        self.assertEqual(followup.assigned_to, self.agent)
        instructions = Message.objects.get(review=self.review, kind=Kind.REVISION_INSTRUCTIONS)
        self.assertIn("修改评价", instructions.body)

    def test_it_refuses_a_vague_time_and_saves_nothing(self):
        response = self.contact(outcome="agreed", agreed_at="明天下午")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "今晚 20:15", status_code=400)  # the hint names a clock time
        self.assertContains(response, 'value="明天下午"', status_code=400)  # what was typed stays
        self.assertFalse(ContactAttempt.objects.exists())

    def test_only_one_of_two_agents_acting_at_once_wins(self):
        seen = self.review.version
        self.assertEqual(self.contact(outcome="no_answer", version=seen).status_code, 200)
        response = self.contact(outcome="declined", version=seen)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "刚刚更新", status_code=409)
        self.assertEqual(ContactAttempt.objects.count(), 1)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CONTACTING)

    def test_do_not_contact_cancels_everything_pending(self):
        self.contact(outcome="no_answer")
        self.assertTrue(
            PlannedContact.objects.filter(review=self.review, state=PlanState.PLANNED).exists()
        )
        response = self.client.post(
            reverse("review_do_not_contact", args=[self.review.pk]), headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.review.buyer.refresh_from_db()
        self.assertIsNotNone(self.review.buyer.do_not_contact_at)
        self.assertEqual(self.review.buyer.do_not_contact_by, self.agent)
        self.assertFalse(
            PlannedContact.objects.filter(review=self.review, state=PlanState.PLANNED).exists()
        )

    def test_it_refuses_a_message_trading_compensation_for_a_review(self):
        url = reverse("review_message", args=[self.review.pk])
        response = self.client.post(
            url, {"channel": "sms", "body": "您改好评我们就给您返现20元"}, headers=HTMX
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Message.objects.filter(review=self.review).exists())

    def test_a_wrong_number_keeps_trying_on_other_channels(self):
        self.contact(outcome="wrong_number")
        for _ in range(4):
            PlannedContact.objects.filter(review=self.review, kind=Kind.PERSISTENCE).update(
                state=PlanState.DONE
            )
            self.review.refresh_from_db()
            self.contact(outcome="no_answer", channel="im")
        channels = set(
            PlannedContact.objects.filter(review=self.review, kind=Kind.PERSISTENCE).values_list(
                "channel", flat=True
            )
        )
        self.assertNotIn("phone", channels)

    def test_calls_do_not_use_up_the_buyers_messages_of_the_day(self):
        # Two calls today on another review reach the call cap; a message still goes now.
        other = self.make_review(self.shop, buyer=self.review.buyer)
        for _ in range(2):
            ContactAttempt.objects.create(
                review=other,
                buyer=self.review.buyer,
                agent=self.agent,
                channel="phone",
                outcome="no_answer",
            )
        url = reverse("review_message", args=[self.review.pk])
        response = self.client.post(
            url, {"channel": "sms", "body": "您好，配件已寄出"}, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(Message.objects.get(review=self.review).state, "queued")

    def test_compensation_on_suspected_extortion_waits_for_a_lead(self):
        self.review.flags = ["extortion_suspected"]
        self.review.save(update_fields=["flags"])
        for resolution in ("partial_refund", "gift"):
            self.review.refresh_from_db()
            response = self.contact(outcome="reached", resolution=resolution, refund_percent="10")
            self.assertEqual(response.status_code, 200)
        self.assertEqual(
            list(ContactAttempt.objects.order_by("id").values_list("approval", flat=True)),
            ["pending", "pending"],
        )
        # Solving without compensation needs nobody's approval.
        self.review.refresh_from_db()
        self.contact(outcome="reached", resolution="photos")
        self.assertEqual(ContactAttempt.objects.latest("id").approval, "")

    def test_compensation_needs_no_lead_when_nothing_is_suspected(self):
        self.contact(outcome="solved", resolution="partial_refund", refund_percent="10")
        attempt = ContactAttempt.objects.get()
        self.assertEqual((attempt.approval, attempt.approved_by), ("", None))

    def test_it_keeps_the_partial_refund_percent(self):
        self.contact(outcome="solved", resolution="partial_refund", refund_percent="30")
        self.assertEqual(ContactAttempt.objects.get().refund_percent, 30)

    def test_the_navigation_counts_follow_ups_due_now(self):
        self.contact(outcome="agreed", agreed_at="今晚 20:15")
        PlannedContact.objects.filter(kind=Kind.REVISE_FOLLOWUP).update(
            state=PlanState.DUE, fired_at=datetime(2026, 11, 20, 20, 15, tzinfo=SH)
        )
        response = self.client.get(reverse("due_count"), headers={"HX-Request": "true"})
        self.assertContains(response, '<span class="pill"')
        self.assertContains(response, ">1<")

    def test_an_htmx_action_also_refreshes_the_status_in_the_page_head(self):
        response = self.contact(outcome="declined")
        self.assertContains(response, '<span id="review-status" class="row" hx-swap-oob="true">')
        self.assertContains(response, "拒绝")

    def test_it_says_in_chinese_that_an_agreed_time_in_quiet_hours_is_refused(self):
        response = self.contact(outcome="agreed", agreed_at="今晚 22:30")
        self.assertContains(response, "约定时间在买家的免打扰时段内", status_code=400)
        self.assertNotContains(response, "quiet hours", status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())

    def test_it_says_in_chinese_that_a_tmall_buyer_cannot_revise(self):
        tmall = Shop.objects.create(name="T", slug="tm", platform=Platform.TMALL)
        self.make_user("tina", tmall, "agent")
        self.review = self.make_review(tmall)
        self.login(User.objects.get(username="tina"))
        response = self.contact(outcome="agreed", agreed_at="今晚 20:15")
        self.assertContains(response, "该平台不允许买家修改评价", status_code=400)
        self.assertNotContains(response, "does not let buyers revise", status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class EbayRevisionRequestTestCase(BaseTestCase):
    """eBay: a feedback revision request only within 30 days, and only once per feedback."""

    def setUp(self):
        self.ebay = Shop.objects.create(name="E", slug="eb", platform=Platform.EBAY)
        self.seller = self.make_user("erin", self.ebay, "agent")
        self.login(self.seller)

    def agree(self, review, phrase="今晚 20:15"):
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

    def instructions(self, review):
        return Message.objects.filter(review=review, kind=Kind.REVISION_INSTRUCTIONS)

    def test_it_refuses_an_agreement_on_feedback_older_than_30_days(self):
        review = self.make_review(self.ebay, reviewed_at=datetime(2026, 10, 20, 9, 0, tzinfo=SH))
        response = self.agree(review)
        self.assertContains(response, "30 天", status_code=400)
        self.assertContains(response, "修改请求", status_code=400)
        review.refresh_from_db()
        self.assertEqual(review.status, Status.NEW)
        self.assertFalse(ContactAttempt.objects.exists())
        self.assertFalse(self.instructions(review).exists())

    def test_it_accepts_an_agreement_on_the_last_day_of_the_window(self):
        review = self.make_review(self.ebay, reviewed_at=datetime(2026, 10, 21, 11, 0, tzinfo=SH))
        self.assertEqual(self.agree(review).status_code, 200)
        self.assertEqual(self.instructions(review).count(), 1)

    def test_it_sends_the_revision_request_once_per_feedback_even_days_later(self):
        review = self.make_review(self.ebay)
        self.assertEqual(self.agree(review).status_code, 200)
        with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SH), tick=False):
            response = self.agree(review)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.instructions(review).count(), 1)
        # The agreed time still moved: the agent's follow-up is at the new minute.
        followups = PlannedContact.objects.filter(
            review=review, kind=Kind.REVISE_FOLLOWUP, state=PlanState.PLANNED
        )
        self.assertEqual([f.due_at for f in followups], [datetime(2026, 11, 23, 20, 15, tzinfo=SH)])
        self.assertTrue(
            review.events.filter(
                kind=EventKind.NOT_PLANNED,
                data__code="revision_limit",
                data__kind=Kind.REVISION_INSTRUCTIONS,
            ).exists()
        )
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, "未再次发送修改指引")

    def test_a_failed_revision_request_may_be_sent_again(self):
        review = self.make_review(self.ebay)
        self.agree(review)
        self.instructions(review).update(state="failed")
        with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SH), tick=False):
            self.agree(review)
        self.assertEqual(self.instructions(review).exclude(state="failed").count(), 1)

    def test_taobao_sends_the_instructions_again_on_another_day(self):
        # Unchanged on Taobao: only a double submit on the same day is held back.
        self.login(self.agent)
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.agree(review)
        self.agree(review, "今晚 21:00")
        self.assertEqual(self.instructions(review).count(), 1)
        with time_machine.travel(datetime(2026, 11, 23, 10, 0, tzinfo=SH), tick=False):
            self.agree(review)
        self.assertEqual(self.instructions(review).count(), 2)

    def test_taobao_refuses_an_agreement_past_its_30_day_window(self):
        # Issue 16: a Taobao buyer can change a 中/差评 only within 30 days of posting it.
        self.login(self.agent)
        review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 9, 1, 9, 0, tzinfo=SH)
        )
        self.assertEqual(self.agree(review).status_code, 400)
        self.assertFalse(self.instructions(review).exists())


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False)
class SeverityCorrectionTestCase(BaseTestCase):
    """Seed 000 四.1: a minor problem is called at once, a serious one after ~24 h of cooling
    off; an agent's correction of the severity moves a first call that has not happened yet."""

    def setUp(self):
        from outreach.services import review_plan

        self.login(self.agent)
        self.planned_at = datetime(2026, 11, 25, 9, 30, tzinfo=SH)
        with time_machine.travel(self.planned_at, tick=False):
            self.review = self.make_review(self.shop, assigned_to=self.agent, severity="minor")
            review_plan(review=self.review)

    def correct(self, severity, subcause="quality"):
        return self.client.post(
            reverse("review_correct", args=[self.review.pk]),
            {"subcause": subcause, "severity": severity},
            headers={"HX-Request": "true"},
        )

    def first_call(self):
        return PlannedContact.objects.get(review=self.review, kind=Kind.FIRST_CALL)

    def test_minor_to_serious_cools_off_from_the_hand_off(self):
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 25, 9, 30, tzinfo=SH))
        self.assertEqual(self.correct("serious").status_code, 200)
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 26, 9, 30, tzinfo=SH))
        self.assertEqual(self.first_call().state, PlanState.PLANNED)
        event = self.review.events.get(kind=EventKind.MOVED)
        self.assertEqual(event.actor, self.agent)
        self.assertEqual(
            (event.data["why"], event.data["severity"]), ("severity", ["minor", "serious"])
        )
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "11-26 09:30")

    def test_serious_to_minor_calls_now(self):
        self.correct("serious")
        self.correct("minor")
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 25, 10, 0, tzinfo=SH))

    def test_the_moved_call_keeps_out_of_quiet_hours_and_caps(self):
        with time_machine.travel(datetime(2026, 11, 25, 22, 0, tzinfo=SH), tick=False):
            self.correct("serious")
            self.assertEqual(self.first_call().due_at, datetime(2026, 11, 26, 9, 30, tzinfo=SH))
            self.correct("minor")  # now is 22:00, quiet for the buyer: 09:00 tomorrow
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 26, 9, 0, tzinfo=SH))

    def test_a_cause_only_correction_moves_nothing(self):
        self.correct("minor", subcause="courier_speed")
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 25, 9, 30, tzinfo=SH))
        self.assertFalse(self.review.events.filter(kind=EventKind.MOVED).exists())

    def test_it_leaves_a_call_that_already_happened(self):
        self.review.refresh_from_db()
        self.client.post(
            reverse("review_contact", args=[self.review.pk]),
            {"version": self.review.version, "channel": "phone", "outcome": "reached"},
            headers=HTMX,
        )
        self.correct("serious")
        self.assertEqual(self.first_call().due_at, datetime(2026, 11, 25, 9, 30, tzinfo=SH))

    def test_it_leaves_a_call_that_already_fell_due(self):
        PlannedContact.objects.filter(kind=Kind.FIRST_CALL).update(
            state=PlanState.DUE, fired_at=self.planned_at
        )
        self.correct("serious")
        call = self.first_call()
        self.assertEqual((call.state, call.due_at), (PlanState.DUE, self.planned_at))
