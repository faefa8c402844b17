"""The classifier's pure text functions: no database, SimpleTestCase speed."""

from decimal import Decimal

from django.test import SimpleTestCase

from reviews.classifier import (
    TRIAGE_THRESHOLD,
    Classification,
    base_model,
    classify,
    classify_many,
    learned,
    normalize,
    rules,
    segment,
    stacked,
)
from reviews.taxonomy import SUBCAUSES_BY_CAUSE


class NormalizeTestCase(SimpleTestCase):
    def test_it_converts_traditional_to_simplified(self):
        self.assertEqual(normalize.normalize("質量太差，快遞員態度惡劣"), "质量太差,快递员态度恶劣")

    def test_it_leaves_simplified_text_alone(self):
        text = "物流很快，但是质量太差"
        self.assertIs(normalize.to_simplified(text), text)

    def test_it_turns_full_width_into_half_width(self):
        self.assertEqual(normalize.to_half_width("ＡＢＣ１２３！？"), "ABC123!?")

    def test_it_tames_repeated_punctuation_and_emoji(self):
        self.assertEqual(normalize.normalize("太差了！！！！😡😡。。。"), "太差了!。")

    def test_it_ends_a_clause_at_a_line_break(self):
        self.assertEqual(
            normalize.normalize("物流很快\n  追评：质量太差\r\n"), "物流很快。追评:质量太差"
        )

    def test_it_counts_shouting_before_taming_it(self):
        self.assertEqual(normalize.exclamations("太差了！！！?"), 4)


class SegmentTestCase(SimpleTestCase):
    def test_it_keeps_domain_words_whole(self):
        tokens = segment.cut("顺丰的快递员漏发了，还有色差，我拍错了")
        for word in ("顺丰", "快递员", "漏发", "色差", "拍错"):
            self.assertIn(word, tokens)

    def test_it_builds_the_tokenizer_once(self):
        self.assertIs(segment.tokenizer(), segment.tokenizer())

    def test_it_leaves_the_global_jieba_alone(self):
        import jieba

        self.assertIsNot(segment.tokenizer(), jieba.dt)


class ClauseTestCase(SimpleTestCase):
    def test_it_splits_at_punctuation_and_contrast(self):
        clauses = rules.split_clauses(segment.cut("物流很快，但是质量太差"))
        self.assertEqual(
            [("".join(toks), contrast) for toks, contrast in clauses],
            [("物流很快", False), ("质量太差", True)],
        )


class CauseTestCase(SimpleTestCase):
    def assertCause(self, text, cause, subcause=None):
        result = classify(text)
        self.assertEqual(result.cause, cause, (text, result))
        if subcause:
            self.assertEqual(result.subcause, subcause, (text, result))
        self.assertIn(result.subcause, SUBCAUSES_BY_CAUSE[result.cause])
        return result

    def test_it_weighs_the_clause_after_a_contrast(self):
        self.assertCause("物流很快，但是质量太差", "product_service", "quality")
        self.assertCause("质量很好，但是快递太慢了", "logistics", "courier_speed")

    def test_it_understands_negation(self):
        self.assertCause("不是质量问题，是快递太慢", "logistics", "courier_speed")
        self.assertCause("不是卖家的问题，是我自己拍错了", "buyer_side", "ordered_wrong")

    def test_it_finds_customer_service_after_就是(self):
        self.assertCause("东西还行就是客服态度差", "product_service", "customer_service")

    def test_it_reads_traditional_input(self):
        self.assertCause("東西還行，就是快遞太慢了，等了一個星期", "logistics", "courier_speed")

    def test_it_knows_the_logistics_family(self):
        self.assertCause("快递员态度恶劣，还骂人", "logistics", "courier_attitude")
        self.assertCause(
            "物流显示已签收，可我根本没收到，被人冒签了", "logistics", "lost_or_misdelivered"
        )
        self.assertCause("等了8天才收到", "logistics", "courier_speed")

    def test_it_knows_the_product_service_family(self):
        self.assertCause("收到的时候屏幕就碎了", "product_service", "damaged")
        self.assertCause(
            "与描述不符，图片是纯棉，实物是化纤", "product_service", "not_as_described"
        )
        self.assertCause(
            "漏发了一件，订单两件只收到一件", "product_service", "wrong_or_missing_item"
        )
        self.assertCause("下单一周了还不发货", "product_service", "shipping_delay")
        self.assertCause("客服一直不回复，问什么都不理人", "product_service", "customer_service")
        self.assertCause("降价了申请保价，客服说不给保价", "product_service", "price")
        self.assertCause("衣服洗了一次就掉色起球", "product_service", "quality")

    def test_it_knows_the_buyer_side_family(self):
        self.assertCause("这本书内容没意思，不喜欢", "buyer_side", "dislike_or_expectation")
        self.assertCause("我自己拍错尺码了", "buyer_side", "ordered_wrong")
        self.assertCause("不好意思点错了，本来想给好评", "buyer_side", "misoperation")
        self.assertCause("刚买完第二天就降价了", "buyer_side", "price_regret")
        self.assertCause("我是差评师，给我一百块钱不然不改", "buyer_side", "malicious")

    def test_it_prefers_the_product_when_both_are_blamed_alike(self):
        # GUIDE.md: product and delivery criticised with equal weight → product_service.
        self.assertCause("快递很慢，衣服质量也很差", "product_service")

    def test_it_calls_an_empty_complaint_unclear(self):
        result = classify("差评")
        self.assertEqual((result.cause, result.subcause), ("unclear", "unclear"))
        self.assertTrue(result.needs_triage)


