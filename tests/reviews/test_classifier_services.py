import io
import re

import numpy as np
from django.core.exceptions import ValidationError

from reviews import services
from reviews.classifier import classify, stacked, store
from reviews.models import AuditLog, ClassifierModel, Correction, EventKind
from reviews.tasks import retrain_classifiers_task

from ..base import BaseTestCase


class ReviewClassifyTestCase(BaseTestCase):
    def test_it_stores_the_classification_and_an_event(self):
        review = self.make_review(self.shop, text="物流很快，但是质量太差，我要投诉", amount=900)
        services.review_classify(review=review)
        review.refresh_from_db()
        self.assertEqual((review.cause, review.subcause), ("product_service", "quality"))
        self.assertEqual(review.severity, "serious")
        self.assertIn("complaint_threat", review.flags)
        self.assertIn("high_value", review.flags)  # the shop's threshold is 500
        self.assertTrue(review.evidence)
        self.assertEqual(review.model_version, stacked.base().version)
        self.assertIsNotNone(review.classified_at)
        self.assertFalse(review.needs_triage)
        event = review.events.get(kind=EventKind.CLASSIFIED)
        self.assertEqual(event.data["cause"], "product_service")

    def test_it_sends_an_empty_complaint_to_triage(self):
        review = self.make_review(self.shop, text="差评")
        services.review_classify(review=review)
        review.refresh_from_db()
        self.assertTrue(review.needs_triage)


class ReviewCorrectTestCase(BaseTestCase):
    def test_it_records_the_correction_with_who_and_before(self):
        review = self.make_review(self.shop, text="质量太差了")
        services.review_classify(review=review)
        correction = services.review_correct(
            review=review,
            user=self.agent,
            cause="logistics",
            subcause="courier_speed",
            severity="minor",
        )
        review.refresh_from_db()
        self.assertEqual(
            (review.cause, review.subcause, review.severity),
            ("logistics", "courier_speed", "minor"),
        )
        self.assertEqual(review.confidence, 1.0)
        self.assertEqual(correction.user, self.agent)
        self.assertEqual(correction.previous["cause"], "product_service")
        self.assertEqual(correction.trained_into, "")
        self.assertTrue(review.events.filter(kind=EventKind.CORRECTED, actor=self.agent).exists())
        self.assertTrue(
            AuditLog.objects.filter(action="classification_corrected", actor=self.agent).exists()
        )

    def test_it_refuses_a_subcause_of_another_cause(self):
        review = self.make_review(self.shop)
        with self.assertRaises(ValidationError):
            services.review_correct(
                review=review,
                user=self.agent,
                cause="logistics",
                subcause="quality",
                severity="minor",
            )
        self.assertFalse(Correction.objects.exists())


class RetrainTestCase(BaseTestCase):
    # In this shop, a buyer who says the box was "squashed by the courier" blames the carrier:
    # the agents keep correcting it to logistics.
    TEXTS = [
        "箱子被快递压扁了，里面的盒子也变形了",
        "快递把箱子压扁了，外包装都烂了",
        "外箱被压扁，快递太粗暴了",
        "箱子压扁了，明显是快递扔的",
        "纸箱被快递压得扁扁的",
    ]
    NEXT = "箱子被快递压扁了，盒子变形"

    def correct_all(self):
        for text in self.TEXTS:
            review = self.make_review(self.shop, text=text)
            services.review_classify(review=review)
            services.review_correct(
                review=review,
                user=self.agent,
                cause="logistics",
                subcause="logistics_other",
                severity="minor",
            )

    def test_it_waits_for_enough_corrections(self):
        review = self.make_review(self.shop, text=self.TEXTS[0])
        services.review_correct(
            review=review,
            user=self.agent,
            cause="logistics",
            subcause="logistics_other",
            severity="minor",
        )
        self.assertIsNone(services.classifier_retrain(shop=self.shop))
        self.assertEqual(retrain_classifiers_task(), [])
        self.assertFalse(ClassifierModel.objects.exists())

    def test_it_learns_from_the_agents(self):
        self.assertNotEqual(classify(self.NEXT, shop_id=self.shop.pk).cause, "logistics")
        self.correct_all()

        versions = retrain_classifiers_task()

        stored = ClassifierModel.objects.get(shop=self.shop, is_active=True)
        self.assertEqual(versions, [stored.version])
        self.assertEqual(stored.n_corrections, 5)
        self.assertEqual(
            set(Correction.objects.values_list("trained_into", flat=True)), {stored.version}
        )
        review = self.make_review(self.shop, text=self.NEXT)
        result = services.review_classify(review=review)
        self.assertEqual((result.cause, result.subcause), ("logistics", "logistics_other"))
        self.assertEqual(result.model_version, stored.version)
        # The other shop keeps the base model.
        self.assertEqual(
            classify(self.NEXT, shop_id=self.other_shop.pk).model_version, stacked.base().version
        )
        # Nothing new: nothing to retrain.
        self.assertEqual(retrain_classifiers_task(), [])

    def test_a_second_retrain_replaces_the_active_model(self):
        self.correct_all()
        first = services.classifier_retrain(shop=self.shop)
        self.correct_all()
        second = services.classifier_retrain(shop=self.shop)
        self.assertNotEqual(first.version, second.version)
        self.assertEqual(ClassifierModel.objects.get(shop=self.shop, is_active=True), second)
        self.assertEqual(second.n_corrections, 10)

    def test_a_broken_model_falls_back_to_the_base_model(self):
        ClassifierModel.objects.create(
            shop=self.shop, version="shop-broken", artifact=b"not a model"
        )
        store.forget(self.shop.pk)
        with self.assertLogs("reviews.classifier.store", "ERROR"):
            result = classify(self.NEXT, shop_id=self.shop.pk)
        self.assertEqual(result.model_version, stacked.base().version)


class CorrectionsStayWithTheirReviewTestCase(BaseTestCase):
    """A model learns from corrections as weights and word counts, never as text: evidence an
    agent reads comes only from the review in front of them."""

    TEXTS, NEXT = RetrainTestCase.TEXTS, RetrainTestCase.NEXT
    correct_all = RetrainTestCase.correct_all

    def test_a_corrected_reviews_words_never_appear_in_another_reviews_evidence(self):
        self.correct_all()
        stored = services.classifier_retrain(shop=self.shop)
        review = self.make_review(self.shop, text=self.NEXT)
        result = services.review_classify(review=review)
        self.assertEqual(result.model_version, stored.version)
        self.assertTrue(result.evidence)
        for item in result.evidence:
            for word in re.findall(r"[\u4e00-\u9fff]+", item):
                self.assertIn(word, self.NEXT, result.evidence)

    def test_the_stored_model_holds_no_text_of_the_corrections(self):
        self.correct_all()
        stored = services.classifier_retrain(shop=self.shop)
        with np.load(io.BytesIO(bytes(stored.artifact)), allow_pickle=False) as arrays:
            strings = [
                str(value)
                for name in arrays.files
                if arrays[name].dtype.kind == "U"
                for value in arrays[name].ravel().tolist()
            ]
        for text in self.TEXTS:
            for clause in re.split(r"[，。]", text):
                self.assertFalse([s for s in strings if clause in s], clause)
