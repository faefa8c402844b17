"""Imports under faults, with the real services: a worker SIGKILLed in the
middle of a file, Redis stopped before the task is sent and again in the middle of the import.
Every valid row ends up stored exactly once, and the batch's counts are those of the file."""

import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import skipUnless

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from outreach.models import PlannedContact
from reviews.ingest import batches, handoff
from reviews.ingest.batches import batch_create
from reviews.models import (
    EventKind,
    ImportBatch,
    ImportRowError,
    ImportSource,
    ImportStatus,
    Membership,
    Platform,
    PositiveReview,
    Review,
    ReviewEvent,
    Role,
    Shop,
)

from ..procs import Processes, start_services, wait_for
from .services import Blocker, write_csv

ROWS = 3000  # three chunks of 1,000 (reviews.ingest.write.CHUNK)


def make_rows(n: int, *, blocker_at: int, negative_every: int = 1) -> list[dict]:
    """A file with every kind of row: negative and neutral reviews, positives (all rows but
    every `negative_every`th, and a few more), rejected rows (a word that is no rating), and
    one review repeated unchanged in a later chunk. The row at `blocker_at` names the buyer a
    Blocker holds, so the import waits there."""
    rows = []
    for i in range(n):
        rating = "中评" if i % 2 else "差评"
        if i % 100 == 3 or i % negative_every:
            rating = "好评"
        if i % 250 == 7:
            rating = "还行吧"  # rejected: not a rating
        rows.append(
            {
                "order_id": f"F-{i}",
                "buyer_nick": "blocker" if i == blocker_at else f"买家{i % 400}",
                "rating": rating,
                "text": f"快递太慢了，第{i}次" if i % 3 else f"质量太差，第{i}次",
                "reviewed_at": "2024-11-12 10:00",
            }
        )
    rows[n - 10] = dict(rows[10])  # the same review again, unchanged, two chunks later
    return rows


def expected_counts(rows: list[dict]) -> dict[str, int]:
    keys = {}
    rejected = 0
    for row in rows:
        if row["rating"] not in ("好评", "中评", "差评"):
            rejected += 1
        elif row["order_id"] not in keys:
            keys[row["order_id"]] = row["rating"]
    return {
        "processed_rows": len(rows),
        "created": sum(1 for r in keys.values() if r != "好评"),
        "positive": sum(1 for r in keys.values() if r == "好评"),
        "unchanged": len(rows) - rejected - len(keys),
        "updated": 0,
        "revised": 0,
        "rejected": rejected,
    }


