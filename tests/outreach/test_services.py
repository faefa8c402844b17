from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils import timezone, translation

from outreach import services
from outreach.guardrails import GuardrailError
from outreach.models import (
    OPEN_PLAN_STATES,
    Channel,
    Kind,
    Message,
    MessageState,
    Outcome,
    PlannedContact,
    PlanState,
)
from reviews.models import AuditLog, EventKind, Status
from reviews.tasks import handoff_task

from ..base import BaseTestCase
from ..platform import revised_on_platform

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
class AgreementTestCase(BaseTestCase):
    def setUp(self):
        self.shop.revision_link_template = "https://rate.example/edit?order={order_id}"
        self.shop.save()
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        services.review_plan(review=self.review)

    def agree(self, when=None):
        return services.review_record_agreement(
            review=self.review, agent=self.agent, when=when or at(2026, 11, 25, 20, 15)
        )

    def test_it_sends_the_revision_instructions_at_once_with_the_link(self):
        self.agree()
        message = Message.objects.get(review=self.review, kind=Kind.REVISION_INSTRUCTIONS)
        self.assertEqual(message.channel, Channel.SMS)
        self.assertEqual(message.to, "13812345678")
        self.assertIn(f"https://rate.example/edit?order={self.review.order_id}", message.body)
        self.assertEqual(message.state, MessageState.QUEUED)

    def test_it_plans_the_followup_at_the_agreed_minute_for_the_agent(self):
        followup = self.agree()
        self.assertEqual(followup.kind, Kind.REVISE_FOLLOWUP)
        self.assertEqual(followup.due_at, at(2026, 11, 25, 20, 15))
        self.assertEqual(followup.deadline_at, at(2026, 11, 25, 20, 30))
        self.assertEqual(followup.assigned_to, self.agent)

    def test_it_plans_a_reminder_message_not_a_call_after_the_grace_period(self):
        self.agree(at(2026, 11, 25, 15, 0))
        reminder = self.review.planned_contacts.get(kind=Kind.REMINDER_SMS)
        self.assertNotEqual(reminder.channel, Channel.PHONE)
        self.assertEqual(reminder.due_at, at(2026, 11, 25, 17, 0))

    def test_it_keeps_the_reminder_out_of_quiet_hours(self):
        self.agree()  # 20:15 + 2 h = 22:15, quiet
        reminder = self.review.planned_contacts.get(kind=Kind.REMINDER_SMS)
        self.assertEqual(reminder.due_at, at(2026, 11, 26, 9, 0))

    def test_it_marks_the_review_agreed_and_cancels_the_first_call(self):
        self.agree()
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.AGREED)
        self.assertEqual(
            self.review.planned_contacts.get(kind=Kind.FIRST_CALL).state, PlanState.CANCELLED
        )
        self.assertTrue(self.review.events.filter(kind=EventKind.STATUS).exists())

    def test_it_sends_the_instructions_once_when_the_agreed_time_moves(self):
        self.agree()
        self.agree(at(2026, 11, 25, 21, 0))
        self.assertEqual(Message.objects.filter(kind=Kind.REVISION_INSTRUCTIONS).count(), 1)
        followups = self.review.planned_contacts.filter(kind=Kind.REVISE_FOLLOWUP)
        self.assertEqual(
            [f.due_at for f in followups.filter(state__in=OPEN_PLAN_STATES)],
            [at(2026, 11, 25, 21, 0)],
        )

    def test_it_refuses_an_agreed_time_in_quiet_hours(self):
        with self.assertRaises(GuardrailError) as ctx:
            self.agree(at(2026, 11, 25, 23, 0))
        self.assertEqual(ctx.exception.code, "quiet_hours")

    def test_it_refuses_a_past_agreed_time(self):
        with self.assertRaises(GuardrailError):
            self.agree(at(2026, 11, 25, 9, 0))

    def test_it_explains_a_refused_agreed_time_in_chinese(self):
        with translation.override("zh-hans"), self.assertRaises(GuardrailError) as ctx:
            self.agree(at(2026, 11, 25, 9, 0))
        self.assertEqual(ctx.exception.code, "past")
        self.assertIn("约定的时间已经过去", str(ctx.exception.message))

    def test_it_stops_everything_pending_when_the_platform_shows_the_review_revised(self):
        self.review.external_key = "id:T-1"
        self.review.save(update_fields=["external_key"])
        self.agree()
        queued = Message.objects.get(review=self.review, state=MessageState.QUEUED)
        with self.captureOnCommitCallbacks(execute=True):
            response = revised_on_platform(self.client, self.review)
        self.assertEqual(response.json()["counts"]["revised"], 1, response.content)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.REVISED)
        status = self.review.events.filter(kind=EventKind.STATUS).latest("id")
        self.assertEqual(
            status.data, {"from": "agreed", "to": "revised", "batch": response.json()["batch"]}
        )
        # The import handed the review over; the hand-off task stops what was planned.
        handoff_task.apply(args=([self.review.pk],))
        self.assertFalse(self.review.planned_contacts.filter(state__in=OPEN_PLAN_STATES).exists())
        reasons = {e.data["reason"] for e in self.review.events.filter(kind=EventKind.CANCELLED)}
        self.assertIn("review_revised", reasons)
        queued.refresh_from_db()
        self.assertEqual(queued.state, MessageState.FAILED)
        self.assertIn("revised", queued.last_error)


