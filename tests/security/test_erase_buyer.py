"""`manage.py erase_buyer`: a buyer's personal data goes, the shop's figures stay."""

import dataclasses
import re
import shutil
import tempfile
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext

from outreach.models import ContactAttempt, Message, PlannedContact, Reply
from reports import figures, rollups
from reviews import services
from reviews.classifier import classify, learned
from reviews.models import (
    AuditLog,
    Buyer,
    ClassifierModel,
    Correction,
    ImportBatch,
    ImportRowError,
    KeyKind,
    Review,
    ReviewEvent,
    Status,
)

from ..base import BaseTestCase

NICK = "小红帽2024"
PHONE = "13812345678"
ADDRESS = "北京市朝阳区建国路88号3栋201室"


class EraseBuyerTestCase(BaseTestCase):
    def setUp(self):
        # Uploads of its own: erasure removes a shop's leftover uploads, and other tests (or
        # earlier runs) leave files in the shared media folder under the same shop slug.
        media = self.enterContext(tempfile.TemporaryDirectory())
        self.enterContext(override_settings(MEDIA_ROOT=media))
        now = timezone.now()
        self.buyer = Buyer.objects.create(
            shop=self.shop, nick=NICK, phone=PHONE, timezone="Asia/Shanghai"
        )
        self.review = self.make_review(
            self.shop,
            buyer=self.buyer,
            assigned_to=self.agent,
            text=f"快递太慢了，送到{ADDRESS}用了一周，有事打{PHONE}",
            followup_text="追评：客服让我加微信 139 1234 5678",
            tracking_no="SF1234567890",
            courier="顺丰",
            status=Status.CONTACTING,
            reviewed_at=now - timedelta(days=2),
        )
        self.keyed = self.make_review(
            self.shop,
            buyer=self.buyer,
            external_key=f"obt:20240001:{NICK}:2024-05-01T10:00",
            key_kind=KeyKind.ORDER_BUYER_TIME,
            text="质量一般",
            status=Status.REVISED,
            reviewed_at=now - timedelta(days=1),
        )
        Correction.objects.create(
            review=self.review, shop=self.shop, user=self.agent, text=self.review.text,
            cause="logistics", subcause="courier_speed", severity="minor",
        )  # fmt: skip
        ReviewEvent.objects.create(
            review=self.review, kind="note", message=f"买家说改打 {PHONE}", data={"said": ADDRESS}
        )
        ContactAttempt.objects.create(
            review=self.review, buyer=self.buyer, agent=self.agent, channel="phone",
            outcome="agreed", note=f"{NICK} 同意今晚修改，地址 {ADDRESS}",
        )  # fmt: skip
        self.planned = PlannedContact.objects.create(
            shop=self.shop, review=self.review, buyer=self.buyer, kind="revise_followup",
            channel="phone", due_at=now + timedelta(days=1), body=f"提醒{NICK}修改评价",
        )  # fmt: skip
        self.message = Message.objects.create(
            shop=self.shop, review=self.review, buyer=self.buyer, kind="reminder_sms",
            channel="sms", to=PHONE, body=f"{NICK}您好，感谢支持", state="sent", sent_at=now,
            provider_id="900000^1", idempotency_key="erase-test-1",
        )  # fmt: skip
        Reply.objects.create(shop=self.shop, review=self.keyed, text=f"感谢{NICK}的反馈")
        batch = ImportBatch.objects.create(shop=self.shop, source="file", platform="taobao")
        self.error = ImportRowError.objects.create(
            batch=batch, row=7, column="rating", reason="bad", raw=f"好评?,{NICK},{PHONE},顺丰"
        )
        # Another buyer of the shop, who asked for nothing.
        self.other = self.make_review(
            self.shop, nick="路人甲", text=f"打{PHONE}没人接", reviewed_at=now - timedelta(days=2)
        )

    def erase(self, *args, **kwargs) -> str:
        out = StringIO()
        call_command("erase_buyer", *args, stdout=out, **kwargs)
        return out.getvalue()

    def figures(self):
        today = timezone.localdate(timezone=self.shop.tz)
        rng = figures.DateRange(today - timedelta(days=6), today)
        rollups.refresh()  # what beat runs every minute: the figures as the page shows them
        report = figures.build_report([self.shop], rng, "day")
        self.assertEqual(report.total["handled"], 3)  # figures worth comparing
        return {
            f.name: getattr(report, f.name)
            for f in dataclasses.fields(report)
            if f.name not in ("shops", "as_of")
        }

    def assertNoPersonalData(self):
        texts = [
            *Review.objects.filter(buyer=self.buyer).values_list(
                "text", "followup_text", "external_key", "tracking_no"
            ),
            *Correction.objects.values_list("text"),
            *ReviewEvent.objects.filter(review__buyer=self.buyer).values_list("message", "data"),
            *ContactAttempt.objects.values_list("note"),
            *PlannedContact.objects.values_list("body"),
            *Message.objects.values_list("to", "body"),
            *Reply.objects.values_list("text"),
            *ImportRowError.objects.values_list("raw"),
            *AuditLog.objects.values_list("target", "data"),
            *Buyer.objects.filter(pk=self.buyer.pk).values_list("nick", "phone"),
        ]
        blob = str(texts)
        for secret in (NICK, PHONE, "13912345678", "139 1234 5678", "建国路88号", "SF1234567890"):
            self.assertNotIn(secret, blob)

    def test_it_erases_the_buyers_personal_data_and_keeps_every_figure(self):
        before = self.figures()
        out = self.erase("alpha", "--nick", NICK, "--reason", "工单 #42")
        self.assertIn(f"erased-{self.buyer.pk}", out)
        self.assertNoPersonalData()
        self.review.refresh_from_db()
        self.assertEqual(self.review.text, "快递太慢了，[地址已删除]用了一周，有事打[电话已删除]")
        self.assertEqual(self.review.followup_text, "追评：客服让我加微信 [电话已删除]")
        # The statistics: same review, same cause, status, dates and figures.
        self.assertEqual(
            (self.review.status, self.review.courier, self.review.amount),
            (Status.CONTACTING, "顺丰", Decimal("99.00")),
        )
        self.assertEqual(self.figures(), before)
        self.assertEqual(ContactAttempt.objects.get().outcome, "agreed")
        # Nobody calls them again: there is no number left, and pending outreach stops.
        self.buyer.refresh_from_db()
        self.assertIsNotNone(self.buyer.do_not_contact_at)
        self.planned.refresh_from_db()
        self.assertEqual(self.planned.state, "cancelled")
        # The other buyer's review is theirs, untouched.
        self.other.refresh_from_db()
        self.assertIn(PHONE, self.other.text)
        line = AuditLog.objects.get(action="buyer_erased")
        self.assertEqual((line.shop, line.target), (self.shop, f"buyer:{self.buyer.pk}"))
        self.assertEqual(line.data["reason"], "工单 #42")
        self.assertGreater(line.data["changed"]["reviews"], 0)

    def test_it_is_idempotent(self):
        self.erase("alpha", "--buyer-id", str(self.buyer.pk))
        state = list(Review.objects.order_by("pk").values()), list(Message.objects.values())
        again = self.erase("alpha", "--buyer-id", str(self.buyer.pk))
        self.assertIn("无需处理", again)
        by_nick = self.erase("alpha", "--nick", NICK)
        self.assertIn("已于", by_nick)
        self.assertIn(f"buyer:{self.buyer.pk}", by_nick)
        self.assertEqual(
            (list(Review.objects.order_by("pk").values()), list(Message.objects.values())), state
        )
        self.assertEqual(AuditLog.objects.filter(action="buyer_erased").count(), 1)

    def test_a_dry_run_counts_and_changes_nothing(self):
        out = self.erase("alpha", "--nick", NICK, "--dry-run")
        self.assertIn("试运行", out)
        self.buyer.refresh_from_db()
        self.assertEqual((self.buyer.nick, self.buyer.phone), (NICK, PHONE))
        self.assertIn(PHONE, Review.objects.get(pk=self.review.pk).text)
        self.assertEqual(Message.objects.get().to, PHONE)
        self.assertFalse(AuditLog.objects.exists())

    def test_it_refuses_ambiguous_or_wrong_input_and_erases_nothing(self):
        Buyer.objects.create(shop=self.shop, nick="小红帽2025")
        bravo_buyer = Buyer.objects.create(shop=self.other_shop, nick=NICK, phone=PHONE)
        cases = [
            (("nowhere", "--nick", NICK), "nowhere"),
            (("alpha", "--nick", "小红帽"), "小红帽2025"),  # only nearly: both are listed
            (("alpha", "--nick", " 小红帽2024 "), f"#{self.buyer.pk}"),
            (("alpha", "--nick", "陌生人"), "陌生人"),
            (("alpha", "--buyer-id", str(bravo_buyer.pk)), "bravo"),
            (("alpha", "--buyer-id", "999999"), "999999"),
            (("alpha", "--nick", ""), "昵称"),
        ]
        for args, expected in cases:
            with self.subTest(args=args), self.assertRaises(CommandError) as caught:
                self.erase(*args)
            self.assertIn(expected, str(caught.exception))
        with self.assertRaises(CommandError):
            self.erase("alpha", "--nick", NICK, "--buyer-id", str(self.buyer.pk))
        with self.assertRaises(CommandError):
            self.erase("alpha")
        self.assertEqual(Buyer.objects.get(pk=self.buyer.pk).nick, NICK)
        self.assertEqual(Buyer.objects.get(pk=bravo_buyer.pk).phone, PHONE)
        self.assertFalse(AuditLog.objects.filter(action="buyer_erased").exists())


