"""An erased buyer stays erased: a later import of an old export (command line or upload) or a
webhook replay skips their rows dated up to the erasure and keeps nothing of them; a newer
review of theirs is stored with a buyer who is not to be contacted."""

import csv
import io
import json
import shutil
import tempfile
from datetime import datetime
from io import StringIO
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from outreach.models import PlannedContact
from reviews import services
from reviews.api import signed_headers
from reviews.erasure import nick_digest, tombstones_from_audit
from reviews.models import (
    AuditLog,
    Buyer,
    ErasedBuyer,
    ImportBatch,
    ImportRowError,
    PositiveReview,
    Review,
    ReviewEvent,
)
from reviews.tasks import handoff_task, import_batch_task

from ..base import BaseTestCase
from ..reviews.ingest_support import FakeClassifierMixin

SHANGHAI = ZoneInfo("Asia/Shanghai")
NICK = "小红帽2024"
PHONE = "13812345678"
OTHER_PHONE = "13900001111"
BEFORE = datetime(2026, 10, 31, 9, 0, tzinfo=SHANGHAI)  # the first import
ERASED = datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI)  # the buyer's request is carried out
LATER = datetime(2026, 11, 12, 9, 0, tzinfo=SHANGHAI)  # the old export comes in again
SKIPPED_ZH = "该买家的个人数据已应其要求于 2026-11-02 删除，此行未导入。"
HEADER = ["order_id", "product_name", "buyer_nick", "buyer_phone", "rating", "text"]
HEADER += ["reviewed_at", "tracking_no"]

# The shop's export of October: two reviews of the buyer who later asks for erasure.
OCTOBER = [
    [
        "G-1",
        "纯棉T恤",
        NICK,
        PHONE,
        "negative",
        f"快递太慢了，有事打{PHONE}",
        "2026-10-20 10:00",
        "SF1",
    ],
    ["G-2", "围巾", NICK, PHONE, "positive", "很好", "2026-10-21 10:00", "SF2"],
    ["G-3", "袜子", "路人甲", OTHER_PHONE, "negative", "质量太差了", "2026-10-22 10:00", "SF3"],
    # No product: keyed by order + buyer + time, so the positive review's key holds the nick.
    ["G-7", "", NICK, PHONE, "positive", "好评", "2026-10-23 10:00", ""],
]
# A fuller export, pulled again later: the same rows, another old row of the erased buyer
# that was never imported, a new review of someone else, and one the buyer wrote after the
# erasure (a new order).
NOVEMBER = OCTOBER + [
    ["G-4", "帽子", NICK, PHONE, "neutral", f"{NICK}：一般般", "2026-11-02 09:59", "SF4"],
    ["G-5", "手套", "路人乙", "13700002222", "negative", "快递丢件了", "2026-11-08 10:00", "SF5"],
    ["G-6", "外套", NICK, "13600003333", "negative", "快递又慢了", "2026-11-09 10:00", "SF6"],
]


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADER, *rows])
    return out.getvalue().encode()


