"""File imports through the service and the command: idempotency, updates, revisions,
counting, rejected rows, and files that cannot be read at all."""

import csv
import io
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import TransactionTestCase, override_settings

from reviews.ingest import batches, write
from reviews.ingest.batches import batch_create, import_batch_run
from reviews.models import (
    Buyer,
    EventKind,
    ImportBatch,
    ImportSource,
    ImportStatus,
    PositiveReview,
    Review,
    Shop,
    Status,
)

from ..base import BaseTestCase
from ..xlsx import excel_style_xlsx
from .ingest_support import FakeClassifierMixin

ENGLISH = override_settings(LANGUAGE_CODE="en")  # messages are asserted in English

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


@ENGLISH
class ImportTestCase(FakeClassifierMixin, BaseTestCase):
    def setUp(self):
        super().setUp()
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def run_import(self, path: Path, platform: str = "") -> ImportBatch:
        batch = batch_create(
            shop=self.shop,
            source=ImportSource.COMMAND,
            platform=platform,
            filename=path.name,
            path=str(path),
        )
        return import_batch_run(batch_id=batch.pk)

    def write_csv(
        self, rows: list[list], name: str = "export.csv", encoding: str = "utf-8"
    ) -> Path:
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        path = self.dir / name
        path.write_bytes(buffer.getvalue().encode(encoding))
        return path


