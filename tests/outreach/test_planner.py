from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from outreach.guardrails import GuardrailError
from outreach.models import (
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Kind,
    Message,
    Outcome,
    PlannedContact,
)
from outreach.services import review_plan, review_record_agreement
from outreach.wording import compliance_problem
from reviews.models import Buyer, EventKind, Platform, Shop

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class PlannerTestCase(BaseTestCase):
    def plan(self, shop=None, **fields) -> list[PlannedContact]:
        fields.setdefault("assigned_to", self.agent)
        self.review = self.make_review(shop or self.shop, **fields)
        return review_plan(review=self.review)

    def first(self, plans, kind) -> PlannedContact:
        return next(p for p in plans if p.kind == kind)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_calls_at_once_about_a_minor_problem(self):
        call = self.first(self.plan(severity="minor"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 25, 10, 0))
        self.assertEqual(call.channel, Channel.PHONE)
        self.assertEqual(call.assigned_to, self.agent)

    @time_machine.travel(at(2026, 11, 25, 23, 10), tick=False)
    def test_it_waits_for_the_end_of_quiet_hours(self):
        call = self.first(self.plan(severity="minor"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 26, 9, 0))

    @time_machine.travel(at(2026, 11, 25, 14, 0), tick=False)
    def test_it_respects_quiet_hours_in_the_buyers_time_zone(self):
        # 14:00 in Shanghai is 06:00 in London: wait for 09:00 London (17:00 Shanghai).
        buyer = Buyer.objects.create(shop=self.shop, nick="london", timezone="Europe/London")
        call = self.first(self.plan(buyer=buyer, severity="minor"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 25, 17, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_cools_off_24_hours_before_calling_about_a_serious_problem(self):
        call = self.first(self.plan(severity="serious"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 26, 10, 0))

    @time_machine.travel(at(2026, 11, 25, 22, 0), tick=False)
    def test_it_keeps_the_cooled_off_call_out_of_quiet_hours(self):
        call = self.first(self.plan(severity="serious"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 27, 9, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_apologises_with_a_goodwill_offer_after_a_month(self):
        plans = self.plan(reviewed_at=at(2026, 10, 15, 10, 0), severity="serious")
        call = self.first(plans, Kind.APOLOGY_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 25, 10, 0))  # calm by now: no cooling-off
        self.assertIn("抱歉", call.body)
        self.assertTrue("包邮" in call.body or "礼品" in call.body)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_only_invites_by_message_after_six_months(self):
        plans = self.plan(reviewed_at=at(2026, 4, 1, 10, 0))
        self.assertEqual([p.kind for p in plans], [Kind.INVITATION])
        invitation = plans[0]
        self.assertIn(invitation.channel, (Channel.SMS, Channel.IM))
        self.assertNotIn("评", invitation.body)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_links_the_invitation_to_the_shops_promotion(self):
        from outreach.models import Playbook

        Playbook.objects.create(shop=self.shop, promotion_link="https://shop.example/new")
        plans = self.plan(reviewed_at=at(2026, 4, 1, 10, 0))
        self.assertIn("https://shop.example/new", plans[0].body)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_a_refused_template_is_on_the_timeline_in_the_readers_words(self):
        from django.urls import reverse

        from outreach.models import Playbook

        Playbook.objects.create(shop=self.shop, templates={"invitation": "亲，修改评价就返现5元"})
        self.assertEqual(self.plan(reviewed_at=at(2026, 4, 1, 10, 0)), [])
        self.login(self.lead)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "未安排跟进：")
        self.assertNotContains(page, "outreach not planned")

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_aims_at_solving_on_tmall_where_reviews_cannot_be_revised(self):
        tmall = Shop.objects.create(name="T", slug="t", platform=Platform.TMALL)
        plans = self.plan(shop=tmall)
        self.assertEqual(self.first(plans, Kind.FIRST_CALL).data["goal"], "solve_and_explain")
        with self.assertRaises(GuardrailError) as ctx:
            review_record_agreement(
                review=self.review, agent=self.agent, when=at(2026, 11, 25, 20, 15)
            )
        self.assertEqual(ctx.exception.code, "cannot_revise")
        self.assertFalse(self.review.planned_contacts.filter(kind=Kind.REVISE_FOLLOWUP).exists())

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_brings_the_taobao_reply_task_forward_of_its_deadline(self):
        reviewed = at(2026, 11, 15, 10, 0)
        reply = self.first(self.plan(reviewed_at=reviewed), Kind.REPLY_TASK)
        self.assertEqual(reply.deadline_at, reviewed + timedelta(days=30))
        self.assertEqual(reply.due_at, reviewed + timedelta(days=25))
        self.assertEqual(reply.data["reply_max_chars"], 500)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_plans_no_reply_after_the_buyers_followup_review_on_taobao(self):
        plans = self.plan(followup_at=at(2026, 11, 24, 10, 0), followup_text="追评")
        self.assertNotIn(Kind.REPLY_TASK, [p.kind for p in plans])
        note = self.review.events.get(kind=EventKind.NOT_PLANNED)
        self.assertEqual(note.data["code"], "reply_window_closed")

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_cancels_the_reply_task_when_a_followup_review_arrives(self):
        self.plan()
        self.review.followup_at = at(2026, 11, 25, 9, 0)
        review_plan(review=self.review)
        self.assertFalse(
            self.review.planned_contacts.filter(state__in=OPEN_PLAN_STATES)
            .filter(kind=Kind.REPLY_TASK)
            .exists()
        )

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_plans_a_care_call_on_delivery_day_for_high_value_orders(self):
        plans = self.plan(amount=Decimal("800"), delivered_at=at(2026, 11, 25, 8, 0))
        care = self.first(plans, Kind.CARE_CALL)
        self.assertEqual(care.due_at, at(2026, 11, 25, 18, 0))
        self.assertEqual(care.deadline_at, at(2026, 11, 25, 19, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_plans_no_care_call_below_the_threshold(self):
        plans = self.plan(amount=Decimal("499"), delivered_at=at(2026, 11, 25, 8, 0))
        self.assertNotIn(Kind.CARE_CALL, [p.kind for p in plans])

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_routes_suspected_extortion_to_a_team_lead(self):
        call = self.first(self.plan(flags=["extortion_suspected"]), Kind.FIRST_CALL)
        self.assertEqual(call.assigned_to, self.lead)
        self.assertTrue(call.needs_lead)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_moves_the_call_to_tomorrow_when_the_buyer_had_enough_calls_today(self):
        earlier = self.make_review(self.shop)
        buyer = earlier.buyer
        for _ in range(2):
            ContactAttempt.objects.create(
                review=earlier,
                buyer=buyer,
                agent=self.agent,
                channel=Channel.PHONE,
                outcome=Outcome.NO_ANSWER,
            )
        call = self.first(self.plan(buyer=buyer), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 26, 9, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_counts_the_days_calls_in_the_buyers_time_zone(self):
        # 10:00 in Shanghai is 02:00 in London: the call waits for 09:00 London (17:00 here).
        buyer = Buyer.objects.create(shop=self.shop, nick="london", timezone="Europe/London")
        earlier = self.make_review(self.shop, buyer=buyer)
        london = ZoneInfo("Europe/London")
        for hour in (22, 23):  # yesterday evening in London, this morning in Shanghai
            attempt = ContactAttempt.objects.create(
                review=earlier,
                buyer=buyer,
                agent=self.agent,
                channel=Channel.PHONE,
                outcome=Outcome.NO_ANSWER,
            )
            ContactAttempt.objects.filter(id=attempt.id).update(
                created_at=datetime(2026, 11, 24, hour, 0, tzinfo=london)
            )
        call = self.first(self.plan(buyer=buyer), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 25, 17, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_moves_the_call_when_the_buyers_own_day_already_had_two_calls(self):
        buyer = Buyer.objects.create(shop=self.shop, nick="london", timezone="Europe/London")
        earlier = self.make_review(self.shop, buyer=buyer)
        london = ZoneInfo("Europe/London")
        for minute in (0, 30):  # 00:00 and 00:30 in London today: 08:00, 08:30 in Shanghai
            attempt = ContactAttempt.objects.create(
                review=earlier,
                buyer=buyer,
                agent=self.agent,
                channel=Channel.PHONE,
                outcome=Outcome.NO_ANSWER,
            )
            ContactAttempt.objects.filter(id=attempt.id).update(
                created_at=datetime(2026, 11, 25, 0, minute, tzinfo=london)
            )
        call = self.first(self.plan(buyer=buyer), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 26, 17, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_counts_planned_calls_against_the_cap(self):
        buyer = Buyer.objects.create(shop=self.shop, nick="busy")
        self.plan(buyer=buyer)
        self.plan(buyer=buyer)
        third = self.first(self.plan(buyer=buyer), Kind.FIRST_CALL)
        self.assertEqual(third.due_at, at(2026, 11, 26, 9, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_moves_the_invitation_when_the_message_cap_is_reached(self):
        earlier = self.make_review(self.shop)
        for n in range(3):
            Message.objects.create(
                shop=self.shop,
                buyer=earlier.buyer,
                review=earlier,
                kind=Kind.PERSISTENCE,
                channel=Channel.SMS,
                to="x",
                body="hi",
                idempotency_key=f"k{n}",
            )
        plans = self.plan(buyer=earlier.buyer, reviewed_at=at(2026, 4, 1, 10, 0))
        self.assertEqual(plans[0].due_at, at(2026, 11, 26, 9, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_plans_nothing_for_a_buyer_who_asked_not_to_be_contacted(self):
        buyer = Buyer.objects.create(
            shop=self.shop, nick="dnc", do_not_contact_at=at(2026, 11, 1, 9, 0)
        )
        self.assertEqual(self.plan(buyer=buyer), [])

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_plans_once(self):
        self.plan()
        self.assertEqual(review_plan(review=self.review), [])
        self.assertEqual(self.review.planned_contacts.filter(kind=Kind.FIRST_CALL).count(), 1)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_puts_every_planned_item_on_the_timeline(self):
        plans = self.plan()
        events = self.review.events.filter(kind=EventKind.PLANNED)
        self.assertEqual(
            sorted((e.data["planned_contact"], e.data["kind"]) for e in events),
            sorted((p.id, p.kind) for p in plans),
        )

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_reads_the_rules_from_the_shops_playbook(self):
        from outreach.models import Playbook

        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(cooling_off_hours=2)
        call = self.first(self.plan(severity="serious"), Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 25, 12, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_records_instead_of_failing_when_a_template_breaks_a_guardrail(self):
        from outreach.models import Playbook

        Playbook.objects.create(shop=self.shop, templates={"invitation": "好评返现，欢迎回来"})
        self.assertEqual(self.plan(reviewed_at=at(2026, 4, 1, 10, 0)), [])
        self.assertFalse(self.review.planned_contacts.exists())
        note = self.review.events.get(kind=EventKind.NOT_PLANNED)
        self.assertEqual(note.data["code"], "compliance")
        self.assertEqual(note.data["reason"], compliance_problem("好评返现，欢迎回来"))