@time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
class DoNotContactTestCase(BaseTestCase):
    def test_it_cancels_everything_for_the_buyer_across_reviews_and_records_who(self):
        first = self.make_review(self.shop)
        second = self.make_review(self.shop, buyer=first.buyer)
        services.review_plan(review=first)
        services.review_plan(review=second)
        services.review_record_agreement(
            review=first, agent=self.agent, when=at(2026, 11, 25, 20, 0)
        )
        services.buyer_set_do_not_contact(buyer=first.buyer, user=self.agent)

        self.assertFalse(
            PlannedContact.objects.filter(buyer=first.buyer)
            .filter(state__in=OPEN_PLAN_STATES)
            .exists()
        )
        self.assertFalse(
            Message.objects.filter(buyer=first.buyer, state=MessageState.QUEUED).exists()
        )
        first.buyer.refresh_from_db()
        self.assertEqual(first.buyer.do_not_contact_by, self.agent)
        self.assertEqual(first.buyer.do_not_contact_at, timezone.now())
        self.assertTrue(AuditLog.objects.filter(action="buyer_do_not_contact").exists())

    def test_it_refuses_new_messages_and_plans_for_the_buyer(self):
        review = self.make_review(self.shop)
        services.buyer_set_do_not_contact(buyer=review.buyer, user=self.agent)
        with self.assertRaises(GuardrailError):
            services.message_send(review=review, agent=self.agent, channel=Channel.IM, body="您好")
        other = self.make_review(self.shop, buyer=review.buyer)
        self.assertEqual(services.review_plan(review=other), [])

    def test_it_is_what_asking_not_to_be_contacted_on_the_phone_does(self):
        review = self.make_review(self.shop)
        services.review_plan(review=review)
        services.contact_log(
            review=review, agent=self.agent, channel=Channel.PHONE, outcome=Outcome.DO_NOT_CONTACT
        )
        review.buyer.refresh_from_db()
        self.assertIsNotNone(review.buyer.do_not_contact_at)
        self.assertFalse(review.planned_contacts.filter(state__in=OPEN_PLAN_STATES).exists())