@ENGLISH
class PlatformExportsTestCase(ImportTestCase):
    def test_it_imports_each_platforms_export_in_both_encodings(self):
        expected = {  # file stem -> (created, positive, key kind)
            "taobao": (3, 2, "order_line"),
            "tmall": (3, 1, "order_line"),
            "jd": (3, 1, "review_id"),
            "ebay": (2, 1, "review_id"),
            "generic": (2, 1, "order_buyer_time"),
        }
        for stem, (created, positive, kind) in expected.items():
            files = sorted(FIXTURES.glob(f"{stem}_*.csv"))
            self.assertEqual(len(files), 2, stem)
            platform = "ebay" if stem == "ebay" else ""
            first = self.run_import(files[0], platform)
            self.assertEqual(
                (first.status, first.created, first.positive, first.rejected, first.key_kind),
                (ImportStatus.DONE, created, positive, 0, kind),
                (files[0].name, first.message),
            )
            # The same export in the other encoding is the same reviews: nothing new.
            second = self.run_import(files[1], platform)
            self.assertEqual(
                (second.created, second.updated, second.unchanged),
                (0, 0, created + positive),
                files[1].name,
            )

    def test_it_stores_what_the_export_carries(self):
        self.run_import(FIXTURES / "taobao_gbk.csv")
        review = Review.objects.get(order_id="3812004455667790")
        self.assertEqual(review.rating, "negative")
        self.assertEqual(review.amount, Decimal("1299.00"))
        self.assertEqual(review.followup_text, "客服也不理人，要去投诉")
        self.assertEqual(review.courier, "顺丰速运")
        self.assertEqual(review.buyer.nick, "阿朵朵")
        self.assertEqual(review.buyer.phone, "13900001111")
        self.assertEqual(
            review.reviewed_at.astimezone(self.shop.tz).strftime("%Y-%m-%d %H:%M"),
            "2024-11-13 08:12",
        )
        self.assertEqual(review.source, "import")
        self.assertIsNotNone(review.classified_at)
        self.assertIsNotNone(review.handoff_pending_at)
        self.assertEqual(
            (review.cause, review.severity, review.model_version),
            ("product_service", "serious", "fake-1"),
        )
        self.assertTrue(review.needs_triage)  # confidence 0.4 < the classifier's threshold
        self.assertEqual(review.flags, ["high_value"])  # ¥1,299 >= the shop's ¥500
        quick = Review.objects.get(order_id="3812004455667789")
        self.assertEqual((quick.cause, quick.needs_triage), ("logistics", False))
        self.assertEqual(review.events.get().kind, EventKind.IMPORTED)
        # DSR scores from the generic format.
        self.run_import(FIXTURES / "generic_utf8.csv")
        generic = Review.objects.get(order_id="G-2024-0001")
        self.assertEqual(generic.dsr, {"description": 3.0, "service": 2.0, "logistics": 4.0})
        self.assertIsNotNone(generic.delivered_at)

    def test_it_counts_positive_reviews_per_day_without_queueing_them(self):
        self.run_import(FIXTURES / "taobao_utf8.csv")
        self.assertFalse(Review.objects.filter(rating="positive").exists())
        days = sorted(
            day.isoformat()
            for day in PositiveReview.objects.filter(shop=self.shop).values_list("day", flat=True)
        )
        self.assertEqual(days, ["2024-11-13", "2024-11-14"])
        self.run_import(FIXTURES / "taobao_gbk.csv")
        self.assertEqual(PositiveReview.objects.filter(shop=self.shop).count(), 2)

    def test_it_imports_an_xlsx_export(self):
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        with (FIXTURES / "jd_utf8.csv").open(encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
        sheet.append(
            [
                "JDC100200399",
                278899001199,
                "x***y",
                100012345678,
                "蓝牙耳机",
                1,
                "没声音",
                None,
                None,
                None,
                None,
            ]
        )
        sheet["H6"].value = None
        from datetime import datetime

        sheet["H6"] = datetime(2024, 11, 20, 9, 0)  # a real date cell
        path = self.dir / "jd.xlsx"
        workbook.save(path)
        batch = self.run_import(path)
        self.assertEqual((batch.created, batch.positive, batch.rejected), (4, 1, 0), batch.message)
        review = Review.objects.get(platform_review_id="JDC100200399")
        self.assertEqual(review.order_id, "278899001199")
        self.assertEqual(review.reviewed_at.astimezone(self.shop.tz).hour, 9)

    def test_it_imports_an_xlsx_with_a_shared_string_table_as_excel_writes_it(self):
        with (FIXTURES / "jd_utf8.csv").open(encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        # The order number as Excel stores a long number: a number cell, not text.
        rows[1][1] = int(rows[1][1])
        path = self.dir / "jd_excel.xlsx"
        path.write_bytes(excel_style_xlsx(rows))
        batch = self.run_import(path)
        self.assertEqual((batch.created, batch.rejected), (3, 0), batch.message)
        with (FIXTURES / "jd_utf8.csv").open(encoding="utf-8") as fh:
            expected = {row[0]: row for row in list(csv.reader(fh))[1:]}
        for review in Review.objects.filter(shop=self.shop):
            self.assertIn(review.platform_review_id, expected)
            self.assertEqual(review.order_id, expected[review.platform_review_id][1])
            self.assertIn(review.text, expected[review.platform_review_id])


@ENGLISH
class ReimportTestCase(ImportTestCase):
    HEADER = ["评价ID", "订单编号", "买家昵称", "评价等级", "评价内容", "追评内容", "评价时间"]

    def rows(self, rating="差评", followup=""):
        return [
            self.HEADER,
            ["R1", "O1", "小鱼", rating, "质量太差了", followup, "2024-11-12 10:31:07"],
        ]

    def test_it_changes_nothing_when_the_same_file_comes_again(self):
        path = self.write_csv(self.rows())
        self.run_import(path)
        review = Review.objects.get()
        counts = (Review.objects.count(), Buyer.objects.count(), review.events.count())
        again = self.run_import(path)
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 0, 1))
        review.refresh_from_db()
        self.assertEqual(
            (Review.objects.count(), Buyer.objects.count(), review.events.count()), counts
        )

    def test_it_updates_a_changed_review_and_records_what_changed(self):
        self.run_import(self.write_csv(self.rows()))
        Review.objects.update(handoff_pending_at=None)  # handed off in the meantime
        batch = self.run_import(
            self.write_csv(self.rows(rating="中评", followup="客服解决了一半"), "later.csv")
        )
        self.assertEqual((batch.created, batch.updated), (0, 1))
        review = Review.objects.get()
        self.assertEqual((review.rating, review.followup_text), ("neutral", "客服解决了一半"))
        self.assertIsNotNone(review.handoff_pending_at)  # handed off again
        event = review.events.get(kind=EventKind.UPDATED)
        self.assertEqual(event.data["changes"]["rating"], ["negative", "neutral"])
        self.assertEqual(event.data["changes"]["followup_text"], ["", "客服解决了一半"])
        # New words were classified again: the event keeps what they say now.
        self.assertEqual(event.data["classification"]["subcause"], review.subcause)
        self.assertEqual(event.data["classification"]["model_version"], review.model_version)

    def test_it_marks_a_review_that_comes_back_positive_as_revised_and_counts_it(self):
        self.run_import(self.write_csv(self.rows()))
        batch = self.run_import(self.write_csv(self.rows(rating="好评"), "later.csv"))
        self.assertEqual(batch.revised, 1)
        review = Review.objects.get()
        self.assertEqual((review.status, review.rating), (Status.REVISED, "positive"))
        # Handed off, so the planner stops whatever is still planned for it.
        self.assertIsNotNone(review.handoff_pending_at)
        status = review.events.get(kind=EventKind.STATUS)
        self.assertEqual((status.data["from"], status.data["to"]), ("new", "revised"))
        self.assertEqual(status.data["batch"], batch.pk)
        changed = review.events.filter(kind=EventKind.UPDATED).latest("id")
        self.assertEqual(changed.data["changes"]["rating"], ["negative", "positive"])
        self.assertEqual(PositiveReview.objects.filter(shop=self.shop).count(), 1)
        # An older export re-imported does not undo the revision.
        self.run_import(self.write_csv(self.rows(), "old.csv"))
        review.refresh_from_db()
        self.assertEqual((review.status, review.rating), (Status.REVISED, "positive"))

    def test_it_keeps_the_last_row_when_a_file_repeats_a_review(self):
        rows = self.rows() + [
            ["R1", "O1", "小鱼", "差评", "质量太差了", "还是不行", "2024-11-12 10:31:07"]
        ]
        batch = self.run_import(self.write_csv(rows))
        self.assertEqual((batch.created, batch.unchanged, batch.processed_rows), (1, 1, 2))
        self.assertEqual(Review.objects.get().followup_text, "还是不行")


