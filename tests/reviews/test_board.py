from django.urls import reverse

from outreach.services import review_assign, reviews_auto_assign
from reviews.models import AuditLog, Membership, ReviewEvent, Role, Severity, Status
from reviews.services import StaleReview

from ..base import BaseTestCase


class BoardTestCase(BaseTestCase):
    def setUp(self):
        self.bob = self.make_user("bob", self.shop, Role.AGENT)
        self.login(self.lead)

    def test_it_shows_unassigned_and_workload(self):
        self.make_review(
            self.shop, assigned_to=None, severity=Severity.SERIOUS, text="假货！我要投诉"
        )
        self.make_review(self.shop, assigned_to=self.agent)
        self.make_review(self.other_shop, assigned_to=None, text="别的店的评价")
        response = self.client.get(reverse("board"))
        self.assertContains(response, "假货！我要投诉")
        self.assertNotContains(response, "别的店的评价")
        self.assertEqual(response.context["tiles"]["unassigned"], 1)
        self.assertEqual(response.context["tiles"]["serious_unassigned"], 1)
        loads = {row["user__username"]: row["open"] for row in response.context["workload"]}
        self.assertEqual(loads, {"alice": 1, "bob": 0})

    def test_it_bulk_assigns_and_records_each_on_the_timeline(self):
        reviews = [self.make_review(self.shop, assigned_to=None) for _ in range(3)]
        response = self.client.post(
            reverse("board_assign"),
            {"shop": "alpha", "agent": self.bob.pk, "review": [r.pk for r in reviews]},
        )
        self.assertRedirects(response, reverse("board") + "?shop=alpha")
        for review in reviews:
            review.refresh_from_db()
            self.assertEqual(review.assigned_to, self.bob)
            event = ReviewEvent.objects.get(review=review, kind="assigned")
            self.assertEqual(event.actor, self.lead)
        self.assertEqual(AuditLog.objects.filter(action="review_assigned").count(), 3)

    def test_it_cannot_assign_another_shops_reviews_or_to_another_shops_agent(self):
        foreign = self.make_review(self.other_shop, assigned_to=None)
        self.client.post(
            reverse("board_assign"), {"shop": "alpha", "agent": self.bob.pk, "review": [foreign.pk]}
        )
        foreign.refresh_from_db()
        self.assertIsNone(foreign.assigned_to)
        mine = self.make_review(self.shop, assigned_to=None)
        response = self.client.post(
            reverse("board_assign"),
            {"shop": "alpha", "agent": self.outsider.pk, "review": [mine.pk]},
        )
        self.assertEqual(response.status_code, 404)
        response = self.client.post(
            reverse("board_assign"), {"shop": "bravo", "agent": self.bob.pk, "review": [mine.pk]}
        )
        self.assertEqual(response.status_code, 404)

    def test_it_auto_assigns_least_loaded_within_capacity(self):
        Membership.objects.filter(user=self.agent).update(capacity=3)
        Membership.objects.filter(user=self.bob).update(capacity=2)
        self.make_review(self.shop, assigned_to=self.agent)
        for _ in range(6):
            self.make_review(self.shop, assigned_to=None)
        n = reviews_auto_assign(shop=self.shop, by=self.lead)
        self.assertEqual(n, 4)  # alice has room for 2 more, bob for 2; two stay unassigned
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.agent).count(), 3)
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=None).count(), 2)

    def test_it_skips_agents_off_duty_and_takes_turns_in_round_robin(self):
        carol = self.make_user("carol", self.shop, Role.AGENT)
        Membership.objects.filter(user=carol).update(on_duty=False)
        for _ in range(4):
            self.make_review(self.shop, assigned_to=None)
        self.client.post(reverse("board_auto_assign"), {"shop": "alpha", "strategy": "round_robin"})
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.agent).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=carol).count(), 0)

    def test_it_reassigns_an_absent_agents_open_work_in_one_action(self):
        for _ in range(3):
            self.make_review(self.shop, assigned_to=self.agent)
        done = self.make_review(self.shop, assigned_to=self.agent, status=Status.REVISED)
        self.client.post(reverse("board_reassign"), {"shop": "alpha", "absent": self.agent.pk})
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 3)
        done.refresh_from_db()
        self.assertEqual(done.assigned_to, self.agent)  # finished work keeps its history
        self.assertFalse(Membership.objects.get(user=self.agent, shop=self.shop).on_duty)

    def test_exactly_one_of_two_concurrent_assignments_wins(self):
        review = self.make_review(self.shop, assigned_to=None)
        seen_version = review.version
        review_assign(
            review=review, assignee=self.agent, by=self.lead, expected_version=seen_version
        )
        with self.assertRaises(StaleReview):
            review_assign(
                review=review, assignee=self.bob, by=self.lead, expected_version=seen_version
            )
        review.refresh_from_db()
        self.assertEqual(review.assigned_to, self.agent)

    def test_it_is_for_leads_only(self):
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("board")).status_code, 403)
        self.assertEqual(
            self.client.post(reverse("board_auto_assign"), {"shop": "alpha"}).status_code, 403
        )


