"""Closing a review with nothing more to do (the status 「已关闭」), and a lead reopening it:
over HTTP as the review page posts, in Chinese."""

from django.urls import reverse

from outreach.models import Message, MessageState, PlannedContact
from reviews.models import Status

from ..base import BaseTestCase

HTMX = {"HX-Request": "true", "HX-Target": "review-work"}


class CloseReviewTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        self.call = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind="revise_followup",
            channel="phone",
            due_at=self.review.reviewed_at,
            assigned_to=self.agent,
        )
        self.message = Message.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind="reminder_sms",
            channel="sms",
            body="亲，提醒一下",
            state=MessageState.QUEUED,
        )

    def close(self, user, **data):
        self.login(user)
        self.review.refresh_from_db()
        data.setdefault("version", self.review.version)
        return self.client.post(reverse("review_close", args=[self.review.pk]), data, headers=HTMX)

    def test_an_agent_closes_an_open_review_and_everything_planned_stops(self):
        page = self.client_page(self.agent)
        self.assertContains(page, "关闭这条评价")
        response = self.close(self.agent, reason="solved", note="已退款，买家不改评")
        self.assertContains(response, "已关闭。取消了 1 项安排。")
        self.review.refresh_from_db()
        self.call.refresh_from_db()
        self.message.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)
        self.assertEqual(self.call.state, "cancelled")
        self.assertEqual(self.message.state, MessageState.FAILED)  # never sent
        self.assertContains(response, "已关闭：问题已解决，评价保留（已退款，买家不改评）")
        # Off the agent's open work, on the finished lane.
        self.assertNotIn(self.review, self.queue(self.agent, ""))
        self.assertIn(self.review, self.queue(self.agent, "done"))
        self.assertNotContains(self.client_page(self.agent), "关闭这条评价")

    def test_a_reason_is_needed_and_other_needs_a_note(self):
        response = self.close(self.agent)
        self.assertContains(response, "请选择关闭的原因。", status_code=400)
        response = self.close(self.agent, reason="other")
        self.assertContains(response, "请在备注里写明关闭的原因。", status_code=400)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.NEW)

    def test_a_stale_page_or_a_finished_review_cannot_be_closed(self):
        response = self.close(self.agent, reason="solved", version=self.review.version - 1)
        self.assertEqual(response.status_code, 409)
        self.review.status = Status.REVISED
        self.review.save(update_fields=["status"])
        response = self.close(self.agent, reason="solved")
        self.assertContains(response, "只有未完成的评价才能关闭。", status_code=400)

    def test_only_a_lead_reopens_and_the_review_is_open_work_again(self):
        self.close(self.agent, reason="unreachable")
        url = reverse("review_reopen", args=[self.review.pk])
        response = self.client.post(url, headers=HTMX)  # still the agent
        self.assertContains(response, "只有组长可以重新打开评价。", status_code=403)
        self.assertNotContains(self.client_page(self.agent), "重新打开")
        self.assertContains(self.client_page(self.lead), "重新打开")
        response = self.client.post(url, headers=HTMX)
        self.assertContains(response, "已重新打开")
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.NEW)  # nobody had spoken to the buyer
        self.assertIn(self.review, self.queue(self.agent, ""))

    def test_another_shops_agent_cannot_close_it(self):
        response = self.close(self.outsider, reason="solved")
        self.assertEqual(response.status_code, 404)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.NEW)

    def client_page(self, user):
        self.login(user)
        return self.client.get(reverse("review_detail", args=[self.review.pk]))

    def queue(self, user, lane: str) -> list:
        self.login(user)
        response = self.client.get(reverse("queue"), {"lane": lane} if lane else {})
        return list(response.context["reviews"])
