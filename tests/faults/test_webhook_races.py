"""Two writers storing the same review at the same moment: the same signed
webhook delivered twice at once, and a webhook arriving while a file import stores the same
review. A real server (each request in its own thread and database connection), a real
worker, and a lock another session holds until both writers wait at the same point, so the
race happens on every run rather than by luck."""

import contextlib
import json
import threading
import urllib.error
import urllib.request
from unittest import skipUnless

import pytest
from django.db import connection
from django.test import LiveServerTestCase, override_settings

from reviews.api import signed_headers
from reviews.ingest import batches, handoff
from reviews.ingest.batches import batch_create
from reviews.models import (
    EventKind,
    ImportBatch,
    ImportSource,
    ImportStatus,
    Platform,
    Review,
    ReviewEvent,
    Shop,
)

from ..procs import start_services, wait_for
from .services import other_connection, write_csv


class TableLock:
    """Another session holding SHARE ROW EXCLUSIVE on the reviews table: reads go on, every
    insert or update of a review waits until `release`."""

    def __init__(self) -> None:
        self.conn = other_connection()
        self.conn.autocommit = False
        with self.conn.cursor() as cursor:
            cursor.execute("LOCK TABLE reviews_review IN SHARE ROW EXCLUSIVE MODE")

    @staticmethod
    def waiting() -> int:
        """Sessions of this database waiting for a lock (on the table or on each other)."""
        with contextlib.closing(other_connection()) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cursor.fetchone()[0]

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


ITEM = {
    "order_id": "O-1001",
    "buyer_nick": "tb_小鱼儿",
    "rating": "差评",
    "text": "衣服洗了一次就缩水了，质量太差",
    "reviewed_at": "2024-11-12 10:31",
}


