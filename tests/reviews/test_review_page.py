from django.urls import reverse

from reviews.models import AuditLog, Correction, EventKind, Platform, ReviewEvent, Role, Shop

from ..base import BaseTestCase


class ReviewPageTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop,
            assigned_to=self.agent,
            followup_text="追评：用了一周还是不行",
            evidence=["质量太差"],
            flags=["complaint_threat"],
            confidence=0.87,
        )
        self.login(self.agent)

    def test_it_shows_the_review_its_followup_order_and_evidence(self):
        response = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(response, "质量太差了，洗了一次就破了")
        self.assertContains(response, "追评：用了一周还是不行")
        self.assertContains(response, self.review.order_id)
        self.assertContains(response, "¥99.00")
        self.assertContains(response, "<li>质量太差</li>", html=True)
        self.assertContains(response, "投诉威胁")
        self.assertContains(response, "87%")

    def test_it_reveals_the_phone_on_demand_and_logs_who_and_when(self):
        url = reverse("review_reveal_phone", args=[self.review.pk])
        response = self.client.post(url, headers={"HX-Request": "true"})
        self.assertContains(response, "13812345678")
        self.assertNotContains(response, "<html")
        log = AuditLog.objects.get(action="phone_revealed")
        self.assertEqual((log.actor, log.shop, log.ip), (self.agent, self.shop, "127.0.0.1"))
        self.assertTrue(
            ReviewEvent.objects.filter(
                review=self.review, actor=self.agent, kind=EventKind.PHONE_REVEALED
            ).exists()
        )

    def test_it_refuses_to_reveal_by_get(self):
        response = self.client.get(reverse("review_reveal_phone", args=[self.review.pk]))
        self.assertEqual(response.status_code, 405)
        self.assertFalse(AuditLog.objects.exists())

    def test_it_needs_the_csrf_token_to_reveal(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.agent)
        response = client.post(reverse("review_reveal_phone", args=[self.review.pk]))
        self.assertEqual(response.status_code, 403)
        self.assertFalse(AuditLog.objects.exists())

    def test_it_corrects_the_classification_in_one_request(self):
        url = reverse("review_correct", args=[self.review.pk])
        response = self.client.post(
            url,
            {"subcause": "courier_speed", "severity": "serious"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="classification"')
        self.review.refresh_from_db()
        self.assertEqual(
            (self.review.cause, self.review.subcause, self.review.severity),
            ("logistics", "courier_speed", "serious"),
        )
        correction = Correction.objects.get()
        self.assertEqual((correction.user, correction.cause), (self.agent, "logistics"))

    def test_it_refuses_a_subcause_that_does_not_exist(self):
        url = reverse("review_correct", args=[self.review.pk])
        response = self.client.post(url, {"subcause": "aliens", "severity": "minor"})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Correction.objects.exists())

    def test_it_runs_a_fixed_number_of_queries_whatever_the_review_holds(self):
        from outreach.models import ContactAttempt, Message, PlannedContact

        url = reverse("review_detail", args=[self.review.pk])
        # 14: the review, its work panel, its timeline, its order with the care call, whether
        # the shop calls through privacy numbers (calls.panel), …, and marking the buyer's SMS
        # answers read.
        with self.assertNumQueries(14) as first:
            self.client.get(url)
        from django.utils import timezone

        for i in range(15):
            ContactAttempt.objects.create(
                review=self.review,
                buyer=self.review.buyer,
                agent=self.agent,
                channel="phone",
                outcome="no_answer",
            )
            Message.objects.create(
                shop=self.shop,
                review=self.review,
                buyer=self.review.buyer,
                kind="persistence",
                channel="sms",
                to="138",
                body="您好",
                idempotency_key=f"k{i}",
            )
            PlannedContact.objects.create(
                shop=self.shop,
                review=self.review,
                buyer=self.review.buyer,
                kind="persistence",
                channel="sms",
                due_at=timezone.now(),
                assigned_to=self.agent,
            )
            ReviewEvent.objects.create(
                review=self.review, kind="note", actor=self.agent, message=f"note {i}"
            )
            ReviewEvent.objects.create(
                review=self.review,
                kind="planned",
                data={"kind": "persistence", "due_at": timezone.now().isoformat()},
            )
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(url)
        self.assertContains(response, "note 14")


class AgreedButtonTestCase(BaseTestCase):
    """「同意修改」 only where the buyer can revise: on Tmall and JD it could only fail."""

    def page(self, platform: str, **review_fields):
        n = Shop.objects.count()
        shop = Shop.objects.create(name=f"{platform} 店 {n}", slug=f"s-{n}", platform=platform)
        agent = self.make_user(f"agent-{n}", shop, Role.AGENT)
        review = self.make_review(shop, assigned_to=agent, **review_fields)
        self.login(agent)
        return self.client.get(reverse("review_detail", args=[review.pk]))

    def test_it_offers_the_agreed_button_and_time_on_taobao(self):
        response = self.page(Platform.TAOBAO)
        self.assertContains(response, 'name="outcome" value="agreed"')
        self.assertContains(response, 'name="agreed_at"')
        self.assertContains(response, "data-key-followup")

    def test_it_hides_them_on_tmall_and_jd(self):
        for platform in (Platform.TMALL, Platform.JD):
            with self.subTest(platform):
                response = self.page(platform)
                self.assertContains(response, 'name="outcome" value="no_answer"')
                self.assertNotContains(response, 'value="agreed"')
                self.assertNotContains(response, 'name="agreed_at"')
                self.assertNotContains(response, "data-key-followup")  # so `f` finds nothing
                self.assertContains(response, "该平台的评价无法修改")  # the page says why

    def test_on_ebay_only_within_30_days_of_the_feedback(self):
        from datetime import timedelta

        from django.utils import timezone

        response = self.page(Platform.EBAY, reviewed_at=timezone.now() - timedelta(days=29))
        self.assertContains(response, 'name="outcome" value="agreed"')
        response = self.page(Platform.EBAY, reviewed_at=timezone.now() - timedelta(days=31))
        self.assertNotContains(response, 'value="agreed"')
        self.assertNotContains(response, "data-key-followup")
        self.assertContains(response, "请求买家修改评价的期限已于")
