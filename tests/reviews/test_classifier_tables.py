"""The classifier on reviews it has never seen (issue 20): tables written from how buyers
write, measured through the public `classify` and the `classify` command, with the shipped
base model (no /work/shared needed)."""

import json
from io import StringIO

from django.core.management import call_command
from django.test import SimpleTestCase

from reviews.classifier import classify, classify_many

from .chinese_table import CHINESE_REVIEWS, TWO_PARTIES
from .english_table import ENGLISH_REVIEWS


class UnseenChineseReviewsTestCase(SimpleTestCase):
    def test_the_table_is_big_enough_and_covers_every_cause(self):
        causes = [c for _t, c in CHINESE_REVIEWS]
        self.assertGreaterEqual(len(CHINESE_REVIEWS), 60)
        for cause in ("product_service", "logistics", "buyer_side"):
            self.assertGreaterEqual(causes.count(cause), 10, cause)

    def test_most_causes_are_right_and_the_automatic_share_more_so(self):
        results = classify_many([t for t, _c in CHINESE_REVIEWS])
        right = [r.cause == c for r, (_t, c) in zip(results, CHINESE_REVIEWS, strict=True)]
        wrong = [
            (t, c, r.cause, round(r.confidence, 2))
            for r, (t, c) in zip(results, CHINESE_REVIEWS, strict=True)
            if r.cause != c
        ]
        self.assertGreaterEqual(sum(right) / len(right), 0.85, wrong)
        auto = [ok for ok, r in zip(right, results, strict=True) if not r.needs_triage]
        self.assertGreaterEqual(len(auto) / len(right), 0.6)
        self.assertGreaterEqual(sum(auto) / len(auto), 0.93, wrong)

    def test_each_minority_cause_is_mostly_found(self):
        for cause in ("logistics", "buyer_side"):
            rows = [t for t, c in CHINESE_REVIEWS if c == cause]
            found = [r.cause for r in classify_many(rows)].count(cause)
            self.assertGreaterEqual(found / len(rows), 0.8, cause)

    def test_extortion_and_smears_are_malicious_and_flagged(self):
        for text in ("想要好评的话返个红包吧", "不给钱就差评", "返个20块红包我就改好评",
                     "我是同行，你家东西太差了，来我家买吧"):  # fmt: skip
            result = classify(text)
            self.assertEqual((result.cause, result.subcause), ("buyer_side", "malicious"), text)
            self.assertIn("extortion_suspected", result.flags, text)
            self.assertEqual(result.severity, "serious", text)

    def test_a_review_blaming_two_parties_records_the_second(self):
        for text, main, second in TWO_PARTIES:
            result = classify(text)
            self.assertEqual((result.cause, result.second_cause), (main, second), text)
        self.assertEqual(classify("质量太差，用了一次就坏了").second_cause, "")
        self.assertEqual(classify("不是卖家的问题，是我自己拍错了").second_cause, "")


class EnglishReviewsTestCase(SimpleTestCase):
    def test_never_a_confident_wrong_cause(self):
        self.assertGreaterEqual(len(ENGLISH_REVIEWS), 40)
        results = classify_many([t for t, _c in ENGLISH_REVIEWS])
        confident_wrong = [
            (t, c, r.cause)
            for r, (t, c) in zip(results, ENGLISH_REVIEWS, strict=True)
            if not r.needs_triage and r.cause != c
        ]
        self.assertEqual(confident_wrong, [])
        right = sum(
            not r.needs_triage and r.cause == c
            for r, (_t, c) in zip(results, ENGLISH_REVIEWS, strict=True)
        )
        self.assertGreaterEqual(right / len(ENGLISH_REVIEWS), 0.75)

    def test_the_vague_and_the_mixed_go_to_triage(self):
        for text in ("Bad", "meh", "Shipping took forever and the item is junk."):
            result = classify(text)
            self.assertTrue(result.needs_triage, (text, result))
            self.assertEqual(result.cause, "unclear")

    def test_the_command_prints_english_results_with_the_same_keys(self):
        out = StringIO()
        call_command("classify", stdin=StringIO("Item never arrived, USPS lost it\n"), stdout=out)
        line = json.loads(out.getvalue())
        self.assertEqual(
            set(line), {"cause", "subcause", "severity", "confidence", "flags", "evidence"}
        )
        self.assertEqual((line["cause"], line["subcause"]), ("logistics", "lost_or_misdelivered"))