class ErasedBuyerTestCase(FakeClassifierMixin, BaseTestCase):
    """The buyer's reviews came in with the October export, then the buyer was erased."""

    def setUp(self):
        super().setUp()
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        media = override_settings(MEDIA_ROOT=str(self.dir / "media"))
        media.enable()
        self.addCleanup(media.disable)
        with time_machine.travel(BEFORE, tick=False):
            self.command_import(OCTOBER)
        self.buyer = Buyer.objects.get(nick=NICK)
        with time_machine.travel(ERASED, tick=False):
            call_command("erase_buyer", "alpha", "--nick", NICK, stdout=StringIO())

    def command_import(self, rows: list[list[str]]) -> str:
        path = self.dir / f"export-{len(rows)}.csv"
        path.write_bytes(csv_bytes(rows))
        out = StringIO()
        call_command("import_reviews", str(path), "--shop", "alpha", stdout=out)
        return out.getvalue()

    def assertNothingOfTheBuyer(self):
        """Neither the nick nor a phone number of theirs, anywhere the import writes — but
        on the buyer record of their newer order, if it came in."""
        newer = Buyer.objects.filter(reviews__order_id="G-6")
        self.assertEqual(list(Buyer.objects.filter(nick=NICK).difference(newer)), [])
        blob = str(
            [
                *Buyer.objects.exclude(pk__in=newer).values_list("nick", "phone"),
                *Review.objects.values_list("external_key", "text", "followup_text", "tracking_no"),
                *ReviewEvent.objects.values_list("message", "data"),
                *ImportRowError.objects.values_list("column", "reason", "raw"),
                *ImportBatch.objects.values_list("message"),
                *PositiveReview.objects.values_list("external_key"),
                *AuditLog.objects.values_list("target", "data"),
            ]
        )
        self.assertNotIn(NICK, blob)
        self.assertNotIn(PHONE, blob)
        self.assertNotIn("SF1", blob)  # their tracking numbers went too

    def assertCountsAddUp(self, batch: ImportBatch, rows: int):
        counted = batch.created + batch.updated + batch.unchanged + batch.positive
        counted += batch.revised + batch.rejected + batch.skipped
        self.assertEqual((batch.processed_rows, counted), (rows, rows))
        self.assertEqual(batch.errors.count(), batch.rejected + batch.skipped)

    def assertNewReviewNotToBeContacted(self):
        review = Review.objects.get(order_id="G-6")
        self.assertEqual(review.buyer.nick, NICK)  # a new buyer record, for a new order
        self.assertIsNotNone(review.buyer.do_not_contact_at)
        self.assertNotEqual(review.buyer_id, self.buyer.pk)
        other = Review.objects.get(order_id="G-5")
        handoff_task.apply(args=[[review.pk, other.pk]])
        self.assertFalse(PlannedContact.objects.filter(review=review).exists())
        self.assertTrue(PlannedContact.objects.filter(review=other).exists())  # planner works
        self.login(self.lead)
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, "该买家曾于 2026-11-02 要求删除其个人数据")
        self.assertContains(page, "买家要求不再联系：没有任何安排。")


