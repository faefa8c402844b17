"""Issue 20 through the public surface: the second cause stored, shown on the review page and
counted in the reports; a retrained shop model that is worse on held-out data kept back as a
candidate with its reason on the lead's page, made live or rolled back there."""

from django.urls import reverse

from reviews import services
from reviews.classifier import classify, gate, stacked, store
from reviews.models import AuditLog, ClassifierModel

from ..base import BaseTestCase
from .test_classifier_services import RetrainTestCase

TWO = "快递慢得要死，等了十天，而且质量也很差，用了一次就坏了"


class SecondCauseTestCase(BaseTestCase):
    def test_it_is_stored_and_shown_to_the_agent(self):
        review = self.make_review(self.shop, text=TWO)
        services.review_classify(review=review)
        review.refresh_from_db()
        self.assertEqual((review.cause, review.second_cause), ("logistics", "product_service"))
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(response, 'class="second-cause"')

    def test_one_party_blamed_leaves_it_blank_and_the_page_quiet(self):
        review = self.make_review(self.shop, text="质量太差，用了一次就坏了")
        services.review_classify(review=review)
        review.refresh_from_db()
        self.assertEqual(review.second_cause, "")
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertNotContains(response, 'class="second-cause"')

    def test_the_reports_count_reviews_by_main_and_second_cause(self):
        from django.utils import timezone

        today = timezone.localdate()
        for text in (TWO, TWO, "质量太差，用了一次就坏了"):
            services.review_classify(review=self.make_review(self.shop, text=text))
        services.review_classify(review=self.make_review(self.other_shop, text=TWO))
        self.login(self.manager)
        response = self.client.get(
            reverse("reports"), {"from": today.isoformat(), "to": today.isoformat()}
        )
        self.assertEqual(response.status_code, 200)
        table = response.context["tables"]["second_causes"]
        self.assertEqual([row[2] for row in table.rows], [2])  # the other shop's is not here
        self.assertContains(response, table.title)


class RetrainGateTestCase(BaseTestCase):
    TEXTS, NEXT = RetrainTestCase.TEXTS, RetrainTestCase.NEXT
    correct_all = RetrainTestCase.correct_all

    def test_a_model_not_worse_goes_live_with_its_held_out_figures(self):
        self.correct_all()
        stored = services.classifier_retrain(shop=self.shop)
        self.assertTrue(stored.is_active)
        self.assertEqual(stored.metrics["status"], "live")
        self.assertEqual(stored.metrics["heldout_new_corrections"], 5)
        self.assertGreater(stored.metrics["heldout_base_examples"], 1000)

    def test_a_worse_model_stays_a_candidate_until_the_lead_makes_it_live(self):
        # Demand more than any model can give on the shipped examples: the candidate loses.
        strict = {"new": 0.0, "base": -1.0}
        old, gate.TOLERANCE = gate.TOLERANCE, strict
        try:
            self.correct_all()
            stored = services.classifier_retrain(shop=self.shop)
        finally:
            gate.TOLERANCE = old
        self.assertFalse(stored.is_active)
        self.assertEqual(stored.metrics["status"], "candidate")
        self.assertIn("shipped examples", stored.metrics["reason"])
        store.forget(self.shop.pk)
        self.assertEqual(classify(self.NEXT, shop_id=self.shop.pk).model_version,
                         stacked.base().version)  # fmt: skip

        self.login(self.lead)
        page = self.client.get(reverse("classifier_models"), {"shop": self.shop.slug})
        self.assertEqual(stored.metrics["worse_on"], ["base"])
        reason = page.context["models"][0].kept_back_because
        self.assertIn(f"{100 * stored.metrics['heldout_base_accuracy_candidate']:.1f}%", reason)
        self.assertContains(page, 'class="candidate"')

        response = self.client.post(
            reverse("classifier_activate"), {"shop": self.shop.slug, "version": stored.version}
        )
        self.assertEqual(response.status_code, 302)
        stored.refresh_from_db()
        self.assertTrue(stored.is_active)
        self.assertEqual(classify(self.NEXT, shop_id=self.shop.pk).model_version, stored.version)
        self.assertTrue(
            AuditLog.objects.filter(action="classifier_activated", actor=self.lead).exists()
        )

        # Roll back to the base model.
        self.client.post(reverse("classifier_activate"), {"shop": self.shop.slug, "version": ""})
        self.assertFalse(ClassifierModel.objects.filter(shop=self.shop, is_active=True).exists())
        self.assertEqual(
            classify(self.NEXT, shop_id=self.shop.pk).model_version, stacked.base().version
        )

    def test_an_agent_cannot_change_the_shops_model(self):
        self.login(self.agent)
        response = self.client.post(
            reverse("classifier_activate"), {"shop": self.shop.slug, "version": ""}
        )
        self.assertIn(response.status_code, (403, 404))
        response = self.client.get(reverse("classifier_models"), {"shop": self.shop.slug})
        self.assertIn(response.status_code, (403, 404))
