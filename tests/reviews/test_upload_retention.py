"""An uploaded export holds buyers' names, phones and addresses: its file goes once its batch
is finished, and beat's daily job removes what failed or abandoned uploads left behind."""

import os
import shutil
import tempfile
import time
from io import StringIO
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from reviews.models import ImportBatch, ImportStatus
from reviews.tasks import import_batch_task, uploads_cleanup_task

from .test_import_views import FIXTURES, ImportViewsTestCase

DAY = 24 * 3600


class UploadRetentionTestCase(ImportViewsTestCase):
    def files(self) -> list[Path]:
        return [p for p in Path(self.media).rglob("*") if p.is_file()]

    def uploaded(self) -> ImportBatch:
        self.login(self.lead)
        self.upload("淘宝评价.csv", (FIXTURES / "taobao_gbk.csv").read_bytes())
        batch = ImportBatch.objects.get()
        self.assertEqual(self.files(), [Path(self.media) / batch.path])
        return batch

    def age(self, path: Path, days: float) -> None:
        then = time.time() - days * DAY
        os.utime(path, (then, then))

    def test_a_finished_import_leaves_no_file(self):
        batch = self.uploaded()
        import_batch_task.apply(args=[batch.pk])  # what the worker runs
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.DONE)
        self.assertEqual(self.files(), [])

    def test_a_failed_import_leaves_no_file(self):
        batch = self.uploaded()
        (Path(self.media) / batch.path).write_bytes("订单编号,备注\n1,你好\n".encode())
        import_batch_task.apply(args=[batch.pk])
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.FAILED)
        self.assertEqual(self.files(), [])

    def test_a_command_line_file_is_the_operators_own_and_stays(self):
        folder = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, folder, ignore_errors=True)
        path = Path(folder) / "export.csv"
        shutil.copy(FIXTURES / "taobao_gbk.csv", path)
        call_command("import_reviews", str(path), "--shop", "alpha", stdout=StringIO())
        self.assertEqual(ImportBatch.objects.get().status, ImportStatus.DONE)
        self.assertTrue(path.exists())

    def test_the_daily_job_removes_leftovers_past_the_retention(self):
        shop_dir = Path(self.media) / "imports" / "alpha"
        shop_dir.mkdir(parents=True)

        def leftover(name: str, days: float, status: str | None) -> tuple[Path, ImportBatch | None]:
            path = shop_dir / name
            path.write_text("买家昵称,手机\n小红帽,13812345678\n")
            self.age(path, days)
            batch = None
            if status:
                batch = self.batch_for(self.shop, status=status)
                ImportBatch.objects.filter(pk=batch.pk).update(path=f"imports/alpha/{name}")
            return path, batch

        failed, _ = leftover("failed.csv", 8, ImportStatus.FAILED)
        abandoned, stuck = leftover("abandoned.csv", 8, ImportStatus.PENDING)
        orphan, _ = leftover("orphan.csv", 8, None)
        recent, waiting = leftover("recent.csv", 1, ImportStatus.PENDING)

        self.assertEqual(uploads_cleanup_task.apply().get(), 3)

        self.assertEqual(self.files(), [recent])
        stuck.refresh_from_db()
        self.assertEqual(stuck.status, ImportStatus.FAILED)
        self.assertIn("7", stuck.message)
        waiting.refresh_from_db()
        self.assertEqual(waiting.status, ImportStatus.PENDING)
        for path in (failed, abandoned, orphan):
            self.assertFalse(path.exists(), path)

    @override_settings(IMPORT_UPLOAD_RETENTION_DAYS=30)
    def test_the_retention_is_a_setting(self):
        path = Path(self.media) / "imports" / "alpha" / "old.csv"
        path.parent.mkdir(parents=True)
        path.write_text("x")
        self.age(path, 8)
        self.assertEqual(uploads_cleanup_task.apply().get(), 0)
        self.assertTrue(path.exists())

    def test_beat_runs_the_job_daily(self):
        entries = [
            entry
            for entry in settings.CELERY_BEAT_SCHEDULE.values()
            if entry["task"] == "reviews.tasks.uploads_cleanup_task"
        ]
        self.assertEqual([entry["schedule"] for entry in entries], [24 * 3600.0])