class ErasedBuyerImportTestCase(ErasedBuyerTestCase):
    def test_erasure_leaves_a_tombstone_without_the_nick(self):
        tombstone = ErasedBuyer.objects.get()
        self.assertEqual(tombstone.shop, self.shop)
        self.assertEqual(tombstone.nick_digest, nick_digest(self.shop.pk, NICK))
        self.assertEqual(tombstone.erased_at, ERASED)
        self.assertNotIn(NICK, str(ErasedBuyer.objects.values_list()))

    def test_a_dry_run_leaves_no_tombstone(self):
        Review.objects.filter(order_id="G-3").update(text=f"打{OTHER_PHONE}没人接")
        call_command("erase_buyer", "alpha", "--nick", "路人甲", "--dry-run", stdout=StringIO())
        self.assertEqual(ErasedBuyer.objects.count(), 1)

    def test_the_command_skips_the_old_rows_and_stores_the_rest(self):
        with time_machine.travel(LATER, tick=False):
            out = self.command_import(NOVEMBER)
        batch = ImportBatch.objects.latest("id")
        self.assertEqual(batch.status, "done")
        # G-1, G-2 and G-7 (positive) and G-4 (a minute before the erasure) are skipped;
        # G-3 is as it was; G-5 and G-6 (after the erasure) are new.
        self.assertEqual(
            (batch.skipped, batch.unchanged, batch.created, batch.rejected, batch.updated),
            (4, 1, 2, 0, 0),
        )
        self.assertCountsAddUp(batch, len(NOVEMBER))
        self.assertEqual(sorted(batch.errors.values_list("row", flat=True)), [2, 3, 5, 6])
        self.assertEqual(set(batch.errors.values_list("reason", "raw", "column")), {
            (SKIPPED_ZH, "", "")
        })  # fmt: skip
        self.assertIn(SKIPPED_ZH, out)
        self.assertIn("跳过 4 行", out)
        self.assertEqual(Review.objects.filter(buyer=self.buyer).count(), 1)
        self.assertNotIn(PHONE, Review.objects.get(order_id="G-1").text)
        self.assertNothingOfTheBuyer()
        self.assertNewReviewNotToBeContacted()
        # And again: the same answer, nothing doubled.
        with time_machine.travel(LATER, tick=False):
            self.command_import(NOVEMBER)
        again = ImportBatch.objects.latest("id")
        self.assertEqual((again.skipped, again.unchanged, again.created), (4, 3, 0))

    def test_a_secret_key_rotated_the_django_way_still_recognises_the_buyer(self):
        old = settings.SECRET_KEY
        rotated = {"SECRET_KEY": "a-new-key-" + "x" * 50, "SECRET_KEY_FALLBACKS": [old]}
        with (
            override_settings(ERASURE_KEY=rotated["SECRET_KEY"], **rotated),
            time_machine.travel(LATER, tick=False),
        ):
            self.command_import(NOVEMBER)
        self.assertEqual(ImportBatch.objects.latest("id").skipped, 4)
        self.assertNothingOfTheBuyer()

    def test_an_erasure_key_of_its_own_outlives_any_secret_key(self):
        # 路人甲 is erased while ERASURE_KEY is set; later SECRET_KEY changes with no fallback.
        # An old row of theirs that was never imported can only be known by the tombstone.
        never_imported = [
            "G-8",
            "袜子",
            "路人甲",
            OTHER_PHONE,
            "negative",
            "差",
            "2026-11-01 10:00",
            "",
        ]
        with override_settings(ERASURE_KEY="erasure-key-set-once"):
            with time_machine.travel(ERASED, tick=False):
                call_command("erase_buyer", "alpha", "--nick", "路人甲", stdout=StringIO())
            with (
                override_settings(SECRET_KEY="another-key-" + "y" * 50, SECRET_KEY_FALLBACKS=[]),
                time_machine.travel(LATER, tick=False),
            ):
                self.command_import([*OCTOBER, never_imported])
        batch = ImportBatch.objects.latest("id")
        self.assertIn(len(OCTOBER) + 2, set(batch.errors.values_list("row", flat=True)))
        self.assertFalse(Review.objects.filter(order_id="G-8").exists())

    def test_an_upload_run_by_the_worker_skips_them_and_the_page_says_why(self):
        self.login(self.lead)
        with (
            time_machine.travel(LATER, tick=False),
            mock.patch("reviews.ingest.batches.enqueue_import") as enqueue,
        ):
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(
                    reverse("imports"),
                    {
                        "shop": self.shop.pk,
                        "platform": "",
                        "file": SimpleUploadedFile("十一月.csv", csv_bytes(NOVEMBER)),
                    },
                )
            batch = ImportBatch.objects.latest("id")
            self.assertRedirects(response, reverse("import_batch", args=[batch.pk]))
            enqueue.assert_called_once_with(batch.pk)
            import_batch_task.apply(args=[batch.pk])  # what the worker runs
        batch.refresh_from_db()
        self.assertEqual((batch.skipped, batch.created, batch.unchanged), (4, 2, 1))
        self.assertCountsAddUp(batch, len(NOVEMBER))
        page = self.client.get(reverse("import_batch", args=[batch.pk]))
        self.assertContains(page, "跳过（买家数据已删除）")
        self.assertContains(page, "拒收和跳过的行")
        self.assertContains(page, SKIPPED_ZH, count=4)
        report = b"".join(
            self.client.get(reverse("import_batch_errors", args=[batch.pk])).streaming_content
        ).decode()
        self.assertEqual(report.count(SKIPPED_ZH), 4)
        self.assertNotIn(NICK, page.content.decode() + report)
        self.assertNothingOfTheBuyer()
        self.assertNewReviewNotToBeContacted()

    def test_a_back_filled_tombstone_works_as_a_new_one(self):
        """Erasures from before the tombstones: migration 0009 rebuilds them from the audit."""
        ErasedBuyer.objects.all().delete()
        with time_machine.travel(ERASED, tick=False):
            # A later run of the erasure on the same buyer (nothing of theirs to find but the
            # pseudonym) and someone else's action: no tombstone from either.
            services.audit_record(
                actor=None,
                action="buyer_erased",
                shop=self.shop,
                target=f"buyer:{self.buyer.pk}",
                nick_digest=nick_digest(self.shop.pk, f"erased-{self.buyer.pk}"),
            )
            services.audit_record(
                actor=None, action="buyer_do_not_contact", shop=self.shop, target="buyer:1"
            )
        self.assertEqual(tombstones_from_audit(AuditLog, ErasedBuyer), 1)
        self.assertEqual(
            list(ErasedBuyer.objects.values_list("shop", "nick_digest", "erased_at")),
            [(self.shop.pk, nick_digest(self.shop.pk, NICK), ERASED)],
        )
        self.assertEqual(tombstones_from_audit(AuditLog, ErasedBuyer), 1)  # run twice: same
        self.assertEqual(ErasedBuyer.objects.count(), 1)
        with time_machine.travel(LATER, tick=False):
            self.command_import(NOVEMBER)
        self.assertEqual(ImportBatch.objects.latest("id").skipped, 4)
        self.assertNothingOfTheBuyer()

    def test_another_shop_is_not_concerned(self):
        with time_machine.travel(LATER, tick=False):
            path = self.dir / "bravo.csv"
            path.write_bytes(csv_bytes(OCTOBER))
            call_command("import_reviews", str(path), "--shop", "bravo", stdout=StringIO())
        batch = ImportBatch.objects.latest("id")
        self.assertEqual((batch.skipped, batch.created, batch.positive), (0, 2, 2))
        self.assertTrue(Buyer.objects.filter(shop=self.other_shop, nick=NICK).exists())