class BoardOutreachTestCase(BaseTestCase):
    """The board's outreach side: missed slots, items at risk, approvals, due counts, shifts."""

    def setUp(self):
        from datetime import time, timedelta

        from django.utils import timezone

        self.now = timezone.now()
        self.bob = self.make_user("bob", self.shop, Role.AGENT)
        self.timedelta, self.time = timedelta, time
        self.login(self.lead)

    def planned(self, review, **fields):
        from outreach.models import PlannedContact

        fields.setdefault("kind", "revise_followup")
        fields.setdefault("channel", "phone")
        fields.setdefault("due_at", self.now)
        return PlannedContact.objects.create(
            shop=self.shop, review=review, buyer=review.buyer, **fields
        )

    def test_it_surfaces_a_missed_follow_up_and_reassigns_it_in_one_action(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        missed = self.planned(
            review, state="missed", assigned_to=self.agent, fired_at=self.now, escalated_at=self.now
        )
        response = self.client.get(reverse("board"))
        self.assertEqual([p.pk for p in response.context["missed"]], [missed.pk])
        self.client.post(
            reverse("board_reassign_followup"),
            {"shop": "alpha", "planned": missed.pk, "agent": self.bob.pk},
        )
        missed.refresh_from_db()
        self.assertEqual((missed.assigned_to, missed.state), (self.bob, "due"))
        event = ReviewEvent.objects.get(review=review, kind="reassigned", actor=self.lead)
        self.assertEqual(
            (event.data["planned_contact"], event.data["to"]), (missed.pk, self.bob.pk)
        )

    def test_an_absent_agents_follow_ups_go_with_her_reviews(self):
        """The follow-up at the minute the buyer agreed, a call due now, a slot already missed:
        they move with the review to whoever takes it, not left to turn into missed slots."""
        review = self.make_review(self.shop, assigned_to=self.agent)
        agreed = self.planned(
            review, assigned_to=self.agent, due_at=self.now + self.timedelta(hours=5)
        )
        missed = self.planned(
            review,
            kind="first_call",
            state="missed",
            assigned_to=self.agent,
            fired_at=self.now,
            deadline_at=self.now,
            escalated_at=self.now,
        )
        done = self.planned(review, kind="first_call", state="done", assigned_to=self.agent)
        other = self.planned(  # another agent's review: untouched
            self.make_review(self.shop, assigned_to=self.bob), assigned_to=self.bob
        )
        response = self.client.post(
            reverse("board_reassign"), {"shop": "alpha", "absent": self.agent.pk}, follow=True
        )
        self.assertContains(response, "已转派")
        for item in (agreed, missed, done, other):
            item.refresh_from_db()
        self.assertEqual((agreed.assigned_to, agreed.state), (self.bob, "planned"))
        self.assertEqual(agreed.due_at, self.now + self.timedelta(hours=5))  # the agreed minute
        self.assertEqual(
            (missed.assigned_to, missed.state, missed.escalated_at), (self.bob, "due", None)
        )
        self.assertGreater(missed.deadline_at, self.now)  # a fresh grace period
        self.assertEqual(done.assigned_to, self.agent)  # history stays
        self.assertEqual(other.assigned_to, self.bob)
        event = ReviewEvent.objects.get(review=review, kind="assigned")
        self.assertEqual(event.data["plans"], 2)
        # Bob sees them: the navigation's count of what he must act on now.
        self.login(self.bob)
        self.assertContains(self.client.get(reverse("due_count")), ">1</span>")

    def test_reviews_nobody_has_room_for_are_named_as_staying(self):
        Membership.objects.filter(user=self.bob).update(capacity=1)
        for _ in range(3):
            self.make_review(self.shop, assigned_to=self.agent)
        response = self.client.post(
            reverse("board_reassign"), {"shop": "alpha", "absent": self.agent.pk}, follow=True
        )
        self.assertContains(response, "1 条")
        self.assertContains(response, "2 条未完成的评价仍在 alice 名下")
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.agent).count(), 2)

    def test_auto_assignment_counts_the_plans_a_review_brings_against_capacity(self):
        # Bob has room for 3 items; the first review brings two planned calls: 3 in all.
        Membership.objects.filter(user=self.agent).update(on_duty=False)
        Membership.objects.filter(user=self.bob).update(capacity=3)
        first = self.make_review(self.shop, assigned_to=None)
        self.planned(first, kind="first_call")
        self.planned(first)
        second = self.make_review(self.shop, assigned_to=None)
        reviews_auto_assign(shop=self.shop, by=self.lead)
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual((first.assigned_to, second.assigned_to), (self.bob, None))

    def test_an_item_due_within_the_hour_of_an_agent_off_duty_is_at_risk(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        soon = self.planned(
            review, assigned_to=self.agent, due_at=self.now + self.timedelta(minutes=30)
        )
        self.planned(
            self.make_review(self.shop),
            assigned_to=self.bob,
            due_at=self.now + self.timedelta(minutes=30),
        )
        self.planned(
            self.make_review(self.shop),
            assigned_to=self.agent,
            due_at=self.now + self.timedelta(hours=3),
        )
        Membership.objects.filter(user=self.agent).update(on_duty=False)
        response = self.client.get(reverse("board"))
        self.assertEqual([p.pk for p in response.context["at_risk"]], [soon.pk])

    def test_at_risk_follows_each_agents_shift_in_the_shops_time_zone(self):
        # Shifts are read in the shop's zone (here UTC+5:30, neither UTC nor the server's), the
        # end is not covered, a night shift covers both sides of midnight, and whoever is off
        # duty or has no shift set is judged as Membership.covers says.
        from datetime import datetime
        from zoneinfo import ZoneInfo

        from reviews.models import Shop

        Shop.objects.filter(pk=self.shop.pk).update(timezone="Asia/Kolkata")
        tz = ZoneInfo("Asia/Kolkata")
        night = self.make_user("nina", self.shop, Role.AGENT)
        anyone = self.make_user("andy", self.shop, Role.AGENT)
        shifts = {
            self.agent: (self.time(9), self.time(18), True),
            self.bob: (self.time(9), self.time(18), True),
            night: (self.time(22), self.time(6), True),
            anyone: (None, None, True),
        }
        for user, (start, end, on_duty) in shifts.items():
            Membership.objects.filter(user=user, shop=self.shop).update(
                shift_start=start, shift_end=end, on_duty=on_duty
            )
        day = (self.now - self.timedelta(days=3)).astimezone(tz).date()

        def at(hour, minute, user):
            local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
            return self.planned(self.make_review(self.shop), assigned_to=user, due_at=local)

        items = [
            at(10, 0, self.agent),  # inside 09–18
            at(8, 59, self.agent),  # before it
            at(18, 0, self.bob),  # at its end: not covered
            at(17, 59, self.bob),
            at(23, 30, night),  # 22–06, before midnight
            at(1, 0, night),  # and after it
            at(7, 0, night),  # outside it
            at(3, 0, anyone),  # no shift: always
        ]
        expected = [
            p.pk
            for p in sorted(items, key=lambda p: (p.due_at, p.pk))
            if not Membership.objects.get(user=p.assigned_to, shop=self.shop).covers(p.due_at, tz)
        ]
        response = self.client.get(reverse("board"))
        self.assertEqual([p.pk for p in response.context["at_risk"]], expected)
        self.assertEqual(len(expected), 3)
        Membership.objects.filter(user=anyone, shop=self.shop).update(on_duty=False)
        response = self.client.get(reverse("board"))
        self.assertEqual(len(response.context["at_risk"]), 4)
        Membership.objects.filter(shop=self.shop).update(on_duty=False)  # nobody on duty
        response = self.client.get(reverse("board"))
        self.assertEqual(len(response.context["at_risk"]), len(items))

    def test_an_unassigned_item_at_risk_and_people_since_deleted_still_show(self):
        # Found by the production rehearsal: a first call nobody fitted (assignment on
        # arrival) due within the hour made the board answer 500.
        from outreach.models import ContactAttempt, Reply

        soon = self.planned(
            self.make_review(self.shop),
            kind="first_call",
            due_at=self.now + self.timedelta(minutes=20),
        )
        gone = self.make_user("gone", self.shop, Role.AGENT)
        review = self.make_review(self.shop)
        ContactAttempt.objects.create(
            review=review,
            buyer=review.buyer,
            agent=gone,
            channel="phone",
            outcome="solved",
            resolution="red_packet",
            compensation_amount=500,
            approval="pending",
        )
        Reply.objects.create(
            shop=self.shop,
            review=self.make_review(self.shop),
            text="亲，抱歉",
            state="pending",
            drafted_by=gone,
        )
        gone.delete()
        response = self.client.get(reverse("board"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([p.pk for p in response.context["at_risk"]], [soon.pk])
        self.assertContains(response, "未分配")

    def test_it_lists_replies_awaiting_approval_and_approves_from_the_board(self):
        from outreach.models import Reply

        reply = Reply.objects.create(
            shop=self.shop,
            review=self.make_review(self.shop),
            text="亲，抱歉",
            state="pending",
            drafted_by=self.agent,
        )
        self.assertContains(self.client.get(reverse("board")), "亲，抱歉")
        response = self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "approve", "next": "board", "text_digest": reply.text_digest},
        )
        self.assertRedirects(response, reverse("board") + "?shop=alpha")
        reply.refresh_from_db()
        self.assertEqual(reply.state, "approved")

    def test_it_counts_each_agents_due_today_and_overdue(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.planned(
            review,
            assigned_to=self.agent,
            state="due",
            fired_at=self.now,
            due_at=self.now - self.timedelta(hours=1),
        )
        self.planned(review, assigned_to=self.agent, due_at=self.now + self.timedelta(minutes=1))
        due = self.client.get(reverse("board")).context["due_by_agent"][self.agent.pk]
        self.assertEqual((due["due_today"], due["overdue"]), (2, 1))

    def test_the_board_runs_a_fixed_number_of_queries(self):
        # 19: the 17 of the board, the alerts to leads that failed today, and the workload's
        # counters read apart from its agents.
        self.make_review(self.shop, assigned_to=None)
        with self.assertNumQueries(19) as first:
            self.client.get(reverse("board"))
        for _ in range(20):
            review = self.make_review(self.shop, assigned_to=None)
            self.planned(
                review,
                state="missed",
                assigned_to=self.agent,
                fired_at=self.now,
                escalated_at=self.now,
            )
            self.planned(review, due_at=self.now + self.timedelta(minutes=30))  # at risk
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(reverse("board"))
        self.assertEqual(
            (len(response.context["missed"]), len(response.context["at_risk"])), (20, 20)
        )

    def test_auto_assignment_counts_scheduled_follow_ups_and_honours_shifts(self):
        Membership.objects.filter(user=self.agent).update(
            capacity=2, shift_start=self.time(9), shift_end=self.time(18)
        )
        Membership.objects.filter(user=self.bob).update(
            capacity=5, shift_start=self.time(14), shift_end=self.time(23)
        )
        busy = self.make_review(self.shop, assigned_to=None)
        self.planned(busy, assigned_to=self.agent, due_at=self.now + self.timedelta(days=1))
        self.planned(busy, assigned_to=self.agent, due_at=self.now + self.timedelta(days=2))
        # A follow-up fixed at 20:15 shop time: only bob's shift covers it.
        from datetime import datetime

        evening = datetime.combine(
            self.now.astimezone(self.shop.tz).date(), self.time(20, 15), tzinfo=self.shop.tz
        )
        late = self.make_review(self.shop, assigned_to=None)
        self.planned(late, due_at=evening)
        Review = type(late)
        Review.objects.filter(pk=busy.pk).update(status="closed")

        reviews_auto_assign(shop=self.shop, by=self.lead)
        late.refresh_from_db()
        self.assertEqual(late.assigned_to, self.bob)

    def test_a_lead_approves_compensation_from_the_board(self):
        from outreach.models import ContactAttempt

        review = self.make_review(self.shop, assigned_to=self.agent, flags=["extortion_suspected"])
        held = ContactAttempt.objects.create(
            review=review,
            buyer=review.buyer,
            agent=self.agent,
            channel="phone",
            outcome="solved",
            resolution="red_packet",
            compensation_amount=50,
            approval="pending",
        )
        response = self.client.get(reverse("board"))
        self.assertContains(response, "疑似勒索")
        self.client.post(reverse("compensation_decide", args=[held.pk]), {"decision": "approve"})
        held.refresh_from_db()
        self.assertEqual((held.approval, held.approved_by), ("approved", self.lead))
        self.login(self.agent)
        other = ContactAttempt.objects.create(
            review=review,
            buyer=review.buyer,
            agent=self.agent,
            channel="phone",
            outcome="solved",
            resolution="red_packet",
            approval="pending",
        )
        self.assertEqual(
            self.client.post(
                reverse("compensation_decide", args=[other.pk]), {"decision": "approve"}
            ).status_code,
            403,
        )
