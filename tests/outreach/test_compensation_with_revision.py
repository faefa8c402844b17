"""A contact logged as both "agreed to revise" and a compensation can read as a reward for the
review (seed 002 Q3): the agent must say why in a note, a team lead decides, and the timeline
and the audit log say so. Over HTTP, as the review page and the lead's board send it."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from outreach.models import ContactAttempt, Kind, Message, PlannedContact
from reviews import timeline
from reviews.models import AuditLog, EventKind, ReviewEvent

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}
NOTE = "买家反映袖口开线，按售后标准补偿，与评价无关"


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class CompensationWithRevisionTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 11, 20, 8, 0, tzinfo=SH)
        )
        self.login(self.agent)

    def agreed(self, **data):
        data.setdefault("version", self.review.version)
        data.setdefault("channel", "phone")
        data.setdefault("outcome", "agreed")
        data.setdefault("agreed_at", "今晚 20:15")
        return self.client.post(
            reverse("review_contact", args=[self.review.pk]), data, headers=HTMX
        )

    def test_it_refuses_agreed_with_a_red_packet_and_no_note(self):
        response = self.agreed(resolution="red_packet")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "note", status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())
        self.assertFalse(Message.objects.exists())

    def test_it_refuses_a_blank_note(self):
        response = self.agreed(resolution="partial_refund", refund_percent="10", note="   ")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ContactAttempt.objects.exists())

    def test_it_sends_agreed_with_a_red_packet_to_a_lead_with_the_note(self):
        response = self.agreed(resolution="red_packet", note=NOTE)
        self.assertEqual(response.status_code, 200)
        attempt = ContactAttempt.objects.get()
        self.assertEqual((attempt.approval, attempt.note), ("pending", NOTE))
        event = ReviewEvent.objects.get(review=self.review, kind=EventKind.COMPENSATION)
        self.assertEqual(
            event.data, {"attempt": attempt.pk, "decision": "pending", "reason": "revision"}
        )
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        lines = [text for _event, text in page.context["events"]]
        self.assertIn(str(timeline.COMPENSATION_WITH_REVISION), lines)
        line = AuditLog.objects.get(action="compensation_with_revision")
        self.assertEqual(line.actor, self.agent)
        self.assertEqual(line.target, f"review:{self.review.pk}")
        self.assertEqual(line.data["attempt"], attempt.pk)
        self.assertEqual(line.data["resolution"], "red_packet")

    def test_a_small_partial_refund_with_an_agreement_still_waits_for_a_lead(self):
        # 10% of ¥99 is under the shop's threshold: alone it would not need a lead.
        self.agreed(resolution="partial_refund", refund_percent="10", note=NOTE)
        self.assertEqual(ContactAttempt.objects.get().approval, "pending")

    def test_a_compensation_amount_with_an_agreement_waits_for_a_lead(self):
        self.agreed(compensation_amount="5", note=NOTE)
        self.assertEqual(ContactAttempt.objects.get().approval, "pending")

    def test_the_lead_sees_it_on_the_board_with_the_note_and_approves_it(self):
        self.agreed(resolution="red_packet", note=NOTE)
        attempt = ContactAttempt.objects.get()
        self.login(self.lead)
        board = self.client.get(reverse("board"))
        self.assertContains(board, NOTE)
        self.assertContains(board, reverse("compensation_decide", args=[attempt.pk]))
        self.client.post(reverse("compensation_decide", args=[attempt.pk]), {"decision": "approve"})
        attempt.refresh_from_db()
        self.assertEqual((attempt.approval, attempt.approved_by), ("approved", self.lead))
        self.assertTrue(AuditLog.objects.filter(action="compensation_approved").exists())

    def test_an_agreement_with_a_resent_part_needs_no_note(self):
        # A replacement part fixes the product; it is not a reward.
        response = self.agreed(resolution="resend_part")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ContactAttempt.objects.get().approval, "")

    def test_a_red_packet_for_a_solved_problem_needs_no_note(self):
        response = self.agreed(outcome="solved", agreed_at="", resolution="red_packet")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ContactAttempt.objects.get().approval, "")
        self.assertFalse(AuditLog.objects.filter(action="compensation_with_revision").exists())


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class InstructionsWaitForTheLeadTestCase(BaseTestCase):
    """The steps to revise are the other half of the deal: while the compensation given with
    the agreement waits for a lead they are held; approved, they go out; refused, they do not,
    and the timeline tells the agent what to do."""

    setUp = CompensationWithRevisionTestCase.setUp
    agreed = CompensationWithRevisionTestCase.agreed

    def instructions(self):
        return Message.objects.filter(review=self.review, kind=Kind.REVISION_INSTRUCTIONS)

    def lines(self):
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        return [text for _event, text in page.context["events"]]

    def decide(self, decision):
        attempt = ContactAttempt.objects.get()
        self.login(self.lead)
        response = self.client.post(
            reverse("compensation_decide", args=[attempt.pk]), {"decision": decision}
        )
        self.assertLess(response.status_code, 400)

    def test_an_agreement_alone_sends_the_instructions_at_once(self):
        self.agreed()
        self.assertEqual(self.instructions().count(), 1)

    def test_they_are_held_while_the_lead_has_not_decided(self):
        self.agreed(resolution="red_packet", note=NOTE)
        self.assertFalse(self.instructions().exists())
        self.assertIn(str(timeline.NOT_PLANNED["awaiting_approval"]), self.lines())
        # The follow-up at the agreed minute is planned all the same.
        self.assertTrue(
            PlannedContact.objects.filter(review=self.review, kind=Kind.REVISE_FOLLOWUP).exists()
        )

    def test_approved_they_go_out(self):
        self.agreed(resolution="red_packet", note=NOTE)
        self.decide("approve")
        self.assertEqual(self.instructions().count(), 1)
        self.decide_again_changes_nothing()

    def decide_again_changes_nothing(self):
        response = self.client.post(
            reverse("compensation_decide", args=[ContactAttempt.objects.get().pk]),
            {"decision": "approve"},
        )
        self.assertGreaterEqual(response.status_code, 200)
        self.assertEqual(self.instructions().count(), 1)

    def test_refused_they_stay_unsent_and_the_timeline_says_why(self):
        self.agreed(resolution="red_packet", note=NOTE)
        self.decide("reject")
        self.assertFalse(self.instructions().exists())
        self.assertIn(str(timeline.NOT_PLANNED["compensation_refused"]), self.lines())