@time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
class ContactLogTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        services.review_plan(review=self.review)

    def log(self, outcome, **kwargs):
        kwargs.setdefault("channel", Channel.PHONE)
        return services.contact_log(review=self.review, agent=self.agent, outcome=outcome, **kwargs)

    def test_it_starts_the_persistence_schedule_when_nobody_answers(self):
        self.log(Outcome.NO_ANSWER)
        step = self.review.planned_contacts.get(kind=Kind.PERSISTENCE)
        self.assertEqual(step.channel, Channel.IM)
        self.assertEqual(step.due_at, at(2026, 11, 25, 13, 0))
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CONTACTING)

    def test_it_rotates_channels_over_a_week_then_plans_the_reply(self):
        channels = []
        for _ in range(5):
            self.log(Outcome.NO_ANSWER)
            last = self.review.planned_contacts.filter(kind=Kind.PERSISTENCE).latest("id")
            channels.append(last.channel)
        self.assertEqual(channels, ["im", "phone", "sms", "platform", "phone"])
        self.log(Outcome.NO_ANSWER)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.UNREACHABLE)
        reply = self.review.planned_contacts.get(kind=Kind.REPLY_TASK)
        self.assertEqual(reply.due_at, timezone.now())

    def test_it_plans_the_public_reply_when_the_buyer_declines(self):
        self.log(Outcome.DECLINED)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.DECLINED)
        reply = self.review.planned_contacts.get(kind=Kind.REPLY_TASK, state=PlanState.PLANNED)
        self.assertEqual(reply.due_at, timezone.now())
        self.assertFalse(
            self.review.planned_contacts.filter(state__in=OPEN_PLAN_STATES)
            .exclude(kind=Kind.REPLY_TASK)
            .exists()
        )

    def test_it_asks_for_an_explanatory_followup_review_on_tmall_when_solved(self):
        from reviews.models import Platform, Shop

        tmall = Shop.objects.create(name="T", slug="tm", platform=Platform.TMALL)
        self.review = self.make_review(tmall)
        self.log(Outcome.SOLVED, resolution="resend_part")
        message = Message.objects.get(review=self.review)
        self.assertEqual(message.kind, Kind.EXPLANATORY_FOLLOWUP)

    def test_compensation_on_suspected_extortion_waits_for_a_lead(self):
        self.review.flags = ["extortion_suspected"]
        self.review.save()
        held = self.log(Outcome.REACHED, resolution="partial_refund", refund_percent=10)
        self.assertEqual(held.approval, "pending")
        self.assertIsNone(held.approved_by)
        granted = self.log(Outcome.REACHED, resolution="partial_refund", approved_by=self.lead)
        self.assertEqual((granted.approval, granted.approved_by), ("approved", self.lead))
        # An agent cannot approve it; a lead can, once.
        with self.assertRaises(GuardrailError):
            services.compensation_decide(attempt=held, user=self.agent, approve=True)
        services.compensation_decide(attempt=held, user=self.lead, approve=True)
        held.refresh_from_db()
        self.assertEqual(held.approval, "approved")
        with self.assertRaises(GuardrailError):
            services.compensation_decide(attempt=held, user=self.lead, approve=False)

    def test_an_agent_cannot_approve_compensation_on_suspected_extortion(self):
        self.review.flags = ["extortion_suspected"]
        self.review.save()
        held = self.log(Outcome.REACHED, resolution="gift", approved_by=self.agent)
        self.assertEqual((held.approval, held.approved_by), ("pending", None))

    def test_compensation_above_the_shops_threshold_waits_for_a_lead(self):
        from decimal import Decimal

        self.review.amount = Decimal("1000")
        self.review.save()
        small = self.log(Outcome.SOLVED, resolution="partial_refund", refund_percent=5)  # ¥50
        big = self.log(Outcome.SOLVED, resolution="partial_refund", refund_percent=30)  # ¥300
        packet = self.log(
            Outcome.SOLVED, resolution="red_packet", compensation_amount=Decimal("20")
        )
        self.assertEqual([a.approval for a in (small, big, packet)], ["", "pending", ""])
        self.assertEqual(big.compensation_amount, Decimal("300.00"))

    def test_it_records_every_attempt_on_the_timeline(self):
        attempt = self.log(Outcome.REACHED, note="买家说尺码偏小")
        event = self.review.events.get(kind=EventKind.CONTACT)
        self.assertEqual(event.data["attempt"], attempt.id)
        self.assertEqual(event.actor, self.agent)

    def test_it_refuses_free_text_messages_that_trade_for_a_review(self):
        with self.assertRaises(GuardrailError) as ctx:
            services.message_send(
                review=self.review, agent=self.agent, channel=Channel.IM, body="改好评就退款"
            )
        self.assertEqual(ctx.exception.code, "compliance")
        self.assertFalse(Message.objects.exists())

    def test_it_holds_free_text_messages_until_quiet_hours_end(self):
        with time_machine.travel(at(2026, 11, 25, 22, 0), tick=False):
            result = services.message_send(
                review=self.review, agent=self.agent, channel=Channel.IM, body="您好，配件已寄出"
            )
        self.assertIsInstance(result, PlannedContact)
        self.assertEqual(result.due_at, at(2026, 11, 26, 9, 0))


class MissedSlotTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
            self.followup = services.review_record_agreement(
                review=self.review, agent=self.agent, when=at(2026, 11, 25, 20, 15)
            )
        # The scheduler fired it at 20:15.
        PlannedContact.objects.filter(id=self.followup.id).update(
            state=PlanState.DUE, fired_at=at(2026, 11, 25, 20, 15)
        )

    def test_it_shows_the_due_followup_to_the_agent(self):
        self.assertEqual(list(PlannedContact.objects.due_for(self.agent)), [self.followup])
        self.assertEqual(PlannedContact.objects.due_for(self.lead).count(), 0)

    def test_it_escalates_a_followup_with_nothing_logged_after_15_minutes(self):
        services.plannedcontact_escalate_missed(now=at(2026, 11, 25, 20, 29))
        self.followup.refresh_from_db()
        self.assertEqual(self.followup.state, PlanState.DUE)
        services.plannedcontact_escalate_missed(now=at(2026, 11, 25, 20, 31))
        self.followup.refresh_from_db()
        self.assertEqual(self.followup.state, PlanState.MISSED)
        missed = self.review.events.get(kind=EventKind.MISSED)
        self.assertEqual(missed.data["planned_contact"], self.followup.id)
        self.assertEqual(missed.data["assigned_to"], self.agent.id)
        # The shop's lead sees it on the board.
        self.client.force_login(self.lead)
        self.assertIn(self.followup, self.client.get(reverse("board")).context["missed"])

    def test_it_does_not_escalate_when_the_agent_logged_the_contact(self):
        with time_machine.travel(at(2026, 11, 25, 20, 20), tick=False):
            services.contact_log(
                review=self.review, agent=self.agent, channel=Channel.IM, outcome=Outcome.REACHED
            )
        services.plannedcontact_escalate_missed(now=at(2026, 11, 25, 20, 31))
        self.followup.refresh_from_db()
        self.assertEqual(self.followup.state, PlanState.DONE)

    def test_it_reassigns_a_missed_followup_in_one_action(self):
        services.plannedcontact_escalate_missed(now=at(2026, 11, 25, 20, 31))
        other = self.make_user("bob", self.shop, "agent")
        with time_machine.travel(at(2026, 11, 25, 20, 35), tick=False):
            services.plannedcontact_reassign(planned_contact=self.followup, to=other, by=self.lead)
        self.followup.refresh_from_db()
        self.assertEqual(self.followup.state, PlanState.DUE)
        self.assertEqual(list(PlannedContact.objects.due_for(other)), [self.followup])
        self.assertEqual(self.followup.deadline_at, at(2026, 11, 25, 20, 50))
        event = self.review.events.get(kind=EventKind.REASSIGNED)
        self.assertEqual(event.data["to"], other.id)
        self.assertFalse(PlannedContact.objects.filter(state=PlanState.MISSED).exists())

    def test_it_only_changes_the_owner_of_a_future_item(self):
        other = self.make_user("carol", self.shop, "agent")
        reminder = self.review.planned_contacts.get(kind=Kind.REMINDER_SMS)
        services.plannedcontact_reassign(planned_contact=reminder, to=other, by=self.lead)
        reminder.refresh_from_db()
        self.assertEqual(reminder.state, PlanState.PLANNED)
        self.assertEqual(reminder.assigned_to, other)

    def test_it_refuses_to_reassign_to_someone_outside_the_shop(self):
        with self.assertRaises(GuardrailError):
            services.plannedcontact_reassign(
                planned_contact=self.followup, to=self.outsider, by=self.lead
            )