class ErasureLeavesNoCopiesTestCase(BaseTestCase):
    """What the shop's files and models took from the buyer's text goes with the erasure."""

    TEXT = f"箱子被快递压扁了，里面的盒子也变形了，{NICK}很生气"
    OTHERS = [
        "快递把箱子压扁了，外包装都烂了",
        "外箱被压扁，快递太粗暴了",
        "箱子压扁了，明显是快递扔的",
        "纸箱被快递压得扁扁的",
        "快递压扁了箱子",
    ]

    def setUp(self):
        self.media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media)
        override.enable()
        self.addCleanup(override.disable)
        self.buyer = Buyer.objects.create(shop=self.shop, nick=NICK, phone=PHONE)
        self.review = self.make_review(self.shop, buyer=self.buyer, text=self.TEXT)
        self.other_reviews = [self.make_review(self.shop, text=t) for t in self.OTHERS]

    def erase(self, *args) -> str:
        out = StringIO()
        # Files go and the model cache is forgotten once the erasure commits.
        with self.captureOnCommitCallbacks(execute=True):
            call_command("erase_buyer", "alpha", "--nick", NICK, *args, stdout=out)
        return out.getvalue()

    def correct(self, review):
        services.review_classify(review=review)
        services.review_correct(
            review=review,
            user=self.agent,
            cause="logistics",
            subcause="logistics_other",
            severity="minor",
        )

    def upload(self, name: str, status: str, *, shop=None) -> Path:
        shop = shop or self.shop
        relative = f"imports/{shop.slug}/{name}"
        path = Path(self.media) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"买家昵称,手机,评价\n{NICK},{PHONE},{self.TEXT}\n")
        ImportBatch.objects.create(
            shop=shop, source="file", platform="taobao", status=status, path=relative
        )
        return path

    def test_it_removes_the_uploads_that_may_hold_their_rows(self):
        failed = self.upload("failed.csv", "failed")
        done = self.upload("done.csv", "done")
        waiting = self.upload("waiting.csv", "pending")
        elsewhere = self.upload("bravo.csv", "failed", shop=self.other_shop)

        dry = self.erase("--dry-run")
        self.assertTrue(failed.exists() and done.exists())
        self.assertIn(f"{gettext('uploaded files')} 2", dry)

        self.erase()
        self.assertFalse(failed.exists())
        self.assertFalse(done.exists())
        # An import still waiting on its file removes it when it finishes, skipping their rows.
        self.assertTrue(waiting.exists())
        self.assertTrue(elsewhere.exists())

    def test_it_leaves_no_trace_of_their_text_in_models_or_evidence(self):
        self.correct(self.review)
        for review in self.other_reviews:
            self.correct(review)
        trained = services.classifier_retrain(shop=self.shop)
        self.assertIsNotNone(trained)

        self.erase()

        self.assertFalse(ClassifierModel.objects.filter(shop=self.shop).exists())
        self.assertFalse(Correction.objects.filter(review=self.review).exists())
        # The shop's other corrections are learned again at the next retraining, without them.
        self.assertEqual(set(Correction.objects.values_list("trained_into", flat=True)), {""})
        rebuilt = services.classifier_retrain(shop=self.shop)
        self.assertEqual(rebuilt.n_corrections, len(self.OTHERS))
        model = learned.LinearModel.from_bytes(bytes(rebuilt.artifact))
        self.assertNotIn(NICK, model.vocab)
        # A review like theirs shows its own words as evidence, nothing of theirs.
        text = "箱子被快递压扁了，外箱变形"
        result = classify(text, shop_id=self.shop.pk)
        self.assertEqual(result.model_version, rebuilt.version)
        for item in result.evidence:
            for word in re.findall(r"[\u4e00-\u9fff]+", item):
                self.assertIn(word, text)

    def test_a_model_trained_before_their_corrections_stays(self):
        for review in self.other_reviews:
            self.correct(review)
        before = services.classifier_retrain(shop=self.shop)
        self.correct(self.review)
        self.erase()
        self.assertEqual(list(ClassifierModel.objects.filter(shop=self.shop)), [before])
        self.assertEqual(Correction.objects.filter(trained_into="").count(), 0)