@ENGLISH
class BrokenRowsTestCase(ImportTestCase):
    def test_it_imports_every_valid_row_and_reports_every_broken_one(self):
        batch = self.run_import(FIXTURES / "broken_rows.csv")
        self.assertEqual(batch.status, ImportStatus.DONE)
        self.assertEqual((batch.processed_rows, batch.rejected), (40, 4))
        self.assertEqual(batch.created + batch.positive, 36)
        errors = [(e.row, e.column) for e in batch.errors.all()]
        self.assertEqual(
            errors, [(7, "评价等级"), (14, "评价时间"), (23, "评价内容"), (32, "实付金额")]
        )
        self.assertIn("非常好", batch.errors.first().raw)

    def test_it_rejects_a_row_with_undecodable_bytes_alone(self):
        good = "评价ID,评价等级,评价内容,评价时间\nR1,差评,质量差,2024-11-12 10:00\n".encode()
        bad = b"R2,\xe5\xb7\xae\xe8\xaf\x84,\xff\xfe broken,2024-11-12 10:00\n"
        path = self.dir / "mixed.csv"
        path.write_bytes(good + bad)
        batch = self.run_import(path)
        self.assertEqual((batch.created, batch.rejected), (1, 1))
        self.assertIn("decoded", batch.errors.get().reason)

    def test_it_notes_unknown_columns_by_name_with_the_accepted_names(self):
        batch = self.run_import(FIXTURES / "unknown_header.csv")
        self.assertEqual(batch.status, ImportStatus.DONE)
        self.assertIn("收货地址", batch.message)
        self.assertIn("订单号", batch.message)