@pytest.mark.services
@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
@override_settings(LANGUAGE_CODE="en")
class WebhookRaceTestCase(LiveServerTestCase):
    def setUp(self):
        self.shop = Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)
        handoff._broker_down_until = 0.0

    def post(self, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"{self.live_server_url}/api/shops/{self.shop.slug}/reviews",
            data=body,
            headers={
                "Content-Type": "application/json",
                **signed_headers(self.shop.webhook_secret, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, {"body": error.read().decode()[:2000]}

    def post_in_thread(self, body: bytes, responses: list) -> threading.Thread:
        thread = threading.Thread(target=lambda: responses.append(self.post(body)))
        thread.start()
        return thread

    def race(self, *writers) -> None:
        """Start the writers with the table locked, let them all reach their write, then
        release them at once."""
        lock = TableLock()
        self.addCleanup(lock.release)
        threads = [start() for start in writers]
        wait_for(lambda: lock.waiting() == len(writers), 60, message="both writers to wait")
        lock.release()
        for thread in threads:
            if thread is not None:
                thread.join(60)

    def test_the_same_new_review_delivered_twice_at_once_is_stored_once(self):
        start_services(self)  # the hand-offs go to a private redis-server
        body = json.dumps({"reviews": [ITEM]}, ensure_ascii=False).encode()
        responses: list = []
        self.race(
            lambda: self.post_in_thread(body, responses),
            lambda: self.post_in_thread(body, responses),
        )
        self.assertEqual(sorted(code for code, _json in responses), [200, 200], responses)
        statuses = sorted(data["results"][0]["status"] for _code, data in responses)
        self.assertEqual(statuses, ["created", "unchanged"])  # the API's idempotent answer
        review = Review.objects.get(shop=self.shop)
        self.assertEqual({data["results"][0]["review_id"] for _c, data in responses}, {review.pk})
        self.assertEqual(review.events.filter(kind=EventKind.IMPORTED).count(), 1)
        batches = ImportBatch.objects.filter(shop=self.shop)
        self.assertEqual([b.status for b in batches], [ImportStatus.DONE] * 2)
        self.assertEqual(sorted((b.created, b.unchanged) for b in batches), [(0, 1), (1, 0)])

    def test_the_same_change_delivered_twice_at_once_is_applied_once(self):
        start_services(self)
        self.assertEqual(self.post(json.dumps(ITEM, ensure_ascii=False).encode())[0], 200)
        changed = {**ITEM, "followup_text": "追评：客服也不理人"}
        body = json.dumps(changed, ensure_ascii=False).encode()
        responses: list = []
        self.race(
            lambda: self.post_in_thread(body, responses),
            lambda: self.post_in_thread(body, responses),
        )
        self.assertEqual(sorted(code for code, _json in responses), [200, 200], responses)
        statuses = sorted(data["results"][0]["status"] for _code, data in responses)
        self.assertEqual(statuses, ["unchanged", "updated"])
        review = Review.objects.get(shop=self.shop)
        self.assertEqual(review.followup_text, changed["followup_text"])
        self.assertEqual(review.events.filter(kind=EventKind.UPDATED).count(), 1)

    def test_a_webhook_and_a_file_import_storing_the_same_review_at_once(self):
        services = start_services(self)
        rows = [
            {**ITEM, "order_id": f"O-{1000 + i}", "buyer_nick": f"买家{i}"} for i in range(1, 40)
        ]
        rows.insert(20, dict(ITEM))  # the review the webhook also sends
        path = write_csv(self.make_dir() / "export.csv", rows)
        batch = batch_create(
            shop=self.shop, source=ImportSource.FILE, filename="export.csv", path=str(path)
        )
        services.worker("w1", queues="imports")
        responses: list = []
        body = json.dumps(ITEM, ensure_ascii=False).encode()
        self.race(
            lambda: batches.enqueue_import(batch.id),
            lambda: self.post_in_thread(body, responses),
        )
        wait_for(
            lambda: (
                ImportBatch.objects.get(id=batch.id).status
                not in (ImportStatus.PENDING, ImportStatus.RUNNING)
            ),
            60,
            message="the import to finish",
        )
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.DONE, batch.message + services.logs())
        [(code, data)] = responses
        self.assertEqual(code, 200, data)
        webhook_status = data["results"][0]["status"]
        self.assertIn(webhook_status, ("created", "unchanged"))
        # Exactly one of the two stored it; the other counted it as already there.
        self.assertEqual(batch.created + (webhook_status == "created"), len(rows))
        self.assertEqual(batch.unchanged + (webhook_status == "unchanged"), 1)
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), len(rows))
        imported = ReviewEvent.objects.filter(kind=EventKind.IMPORTED, review__shop=self.shop)
        self.assertEqual(imported.count(), len(rows))

    def test_a_webhook_racing_a_big_pipelined_import_for_the_same_review(self):
        """Files of PIPELINE_MIN_ROWS rows and more are written by a second thread; its chunk
        is decided again there when it loses the race."""
        from reviews.ingest.batches import PIPELINE_MIN_ROWS, import_batch_run

        start_services(self)
        rows = [
            {**ITEM, "order_id": f"P-{i}", "buyer_nick": f"买家{i % 300}", "rating": "好评"}
            for i in range(PIPELINE_MIN_ROWS + 200)
        ]
        rows[10] = dict(ITEM)  # in the first chunk, the one the writer thread waits with
        path = write_csv(self.make_dir() / "big.csv", rows)
        batch = batch_create(
            shop=self.shop, source=ImportSource.FILE, filename="big.csv", path=str(path)
        )

        def run_import() -> threading.Thread:
            def run() -> None:
                try:
                    import_batch_run(batch_id=batch.id)
                finally:
                    connection.close()

            thread = threading.Thread(target=run)
            thread.start()
            return thread

        responses: list = []
        body = json.dumps(ITEM, ensure_ascii=False).encode()
        self.race(run_import, lambda: self.post_in_thread(body, responses))
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportStatus.DONE, batch.message)
        [(code, data)] = responses
        self.assertEqual(code, 200, data)
        webhook_status = data["results"][0]["status"]
        self.assertIn(webhook_status, ("created", "unchanged"))
        self.assertEqual(batch.created + (webhook_status == "created"), 1)
        self.assertEqual(batch.unchanged + (webhook_status == "unchanged"), 1)
        self.assertEqual(batch.positive, len(rows) - 1)
        self.assertEqual(batch.processed_rows, len(rows))
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 1)

    def make_dir(self):
        import tempfile
        from pathlib import Path

        return Path(tempfile.mkdtemp(prefix="faults-race-"))