class SeverityAndFlagsTestCase(SimpleTestCase):
    def test_it_calls_a_mild_remark_minor(self):
        self.assertEqual(classify("有一点点色差，不影响穿").severity, "minor")

    def test_it_calls_threats_and_fakes_serious(self):
        result = classify("卖假货的骗子，我要去12315投诉你们！！！")
        self.assertEqual(result.severity, "serious")
        self.assertIn("complaint_threat", result.flags)

    def test_it_suspects_extortion(self):
        result = classify("给我转两百块钱，不然我天天给你们差评")
        self.assertIn("extortion_suspected", result.flags)
        self.assertEqual(result.subcause, "malicious")

    def test_extortion_is_malicious_even_beside_a_complaint(self):
        # A grumble about quality does not make a red packet for a good review a product fault.
        for text in ("质量一般，返个红包就给好评", "想要好评的话返个红包吧"):
            with self.subTest(text=text):
                result = classify(text)
                self.assertIn("extortion_suspected", result.flags)
                self.assertEqual((result.cause, result.subcause), ("buyer_side", "malicious"))

    def test_it_flags_high_value_orders(self):
        text = "质量太差"
        self.assertIn(
            "high_value",
            classify(text, amount=Decimal("800"), high_value_threshold=Decimal("500")).flags,
        )
        self.assertIn(
            "high_value",
            classify(text, amount=Decimal("500"), high_value_threshold=Decimal("500")).flags,
        )
        self.assertNotIn(
            "high_value",
            classify(text, amount=Decimal("499"), high_value_threshold=Decimal("500")).flags,
        )
        self.assertNotIn("high_value", classify(text).flags)

    def test_it_shows_the_evidence(self):
        result = classify("物流很快，但是质量太差")
        self.assertTrue(result.evidence)
        self.assertTrue(any("质量" in e for e in result.evidence))


class InterfaceTestCase(SimpleTestCase):
    def test_it_returns_the_json_the_commands_print(self):
        result = classify("快递太慢")
        self.assertIsInstance(result, Classification)
        self.assertEqual(
            set(result.as_json()),
            {"cause", "subcause", "severity", "confidence", "flags", "evidence"},
        )
        self.assertTrue(0.0 <= result.confidence <= 1.0)
        self.assertEqual(result.model_version, stacked.base().version)

    def test_it_puts_low_confidence_in_triage(self):
        low = Classification("product_service", "quality", "minor", TRIAGE_THRESHOLD - 0.01)
        high = Classification("product_service", "quality", "minor", TRIAGE_THRESHOLD)
        self.assertTrue(low.needs_triage)
        self.assertFalse(high.needs_triage)

    def test_it_classifies_many_as_one_by_one(self):
        texts = ["快递太慢", "质量太差", "拍错了"]
        self.assertEqual(classify_many(texts), [classify(t) for t in texts])

    def test_it_survives_empty_and_odd_input(self):
        for text in ("", "   ", "!!!", "😡", "a" * 5000):
            self.assertIn(classify(text).cause, SUBCAUSES_BY_CAUSE)

    def test_it_round_trips_a_model_artifact(self):
        model = base_model()
        loaded = learned.LinearModel.from_bytes(model.to_bytes())
        tokens = segment.cut("快递太慢了")
        self.assertEqual(loaded.version, model.version)
        self.assertEqual(loaded.predict(tokens)[0].keys(), model.predict(tokens)[0].keys())
        self.assertAlmostEqual(loaded.predict(tokens)[2], model.predict(tokens)[2], places=4)