@override_settings(LANGUAGE_CODE="en")
@ENGLISH
class CommandTestCase(ImportTestCase):
    def test_it_prints_the_summary_and_exits_zero_with_rejected_rows(self):
        out = io.StringIO()
        call_command("import_reviews", str(FIXTURES / "broken_rows.csv"), shop="alpha", stdout=out)
        text = out.getvalue()
        self.assertIn("rejected 4", text)
        self.assertIn("row 7", text)
        self.assertIn("order id + product line", text.lower())

    def test_it_exits_non_zero_and_changes_nothing_for_an_unreadable_file(self):
        cases = {
            "empty.csv": b"",
            "photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 8,
            "notext.csv": "订单编号,评价等级,评价时间\n1,差评,2024-11-12\n".encode(),
        }
        for name, data in cases.items():
            path = self.dir / name
            path.write_bytes(data)
            with self.subTest(name), self.assertRaises(CommandError) as caught:
                call_command("import_reviews", str(path), shop="alpha", stdout=io.StringIO())
            self.assertIn(name, str(caught.exception))
        self.assertIn("评价内容", str(caught.exception))  # names the accepted text columns
        self.assertFalse(ImportBatch.objects.exists())
        self.assertFalse(Review.objects.exists())

    def test_it_exits_non_zero_for_an_unknown_shop(self):
        with self.assertRaises(CommandError):
            call_command(
                "import_reviews", str(FIXTURES / "jd_utf8.csv"), shop="nope", stdout=io.StringIO()
            )

    def test_it_exits_with_status_one_from_the_shell(self):
        import subprocess
        import sys

        path = self.dir / "empty.csv"
        path.write_bytes(b"")
        manage = Path(__file__).resolve().parents[2] / "manage.py"
        proc = subprocess.run(
            [sys.executable, str(manage), "import_reviews", "--shop", "alpha", str(path)],
            capture_output=True,
            text=True,
            env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "REVIEWDESK_VAR_DIR": str(self.dir)},
        )
        self.assertEqual(proc.returncode, 1, proc.stderr)


@ENGLISH
class RealClassifierTestCase(ImportTestCase):
    """End to end with the project's classifier (no stand-in)."""

    def setUp(self):
        BaseTestCase.setUp(self)
        self.dir = Path(tempfile.mkdtemp())
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def test_it_classifies_with_the_real_classifier(self):
        from reviews import classifier

        batch = self.run_import(FIXTURES / "jd_utf8.csv")
        self.assertEqual(batch.status, ImportStatus.DONE, batch.message)
        review = Review.objects.get(platform_review_id="JDC100200304")
        expected = classifier.classify(
            review.text,
            amount=None,
            high_value_threshold=self.shop.high_value_threshold,
            shop_id=self.shop.id,
        )
        self.assertEqual((review.cause, review.subcause), (expected.cause, expected.subcause))
        self.assertIsNotNone(review.classified_at)