@pytest.mark.services
@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
@override_settings(LANGUAGE_CODE="en")
class ImportFaultsTestCase(TransactionTestCase):
    def setUp(self):
        self.shop = Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)
        self.dir = Path(tempfile.mkdtemp(prefix="faults-import-"))

    def batch(self, batch_id: int) -> ImportBatch:
        return ImportBatch.objects.get(id=batch_id)

    def wait_done(self, services: Processes, batch_id: int, timeout: float = 60) -> ImportBatch:
        services.wait_for(
            lambda: self.batch(batch_id).status not in (ImportStatus.PENDING, "running"),
            timeout,
            message="the import to finish",
        )
        batch = self.batch(batch_id)
        self.assertEqual(batch.status, ImportStatus.DONE, batch.message + services.logs())
        return batch

    def assert_imported_once(self, batch: ImportBatch, rows: list[dict]) -> None:
        expected = expected_counts(rows)
        counts = {name: getattr(batch, name) for name in expected}
        self.assertEqual(counts, expected)
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), expected["created"])
        self.assertEqual(
            PositiveReview.objects.filter(shop=self.shop).count(), expected["positive"]
        )
        self.assertEqual(ImportRowError.objects.filter(batch=batch).count(), expected["rejected"])
        # Each review was written once: one "imported" event each, none twice.
        imported = ReviewEvent.objects.filter(kind=EventKind.IMPORTED, review__shop=self.shop)
        self.assertEqual(imported.count(), expected["created"])
        self.assertEqual(imported.values("review").distinct().count(), expected["created"])

    def test_a_worker_killed_mid_import_is_resumed_without_duplicates(self):
        services = start_services(self)
        rows = make_rows(ROWS, blocker_at=2100)  # in the third chunk
        path = write_csv(self.dir / "export.csv", rows)
        blocker = Blocker(shop_id=self.shop.id, nick="blocker")
        self.addCleanup(blocker.release)
        batch = batch_create(
            shop=self.shop, source=ImportSource.FILE, filename="export.csv", path=str(path)
        )
        # Two workers, both waiting for work: one runs the import and is killed, the other
        # takes over.
        workers = [services.worker(name, queues="imports", wait=False) for name in ("w1", "w2")]
        for worker in workers:
            services.wait_ready(worker)
        batches.enqueue_import(batch.id)
        # Two chunks committed, the third waiting on the blocked buyer: kill the worker there.
        wait_for(
            lambda: blocker.waiters() == 1 and self.batch(batch.id).processed_rows == 2000,
            60,
            message="the import to reach its third chunk",
        )
        [running] = [w for w in workers if "import_batch_task[" in w.log.read_text()]
        services.kill(running)
        blocker.release()
        self.assertEqual(self.batch(batch.id).status, ImportStatus.RUNNING)  # the dead run's

        # Beat's sweep (every minute) finds the run without a worker as soon as PostgreSQL
        # has dropped the dead worker's connection, and queues the batch again.
        wait_for(
            lambda: batches.batches_requeue_stalled() and self.batch(batch.id).status != "running",
            10,
            message="the sweep to re-queue the batch",
        )
        done = self.wait_done(services, batch.id)
        self.assert_imported_once(done, rows)
        # The key summary counts the rows of both runs: one kind, no mix.
        self.assertEqual(done.key_kind, "order_buyer_time")
        self.assertNotIn("Review keys used", done.message)

    def test_redis_stopped_before_and_during_an_upload_loses_and_doubles_nothing(self):
        lead = self.make_lead()
        services = start_services(self)
        services.worker("w1", queues="imports,default")
        # Mostly positive reviews: the hand-off to the planner (~30 reviews/s) is not on trial.
        rows = make_rows(2000, blocker_at=1500, negative_every=20)  # in the second chunk
        path = write_csv(self.dir / "export.csv", rows)
        blocker = Blocker(shop_id=self.shop.id, nick="blocker")
        self.addCleanup(blocker.release)

        services.redis.stop()  # Redis is down when the file is uploaded
        self.client.force_login(lead)
        started = time.monotonic()
        response = self.client.post(
            "/imports/",
            {"shop": self.shop.id, "file": SimpleUploadedFile("export.csv", path.read_bytes())},
        )
        self.assertEqual(response.status_code, 302)
        self.assertLess(time.monotonic() - started, 5)  # the failed enqueue did not hang it
        batch = ImportBatch.objects.get(shop=self.shop)
        self.addCleanup(lambda: Path(handoff_path(batch)).unlink(missing_ok=True))
        self.assertEqual(batch.status, ImportStatus.PENDING)

        services.redis.start()  # back, empty: the task was never sent
        handoff._broker_down_until = 0.0  # (this process's 30 s back-off, over in real life)
        # The sweep, a minute later, sends the task the outage swallowed.
        self.assertEqual(
            batches.batches_requeue_stalled(now=timezone.now() + timedelta(minutes=2))["batches"], 1
        )
        wait_for(
            lambda: blocker.waiters() == 1 and self.batch(batch.id).processed_rows == 1000,
            60,
            message="the import to reach its second chunk",
        )
        services.redis.stop()  # down again, in the middle of the import
        blocker.release()
        done = self.wait_done(services, batch.id)
        self.assert_imported_once(done, rows)

        # The hand-offs of the chunks written while Redis was down (and of those whose tasks
        # the restarted, empty Redis lost) are still pending; the sweep sends them again.
        services.redis.start()
        handoff._broker_down_until = 0.0
        pending = Review.objects.filter(shop=self.shop, handoff_pending_at__isnull=False)
        self.assertGreater(pending.count(), 0)

        handoff.handoff_sweep(now=timezone.now() + timedelta(minutes=2))
        services.wait_for(lambda: not pending.exists(), 60, message="every hand-off to be done")
        # Each review was handed to the planner, and planned once: no step twice.
        reviews = Review.objects.filter(shop=self.shop)
        planned = PlannedContact.objects.filter(review__shop=self.shop)
        self.assertEqual(planned.values("review").distinct().count(), reviews.count())
        doubled = planned.values("review", "kind").annotate(n=Count("id")).filter(n__gt=1)
        self.assertEqual(list(doubled), [])

    def make_lead(self):
        from django.contrib.auth.models import User

        user = User.objects.create_user("larry")
        Membership.objects.create(user=user, shop=self.shop, role=Role.LEAD)
        return user


def handoff_path(batch: ImportBatch) -> str:
    from reviews.ingest.batches import batch_file_path

    return str(batch_file_path(batch))
