"""The public reply: composed with the real call times, checked, approved by a lead, posted."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from outreach.models import ContactAttempt, Kind, PlannedContact, PlanState, Reply, ReplyState
from reviews.models import AuditLog, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true"}


@time_machine.travel(datetime(2026, 11, 12, 9, 0, tzinfo=SH), tick=False)
class ReplyTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop,
            assigned_to=self.agent,
            status=Status.UNREACHABLE,
            subcause="courier_speed",
            cause="logistics",
            reviewed_at=datetime(2026, 11, 9, 20, 0, tzinfo=SH),
        )
        for moment in (
            datetime(2026, 11, 10, 11, 15, tzinfo=SH),
            datetime(2026, 11, 10, 20, 25, tzinfo=SH),
        ):
            ContactAttempt.objects.create(
                review=self.review,
                buyer=self.review.buyer,
                agent=self.agent,
                channel="phone",
                outcome="no_answer",
                created_at=moment,
            )
        self.login(self.agent)

    def save(self, text, action="submit"):
        return self.client.post(
            reverse("review_reply", args=[self.review.pk]),
            {"text": text, "situation": "unreachable", "action": action},
            headers=HTMX,
        )

    def test_the_composer_cites_the_real_call_times(self):
        response = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(response, "10号11:15、10号晚上20:25")
        self.assertContains(response, "物流速度")

    def test_it_refuses_a_situation_not_in_the_list(self):
        response = self.client.post(
            reverse("review_reply", args=[self.review.pk]),
            {"text": "亲，非常抱歉。", "situation": "x" * 21, "action": "submit"},
            headers=HTMX | {"Accept-Language": "en"},
        )
        self.assertContains(response, "Choose a situation from the list.", status_code=400)
        self.assertFalse(Reply.objects.filter(review=self.review).exists())

    def test_another_wording_changes_the_text(self):
        url = reverse("review_reply_suggest", args=[self.review.pk])
        first = self.client.get(url, {"situation": "unreachable", "variant": 0}, headers=HTMX)
        second = self.client.get(url, {"situation": "unreachable", "variant": 1}, headers=HTMX)
        self.assertTrue(first.content.decode().lstrip().startswith('<div id="reply-composer"'))
        self.assertNotEqual(first.content, second.content)
        self.assertContains(second, "10号晚上20:25")

    def test_a_harsh_reply_is_not_submitted(self):
        response = self.save("呵呵，明明是你自己不在家")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "语气", status_code=400)
        self.assertFalse(Reply.objects.filter(state=ReplyState.PENDING).exists())

    def test_a_reply_leaking_the_phone_is_not_submitted(self):
        response = self.save("抱歉，请致电13812345678")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "电话号码", status_code=400)

    def test_a_draft_keeps_whatever_was_typed(self):
        self.assertEqual(self.save("草稿，还没写完！！", action="draft").status_code, 200)
        self.assertEqual(Reply.objects.get().state, ReplyState.DRAFT)

    def test_drafted_approved_and_posted(self):
        PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REPLY_TASK,
            channel="platform",
            due_at=datetime(2026, 11, 12, 9, 0, tzinfo=SH),
            state=PlanState.DUE,
            fired_at=datetime(2026, 11, 12, 9, 0, tzinfo=SH),
        )
        text = "亲，非常抱歉物流速度给您带来了困扰。我们分别在10号11:15、10号晚上20:25给您致电，可惜都没能联系上您。"
        self.assertEqual(self.save(text).status_code, 200)
        reply = Reply.objects.get()
        self.assertEqual(reply.state, ReplyState.PENDING)

        # An agent cannot approve, nor download before approval.
        self.assertEqual(
            self.client.post(
                reverse("reply_decide", args=[reply.pk]), {"decision": "approve"}
            ).status_code,
            403,
        )
        self.assertEqual(self.client.get(reverse("reply_export", args=[reply.pk])).status_code, 404)

        self.login(self.lead)
        response = self.client.post(
            reverse("reply_decide", args=[reply.pk]), {"decision": "approve"}, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        reply.refresh_from_db()
        self.assertEqual((reply.state, reply.decided_by), (ReplyState.APPROVED, self.lead))
        self.assertTrue(AuditLog.objects.filter(action="reply_approved", actor=self.lead).exists())

        export = self.client.get(reverse("reply_export", args=[reply.pk]))
        self.assertEqual(export.content.decode().strip(), text)

        self.login(self.agent)
        self.client.post(reverse("reply_posted", args=[reply.pk]), headers=HTMX)
        reply.refresh_from_db()
        self.review.refresh_from_db()
        self.assertEqual(reply.state, ReplyState.POSTED)
        self.assertEqual(self.review.status, Status.REPLIED)
        self.assertFalse(
            PlannedContact.objects.filter(
                review=self.review, kind=Kind.REPLY_TASK, state=PlanState.DUE
            ).exists()
        )

    def test_a_lead_sends_it_back_with_a_note(self):
        self.save("亲，非常抱歉给您带来了不好的体验。")
        reply = Reply.objects.get()
        self.login(self.lead)
        self.client.post(
            reverse("reply_decide", args=[reply.pk]),
            {"decision": "reject", "note": "请写明致电时间"},
            headers=HTMX,
        )
        reply.refresh_from_db()
        self.assertEqual(
            (reply.state, reply.rejection_note), (ReplyState.REJECTED, "请写明致电时间")
        )

    def test_after_the_platforms_deadline_nothing_is_submitted(self):
        with time_machine.travel(
            datetime(2026, 11, 9, 20, 0, tzinfo=SH) + timedelta(days=31), tick=False
        ):
            self.login(self.agent)  # a month later: a fresh session
            response = self.save("亲，非常抱歉给您带来了不好的体验。")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "截止", status_code=400)
