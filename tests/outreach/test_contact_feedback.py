"""What the review page says after a contact is logged: that a next step is planned only
when the contact planned one (over HTTP with the htmx header, as the page posts)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from reviews.models import Platform, Role, Shop

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}
PLANNED = "已保存，下一步已安排。"
SAVED = '<p class="msg msg-success" role="status">已保存。</p>'


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class ContactFeedbackTestCase(BaseTestCase):
    def contact(self, review, agent, **data):
        self.login(agent)
        data = {"version": review.version, "channel": "phone", **data}
        return self.client.post(reverse("review_contact", args=[review.pk]), data, headers=HTMX)

    def review_on(self, platform: str):
        shop = Shop.objects.create(name=f"{platform} 店", slug=f"s-{platform}", platform=platform)
        agent = self.make_user(f"agent-{platform}", shop, Role.AGENT)
        return self.make_review(shop, assigned_to=agent), agent

    def test_reached_in_progress_plans_nothing_and_says_only_saved(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        response = self.contact(review, self.agent, outcome="reached")
        self.assertContains(response, SAVED)
        self.assertNotContains(response, PLANNED)

    def test_solved_plans_nothing_on_taobao_jd_and_ebay(self):
        for platform in (Platform.TAOBAO, Platform.JD, Platform.EBAY):
            with self.subTest(platform):
                review, agent = self.review_on(platform)
                response = self.contact(review, agent, outcome="solved")
                self.assertContains(response, SAVED)
                self.assertNotContains(response, PLANNED)

    def test_solved_on_tmall_asks_for_a_followup_review_and_says_so(self):
        review, agent = self.review_on(Platform.TMALL)
        response = self.contact(review, agent, outcome="solved")
        self.assertContains(response, PLANNED)
        self.assertContains(response, "msg-success")

    def test_no_answer_and_agreed_plan_the_next_step_and_say_so(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.assertContains(self.contact(review, self.agent, outcome="no_answer"), PLANNED)
        review.refresh_from_db()
        response = self.contact(review, self.agent, outcome="agreed", agreed_at="今晚 20:15")
        self.assertContains(response, PLANNED)

    def test_a_second_reached_after_no_answer_does_not_claim_the_old_plan_as_new(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.contact(review, self.agent, outcome="no_answer")  # plans the next try
        review.refresh_from_db()
        response = self.contact(review, self.agent, outcome="reached")
        self.assertContains(response, SAVED)

    def test_a_plain_form_post_says_it_on_the_reloaded_page(self):
        """Without htmx the form posts and the page reloads: the message must survive it."""
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.login(self.agent)
        response = self.client.post(
            reverse("review_contact", args=[review.pk]),
            {"version": review.version, "channel": "phone", "outcome": "no_answer"},
            follow=True,
        )
        self.assertRedirects(response, reverse("review_detail", args=[review.pk]))
        self.assertContains(response, PLANNED)
