"""The hand-off to the outreach planner: the outbox row, the task, the sweep — and a real
Redis outage (a redis-server this test starts and stops itself on a free port)."""

import base64
import json
import shutil
import time
import unittest
from datetime import timedelta
from unittest import mock

import time_machine
from django.test import override_settings
from django.utils import timezone

import outreach.services
from config.celery import app
from outreach.services import first_plan
from reviews.ingest import batches, handoff
from reviews.ingest.batches import items_import
from reviews.models import ImportBatch, ImportSource, Review
from reviews.tasks import handoff_sweep_task, handoff_task, import_batch_task

from ..base import BaseTestCase
from ..procs import RedisServer, point_app
from .ingest_support import FakeClassifierMixin

ENGLISH = override_settings(LANGUAGE_CODE="en")  # messages are asserted in English


def items(n: int = 2) -> list[dict]:
    return [
        {
            "review_id": f"H{i}",
            "order_id": f"O{i}",
            "buyer_nick": f"b{i}",
            "rating": "差评",
            "text": "质量太差",
            "reviewed_at": "2024-11-12 10:00",
        }
        for i in range(n)
    ]


def handed_all(*, reviews):
    """A stand-in planner that hands every review over."""
    return [r.pk for r in reviews]


@ENGLISH
class HandoffTestCase(FakeClassifierMixin, BaseTestCase):
    def test_new_reviews_are_pending_and_enqueued_on_commit(self):
        with (
            mock.patch.object(handoff, "enqueue") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            items_import(shop=self.shop, items=items(2))
        ids = sorted(Review.objects.values_list("id", flat=True))
        enqueue.assert_called_once_with(ids)
        self.assertEqual(Review.objects.filter(handoff_pending_at__isnull=False).count(), 2)

    def test_the_task_hands_each_review_over_once_and_clears_the_mark(self):
        items_import(shop=self.shop, items=items(3))
        ids = list(Review.objects.values_list("id", flat=True))
        with mock.patch.object(handoff, "planner") as planner:
            planner.return_value.side_effect = handed_all
            self.assertEqual(handoff.reviews_hand_off(review_ids=ids), 3)
            self.assertEqual(handoff.reviews_hand_off(review_ids=ids), 0)  # a redelivered task
        # One call for the chunk, with every pending review; none for the redelivery.
        self.assertEqual(planner.return_value.call_count, 1)
        planned = planner.return_value.call_args.kwargs["reviews"]
        self.assertEqual(sorted(r.pk for r in planned), sorted(ids))
        self.assertFalse(Review.objects.filter(handoff_pending_at__isnull=False).exists())

    def test_the_planner_is_the_one_the_settings_name(self):
        self.assertIs(handoff.planner(), outreach.services.reviews_plan)

    def test_one_failing_review_does_not_block_the_others(self):
        items_import(shop=self.shop, items=items(2))
        first, second = Review.objects.order_by("id")
        plan_new = first_plan._Chunk._new

        def new(chunk, review):
            if review.pk == first.pk:
                raise RuntimeError("planner bug")
            return plan_new(chunk, review)

        with mock.patch.object(first_plan._Chunk, "_new", new):
            self.assertEqual(handoff.reviews_hand_off(review_ids=[first.pk, second.pk]), 1)
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertIsNotNone(first.handoff_pending_at)
        self.assertIsNone(second.handoff_pending_at)
        self.assertFalse(first.planned_contacts.exists())  # nothing half-planned
        self.assertTrue(second.planned_contacts.exists())
        # Fixed, the next run plans it.
        self.assertEqual(handoff.reviews_hand_off(review_ids=[first.pk, second.pk]), 1)
        self.assertTrue(first.planned_contacts.exists())

    def test_the_sweep_re_enqueues_reviews_pending_for_over_a_minute(self):
        items_import(shop=self.shop, items=items(2))
        with (
            mock.patch.object(handoff, "enqueue") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(handoff.handoff_sweep()["reviews"], 0)  # too fresh
            later = timezone.now() + timedelta(minutes=2)
            self.assertEqual(handoff.handoff_sweep(now=later)["reviews"], 2)
            self.assertEqual(handoff.handoff_sweep(now=later + timedelta(seconds=5))["reviews"], 0)
        self.assertEqual(enqueue.call_count, 1)

    def test_the_sweep_re_enqueues_uploads_whose_task_never_arrived(self):
        batch = ImportBatch.objects.create(
            shop=self.shop, source=ImportSource.FILE, platform="taobao", path="imports/a.csv"
        )
        with (
            mock.patch.object(batches, "enqueue_import") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            batches.batches_requeue_stalled(now=timezone.now() + timedelta(minutes=2))
        enqueue.assert_called_once_with(batch.pk)

    def test_beat_s_sweep_task_sweeps_hand_offs_and_import_batches(self):
        with (
            mock.patch.object(handoff, "handoff_sweep") as reviews,
            mock.patch.object(batches, "batches_requeue_stalled") as stalled,
        ):
            handoff_sweep_task.apply().get()
        reviews.assert_called_once_with()
        stalled.assert_called_once_with()

    def test_the_tasks_keep_the_names_beat_and_the_routes_use(self):
        self.assertEqual(import_batch_task.name, "reviews.tasks.import_batch_task")
        self.assertEqual(handoff_task.name, "reviews.tasks.handoff_task")
        self.assertEqual(handoff_sweep_task.name, "reviews.tasks.handoff_sweep_task")


@unittest.skipUnless(shutil.which("redis-server"), "needs redis-server")
@ENGLISH
class RedisOutageTestCase(FakeClassifierMixin, BaseTestCase):
    """Reviews imported while Redis is down are stored and pending; once Redis is back, the
    sweep enqueues them and the hand-off happens (the queued message is consumed and run)."""

    def setUp(self):
        super().setUp()
        handoff._broker_down_until = 0.0
        self.addCleanup(setattr, handoff, "_broker_down_until", 0.0)
        # A redis-server of this test's own; through the outage itself this process keeps its
        # connection pools, as a real web or worker process would.
        self.redis = RedisServer()
        self.addCleanup(self.redis.stop)
        saved = app.conf.broker_transport_options
        point_app(self.redis.url)
        app.conf.broker_transport_options = {"visibility_timeout": 3600}

        def restore():
            app.conf.broker_transport_options = saved
            point_app(None)

        self.addCleanup(restore)

    def test_the_hand_off_survives_a_redis_outage(self):
        import redis

        self.redis.start()
        self.redis.stop()  # Redis goes down

        started = time.monotonic()
        with self.captureOnCommitCallbacks(execute=True):
            batch, results = items_import(shop=self.shop, items=items(3))
        self.assertLess(time.monotonic() - started, 3)  # the enqueue failed fast
        self.assertEqual(batch.created, 3)  # the reviews are stored...
        self.assertEqual(
            Review.objects.filter(handoff_pending_at__isnull=False).count(), 3
        )  # ...pending

        self.redis.start()  # Redis is back
        handoff._broker_down_until = 0.0  # (the sweep runs after the back-off in real life)
        client = redis.Redis(port=self.redis.port)
        self.assertEqual(client.llen("default"), 0)  # nothing was enqueued during the outage
        with (
            time_machine.travel(timezone.now() + timedelta(minutes=2)),
            self.captureOnCommitCallbacks(execute=True),
        ):
            self.assertEqual(handoff.handoff_sweep()["reviews"], 3)

        # Consume the queued message as a worker would, and run the task it names.
        raw = client.rpop("default")
        self.assertIsNotNone(raw)
        message = json.loads(raw)
        self.assertEqual(message["headers"]["task"], "reviews.tasks.handoff_task")
        args, kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        with mock.patch.object(handoff, "planner") as planner:
            planner.return_value.side_effect = handed_all
            app.tasks[message["headers"]["task"]].apply(args=args, kwargs=kwargs).get()
        self.assertEqual(planner.return_value.call_count, 1)  # the chunk, together
        self.assertEqual(len(planner.return_value.call_args.kwargs["reviews"]), 3)
        self.assertFalse(Review.objects.filter(handoff_pending_at__isnull=False).exists())

    def test_the_sweep_requeues_an_import_whose_worker_died(self):
        """A running batch is alive while its worker holds the run lease (an advisory lock on
        the worker's connection); once nobody holds it, the sweep re-queues the batch with its
        counts and errors, and the next run resumes after them."""
        import psycopg2
        from django.db import connection

        from reviews.models import ImportRowError

        if connection.vendor != "postgresql":
            self.skipTest("the run lease is a PostgreSQL advisory lock")
        batch = ImportBatch.objects.create(
            shop=self.shop, source=ImportSource.FILE, platform="taobao", path="imports/a.csv"
        )
        ImportBatch.objects.filter(pk=batch.pk).update(
            status="running", processed_rows=500, rejected=1
        )
        ImportRowError.objects.create(batch=batch, row=3, reason="x")
        params = connection.get_connection_params()
        worker = psycopg2.connect(**params)  # the worker's own connection, holding the lease
        self.addCleanup(worker.close)
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [batches.IMPORT_LEASE, batch.pk])
        with (
            mock.patch.object(batches, "enqueue_import") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            batches.batches_requeue_stalled(
                now=timezone.now() + timedelta(hours=2)
            )  # slow, but alive
        enqueue.assert_not_called()
        worker.close()  # the worker dies: PostgreSQL drops its lock (as its backend exits)
        for _ in range(100):
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                    " AND classid = %s AND objid = %s",
                    [batches.IMPORT_LEASE, batch.pk],
                )
                if not cursor.fetchone()[0]:
                    break
            time.sleep(0.05)
        with (
            mock.patch.object(batches, "enqueue_import") as enqueue,
            self.captureOnCommitCallbacks(execute=True),
        ):
            batches.batches_requeue_stalled()
        enqueue.assert_called_once_with(batch.pk)
        batch.refresh_from_db()
        self.assertEqual((batch.status, batch.processed_rows, batch.rejected), ("pending", 500, 1))
        self.assertEqual(batch.errors.count(), 1)
