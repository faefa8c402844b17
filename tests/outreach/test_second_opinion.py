"""The compliance check's learned second opinion: it catches what the rules have not seen,
never speaks about a message that names, asks for or promises nothing for a review, and is the model
its command builds from the labelled messages."""

import io
import tempfile
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase
from django.utils import translation

from outreach import second_opinion
from outreach.wording import compliance_problem


class SecondOpinionTestCase(SimpleTestCase):
    def problem(self, text: str) -> str | None:
        with translation.override("en"):
            return compliance_problem(text)

    def test_it_refuses_a_trade_in_words_the_rules_do_not_know(self):
        # 调一调 (adjust) the review for 好东西 (something good): no reward the rules know.
        text = "评价那边您帮忙调一调，我这边给您申请点好东西"
        reason = self.problem(text)
        self.assertIsNotNone(reason)
        self.assertTrue(reason.startswith("Reads like a reward offered for the review"), reason)
        # It names where it saw the review: a stretch around 评.
        self.assertRegex(reason, r"「[^」]*评[^」]*」")

    def test_the_reason_is_in_chinese_by_default(self):
        with translation.override("zh-hans"):
            reason = compliance_problem("评价那边您帮忙调一调，我这边给您申请点好东西")
        self.assertIn("读起来像是以奖励换评价", reason)

    def test_it_says_nothing_about_a_message_without_any_cue(self):
        # The model alone reads 好好好… as a trade; without a review named, asked for or
        # promised for, it is not asked (满两件送小礼物 names a reward and nothing else).
        self.assertGreater(second_opinion.trade_probability("好" * 501), 0.9)
        self.assertIsNone(self.problem("好" * 501))
        self.assertIsNone(self.problem("好的，明天下午给您回电话"))
        self.assertIsNone(self.problem("亲，下单满两件送小礼物一份，数量有限送完即止"))

    def test_it_passes_ordinary_messages_that_name_a_reward(self):
        for text in (
            "对不起，给您退了20元运费，祝您生活愉快",
            "东西质量问题我们全额退款，评价您随意",
            "您好，您的追评我们看到了，已经安排补发",
            "We have issued a full refund for the cracked mug. Sorry for the trouble.",
        ):
            with self.subTest(text=text):
                self.assertIsNone(self.problem(text))

    def test_it_passes_a_link_the_rules_saw_when_the_message_disowns_it(self):
        # The rules tie the refund to the review across the comma; the message says the two
        # are unrelated in words they could not attach to the right clause.
        for text in (
            "补偿款已经到账了，跟您写什么评价没有挂钩，您安心用",
            "评价按您真实感受写，退款已经给您原路退回了",
        ):
            with self.subTest(text=text):
                self.assertIsNone(self.problem(text))

    def test_a_disclaimer_does_not_pass_a_trade(self):
        for text in (
            "别信骗子，我们才是官方客服：好评截图发我领5元红包",
            "您自愿的哈，改成五星后我们再给您返10元",
            "与评价无关哈，不过改了好评另有惊喜",
        ):
            with self.subTest(text=text):
                self.assertIsNotNone(self.problem(text))


class TrainCommandTestCase(SimpleTestCase):
    def test_the_shipped_model_is_what_the_labelled_messages_give(self):
        out = io.StringIO()
        call_command("train_compliance_model", "--check", stdout=out)
        self.assertIn("matches its", out.getvalue())

    def test_the_check_fails_on_a_model_that_differs(self):
        shipped = second_opinion.MODEL.read_text(encoding="utf-8")
        with tempfile.TemporaryDirectory() as tmp:
            altered = Path(tmp) / "compliance_model.json"
            altered.write_text(shipped.replace('"intercept": ', '"intercept": 1'), "utf-8")
            with (
                mock.patch.object(second_opinion, "MODEL", altered),
                self.assertRaisesMessage(CommandError, "run `python manage.py"),
            ):
                call_command("train_compliance_model", "--check", stdout=io.StringIO())

    def test_the_model_holds_weights_not_messages(self):
        data = second_opinion._model()
        self.assertLessEqual(max(len(term) for term in data["terms"]), 3)
        self.assertGreater(len(data["terms"]), 1000)