class ErasedBuyerWebhookTestCase(ErasedBuyerTestCase):
    def post(self, items: list[dict]):
        body = json.dumps({"reviews": items}, ensure_ascii=False).encode()
        return self.client.post(
            reverse("api_shop_reviews", args=["alpha"]),
            data=body,
            content_type="application/json",
            headers=signed_headers(self.shop.webhook_secret, body),
        )

    def test_a_replay_skips_their_items_and_stores_the_rest(self):
        items = [dict(zip(HEADER, row, strict=True)) for row in NOVEMBER]
        with time_machine.travel(LATER, tick=True):
            response = self.post(items)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            {k: data["counts"][k] for k in ("skipped", "created", "unchanged", "rejected")},
            {"skipped": 4, "created": 2, "unchanged": 1, "rejected": 0},
        )
        skipped = [r for r in data["results"] if r["status"] == "skipped"]
        self.assertEqual([r["index"] for r in skipped], [0, 1, 3, 4])
        for result in skipped:  # no key: it may hold the nick
            self.assertEqual(
                result, {"index": result["index"], "status": "skipped", "reason": "erased",
                         "detail": SKIPPED_ZH}
            )  # fmt: skip
        self.assertNotIn(NICK, response.content.decode())
        batch = ImportBatch.objects.get(pk=data["batch"])
        self.assertEqual(batch.status, "done")
        self.assertCountsAddUp(batch, len(items))
        self.assertNothingOfTheBuyer()
        self.assertNewReviewNotToBeContacted()

    def test_an_item_without_the_nick_cannot_refill_their_stored_review(self):
        item = dict(zip(HEADER, OCTOBER[0], strict=True)) | {"buyer_nick": "", "buyer_phone": ""}
        with time_machine.travel(LATER, tick=True):
            response = self.post([item])
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            response.json()["results"],
            [{"index": 0, "status": "skipped", "reason": "erased",
              "detail": "该评价买家的个人数据已应其要求删除，此行未导入。"}],
        )  # fmt: skip
        self.assertNotIn(PHONE, Review.objects.get(order_id="G-1").text)
        self.assertNothingOfTheBuyer()
