"""An import run classifies each distinct text once (classifier.Memo): its answers are the
classifier's own, the high-value flag follows each review's amount, and a shop's new model
starts the memo afresh."""

import dataclasses
from decimal import Decimal
from unittest import mock

import reviews.classifier as classifier

from ..base import BaseTestCase

TEXTS = [
    "快递太慢了，等了五天才到",
    "质量太差了，洗了一次就缩水了",
    "快递太慢了，等了五天才到",
    "和描述完全不一样，颜色差很多",
    "质量太差了，洗了一次就缩水了",
    "",
    "快递太慢了，等了五天才到",
]


class ClassifierMemoTestCase(BaseTestCase):
    def test_answers_are_the_classifiers_and_each_text_is_classified_once(self):
        threshold = self.shop.high_value_threshold
        amounts = [Decimal("99"), threshold + 1, threshold + 5, None, Decimal("10"), None, None]
        expected = [
            classifier.classify(
                t, amount=a, high_value_threshold=threshold, shop_id=self.shop.pk
            ).as_json()
            for t, a in zip(TEXTS, amounts, strict=True)
        ]
        memo = classifier.Memo()
        with mock.patch.object(classifier, "classify", wraps=classifier.classify) as spy:
            got = [
                memo.classify(
                    t, amount=a, high_value_threshold=threshold, shop_id=self.shop.pk
                ).as_json()
                for t, a in zip(TEXTS, amounts, strict=True)
            ]
        self.assertEqual(got, expected)
        self.assertIn("high_value", got[1]["flags"])
        self.assertNotIn("high_value", got[0]["flags"])
        # Seven reviews, four distinct texts, two of them seen both high-value and not: six
        # classifications (the last review is the first one's text again, not high-value).
        self.assertEqual(spy.call_count, 6)

    def test_a_new_model_for_the_shop_starts_afresh(self):
        memo = classifier.Memo()
        memo.classify(TEXTS[0], shop_id=self.shop.pk)
        # A retrained model is another object (here with the same weights).
        retrained = dataclasses.replace(classifier.model_for_shop(self.shop.pk))
        with (
            mock.patch.object(classifier, "model_for_shop", return_value=retrained),
            mock.patch.object(classifier, "classify", wraps=classifier.classify) as spy,
        ):
            memo.classify(TEXTS[0], shop_id=self.shop.pk)
            memo.classify(TEXTS[0], shop_id=self.shop.pk)
        self.assertEqual(spy.call_count, 1)  # asked again once, then remembered
        self.assertIs(memo.model, retrained)

    def test_past_its_size_new_texts_are_classified_without_being_kept(self):
        memo = classifier.Memo(size=2)
        for text in TEXTS:
            memo.classify(text, shop_id=self.shop.pk)
        self.assertEqual(len(memo.results), 2)
