from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from outreach.replies import (
    TEMPLATES,
    Situation,
    attempt_phrase,
    check_reply,
    compose,
    suggest_situation,
)

SH = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


class AttemptPhraseTestCase(SimpleTestCase):
    def test_it_lists_real_attempts_in_shop_time_oldest_first(self):
        evening = datetime(2026, 11, 10, 12, 25, tzinfo=UTC)  # 20:25 in Shanghai
        morning = datetime(2026, 11, 10, 3, 15, tzinfo=UTC)  # 11:15 in Shanghai
        self.assertEqual(attempt_phrase([evening, morning], SH), "10号11:15、10号晚上20:25")

    def test_it_names_the_afternoon(self):
        self.assertEqual(
            attempt_phrase([datetime(2026, 11, 11, 7, 5, tzinfo=UTC)], SH), "11号下午15:05"
        )


class ComposeTestCase(SimpleTestCase):
    def test_it_fills_the_unreachable_template_with_the_attempts(self):
        attempts = [
            datetime(2026, 11, 10, 3, 15, tzinfo=UTC),
            datetime(2026, 11, 10, 12, 25, tzinfo=UTC),
        ]
        text = compose(
            situation=Situation.UNREACHABLE,
            subcause="courier_speed",
            attempts=attempts,
            tz=SH,
            variant=0,
        )
        self.assertIn("10号11:15、10号晚上20:25", text)
        self.assertIn("物流速度", text)
        self.assertNotIn("{", text)

    def test_it_has_several_wordings_per_situation(self):
        for situation, wordings in TEMPLATES.items():
            self.assertGreaterEqual(len(set(wordings)), 3, situation)
        texts = {
            compose(situation=Situation.SOLVED, subcause="quality", attempts=[], tz=SH, variant=v)
            for v in range(3)
        }
        self.assertEqual(len(texts), 3)

    def test_it_never_invents_attempts(self):
        for variant in range(3):
            text = compose(
                situation=Situation.UNREACHABLE,
                subcause="quality",
                attempts=[],
                tz=SH,
                variant=variant,
            )
            self.assertNotIn("号", text)
            self.assertNotIn("{attempts}", text)

    def test_every_template_passes_its_own_checks(self):
        attempts = [datetime(2026, 11, 10, 3, 15, tzinfo=UTC)]
        for situation in TEMPLATES:
            for variant in range(3):
                text = compose(
                    situation=situation,
                    subcause="damaged",
                    attempts=attempts,
                    tz=SH,
                    variant=variant,
                )
                self.assertEqual(check_reply(text, platform="taobao"), [], text)

    def test_it_suggests_a_situation(self):
        self.assertEqual(
            suggest_situation(
                subcause="quality",
                cause="product_service",
                status="unreachable",
                age_days=2,
                attempts=3,
            ),
            Situation.UNREACHABLE,
        )
        self.assertEqual(
            suggest_situation(
                subcause="ordered_wrong",
                cause="buyer_side",
                status="declined",
                age_days=2,
                attempts=1,
            ),
            Situation.MISUNDERSTANDING,
        )
        self.assertEqual(
            suggest_situation(
                subcause="quality", cause="product_service", status="new", age_days=45, attempts=0
            ),
            Situation.HISTORICAL,
        )
        self.assertEqual(
            suggest_situation(
                subcause="quality",
                cause="product_service",
                status="declined",
                age_days=3,
                attempts=1,
            ),
            Situation.SOLVED,
        )


class CheckReplyTestCase(SimpleTestCase):
    def codes(self, text, **kw):
        return [p.code for p in check_reply(text, platform=kw.pop("platform", "taobao"), **kw)]

    def test_it_flags_harsh_sarcastic_or_blaming_wording(self):
        self.assertEqual(
            self.codes("呵呵，您自己不会用还给差评"), ["tone", "tone"]
        )  # blaming + sarcastic
        self.assertIn("tone", self.codes("这是恶意差评"))
        self.assertIn("tone", self.codes("我们已经发货了！！！"))

    def test_it_flags_personal_data(self):
        self.assertEqual(self.codes("请拨打13812345678联系我们"), ["pii_phone"])
        self.assertEqual(self.codes("已寄往浙江省杭州市西湖区"), ["pii_address"])
        self.assertEqual(
            self.codes("订单2024112233445566已处理", order_id="2024112233445566"), ["pii_order"]
        )
        self.assertEqual(self.codes("订单尾号5566已处理", order_id="2024112233445566"), [])

    def test_it_flags_a_phone_number_from_abroad(self):
        for text in (
            "Please call us on +44 20 7946 0958.",
            "Sorry! Call (415) 555-0100 any time.",
        ):
            self.assertEqual(self.codes(text, platform="ebay"), ["pii_phone"], text)

    def test_it_enforces_the_platform_length_limit(self):
        self.assertEqual(self.codes("好" * 501), ["too_long"])
        self.assertEqual(self.codes("抱" * 501, platform="jd"), [])

    def test_it_applies_the_compliance_rule(self):
        self.assertIn("compliance", self.codes("改好评就给您退款"))

    def test_it_refuses_an_empty_reply(self):
        self.assertEqual(self.codes("   "), ["empty"])