@ENGLISH
class PipelinedImportTestCase(FakeClassifierMixin, TransactionTestCase):
    """Big files run in two threads (each with its own connection): same outcome."""

    def setUp(self):
        super().setUp()
        self.shop = Shop.objects.create(name="Alpha", slug="alpha", platform="taobao")

    def test_it_imports_the_same_in_two_stages(self):
        with (
            mock.patch.object(batches, "PIPELINE_MIN_ROWS", 0),
            mock.patch.object(write, "CHUNK", 7),
        ):
            batch = batch_create(
                shop=self.shop, source=ImportSource.COMMAND, path=str(FIXTURES / "broken_rows.csv")
            )
            batch = import_batch_run(batch_id=batch.pk)
            self.assertEqual(
                (batch.status, batch.processed_rows, batch.rejected), (ImportStatus.DONE, 40, 4)
            )
            self.assertEqual(batch.created + batch.positive, 36)
            self.assertEqual(Review.objects.count(), batch.created)
            again = batch_create(
                shop=self.shop, source=ImportSource.COMMAND, path=str(FIXTURES / "broken_rows.csv")
            )
            again = import_batch_run(batch_id=again.pk)
            self.assertEqual((again.created, again.unchanged, again.rejected), (0, 36, 4))

    def test_a_failing_write_fails_the_batch_without_hanging(self):
        with (
            mock.patch.object(batches, "PIPELINE_MIN_ROWS", 0),
            mock.patch.object(write, "CHUNK", 3),
            mock.patch.object(write.Writer, "apply", side_effect=RuntimeError("disk full")),
        ):
            batch = batch_create(
                shop=self.shop, source=ImportSource.COMMAND, path=str(FIXTURES / "broken_rows.csv")
            )
            with self.assertRaises(RuntimeError):
                import_batch_run(batch_id=batch.pk)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertIn("disk full", batch.message)

    def test_a_review_repeated_a_chunk_later_updates_the_first(self):
        header = ["评价ID", "订单编号", "评价等级", "评价内容", "追评内容", "评价时间"]
        rows = [header] + [
            [f"R{i}", f"O{i}", "差评", "质量差", "", "2024-11-12 10:00"] for i in range(6)
        ]
        rows.append(["R1", "O1", "差评", "质量差", "追评：还是不行", "2024-11-12 10:00"])
        path = Path(tempfile.mkdtemp()) / "repeat.csv"
        path.write_text("\n".join(",".join(r) for r in rows), encoding="utf-8")
        with (
            mock.patch.object(batches, "PIPELINE_MIN_ROWS", 0),
            mock.patch.object(write, "CHUNK", 2),
        ):
            batch = batch_create(shop=self.shop, source=ImportSource.COMMAND, path=str(path))
            batch = import_batch_run(batch_id=batch.pk)
        self.assertEqual(
            (batch.status, batch.created, batch.updated), (ImportStatus.DONE, 6, 1), batch.message
        )
        self.assertEqual(
            Review.objects.get(platform_review_id="R1").followup_text, "追评：还是不行"
        )

    def test_the_reading_thread_builds_rows_the_writer_stores_as_given(self):
        """The new reviews and their events are COPY text built in the reading thread (ids
        drawn there), the buyer filled in by the writer: quotes, commas, line breaks and empty
        cells come back as they were, each review with its buyer and one imported event."""
        header = ["评价ID", "订单编号", "买家昵称", "手机号", "评价等级", "评价内容", "评价时间"]
        tricky = '他说"没问题",结果\n第二天就坏了, 再也不买'
        rows = [
            ["R1", "O1", "阿朵", "13900001111", "差评", tricky, "2024-11-12 10:00"],
            ["R2", "O2", "阿朵", "13900001111", "中评", "一般", "2024-11-12 11:00"],
            ["R3", "O3", "", "", "差评", '""', "2024-11-12 12:00"],
            ["R4", "O4", "小鱼", "", "差评", "慢", "2024-11-12 13:00"],
        ]
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *rows])
        path = Path(tempfile.mkdtemp()) / "tricky.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        with (
            mock.patch.object(batches, "PIPELINE_MIN_ROWS", 0),
            mock.patch.object(write, "CHUNK", 3),
        ):
            batch = batch_create(shop=self.shop, source=ImportSource.COMMAND, path=str(path))
            batch = import_batch_run(batch_id=batch.pk)
        self.assertEqual((batch.status, batch.created), (ImportStatus.DONE, 4), batch.message)
        first, second, third, fourth = Review.objects.order_by("platform_review_id")
        self.assertEqual(first.text, tricky)
        self.assertEqual(third.text, '""')
        self.assertEqual(first.buyer_id, second.buyer_id)
        self.assertEqual(first.buyer.phone, "13900001111")
        self.assertIsNone(third.buyer_id)
        self.assertEqual(fourth.buyer.nick, "小鱼")
        self.assertEqual(Buyer.objects.filter(shop=self.shop).count(), 2)
        self.assertEqual(len({r.pk for r in (first, second, third, fourth)}), 4)
        for review in (first, second, third, fourth):
            self.assertIsNotNone(review.handoff_pending_at)
            event = review.events.get()
            self.assertEqual(event.kind, EventKind.IMPORTED)
            self.assertEqual(event.data["batch"], batch.pk)
            self.assertEqual(event.data["classification"]["cause"], review.cause)

    def test_a_big_import_into_tables_planned_as_empty_brings_their_statistics_up(self):
        """Statistics that count the tables empty make the commits' foreign-key checks
        sequential scans: past write.STATS_AFTER new reviews the run analyzes them."""
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reviews_review")  # empty: planned as empty
        with (
            mock.patch.object(batches, "PIPELINE_MIN_ROWS", 0),
            mock.patch.object(write, "CHUNK", 7),
            mock.patch.object(write, "STATS_AFTER", 10),
        ):
            batch = batch_create(
                shop=self.shop, source=ImportSource.COMMAND, path=str(FIXTURES / "broken_rows.csv")
            )
            batch = import_batch_run(batch_id=batch.pk)
        self.assertEqual(batch.status, ImportStatus.DONE, batch.message)
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'reviews_review'::regclass")
            (counted,) = cursor.fetchone()
        self.assertGreaterEqual(counted, 10)
