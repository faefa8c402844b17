"""The hand-off of new and changed neutral/negative reviews to the outreach planner.

`Review.handoff_pending_at` is the outbox: it is set in the transaction that stores the review,
so the review and its pending hand-off commit together. The task is enqueued on commit; if the
broker is down then (DESIGN.md: `delay_on_commit` is not an outbox), the row stays pending and
`handoff_sweep` re-enqueues it a minute later. The task hands each review over and clears the
mark in one transaction, so a redelivered or duplicated task finds nothing left to do.
"""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from ..models import ImportBatch, ImportStatus, Review

logger = logging.getLogger(__name__)

TASK_SIZE = 200  # reviews per hand-off task
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_LIMIT = 20_000
# A running import holds a PostgreSQL advisory lock (IMPORT_LEASE, batch id) on its worker's
# connection: when the worker dies, even by SIGKILL, PostgreSQL drops the connection and the
# lock with it, so the sweep knows at once that a "running" batch has no worker and re-queues
# it; the next run resumes after the rows already committed (service.import_batch_run).
IMPORT_LEASE = 0x52440001  # "RD" 1: the advisory lock namespace of import runs
# Without PostgreSQL (the SQLite first look) there are no such locks: a batch still "running"
# this long after its last progress lost its worker (the task time limit is 30 minutes).
STUCK_AFTER = timedelta(minutes=35)


@contextmanager
def run_lease(batch_id: int) -> Iterator[bool]:
    """Hold the batch's run lease while the block runs; False when another run holds it.
    Taken before the batch is marked running, so a running batch without the lease is dead."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LEASE, batch_id])
        leased = cursor.fetchone()[0]
    try:
        yield leased
    finally:
        if leased:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LEASE, batch_id])
            except DatabaseError:  # the connection is gone, and the lock with it
                logger.warning("could not release the lease of batch %s", batch_id)


def _dead_runs(now) -> list[int]:
    """Running batches whose worker is gone (see IMPORT_LEASE)."""
    running = ImportBatch.objects.filter(status=ImportStatus.RUNNING).exclude(path="")
    if connection.vendor != "postgresql":
        return list(running.filter(updated_at__lt=now - STUCK_AFTER).values_list("id", flat=True))
    dead = []
    with connection.cursor() as cursor:
        for batch_id in running.values_list("id", flat=True):
            # Held until the sweep's transaction ends: no new run starts in between.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_LEASE, batch_id])
            if cursor.fetchone()[0]:
                dead.append(batch_id)
    return dead


# After a failed send, skip sending for a while: with the broker down, each attempt costs
# seconds of connection retries, and a 100-chunk import must not pay that 100 times. The rows
# stay pending; the sweep enqueues them when the broker is back.
BROKER_BACKOFF_S = 30.0
_broker_down_until = 0.0


def _send(task, args: tuple) -> bool:
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return False
    try:
        # One quick connection attempt and retry=False: with the broker down, fail in a
        # fraction of a second (the pooled default retries for ~6 s) rather than stall the
        # import; the outbox row is the retry.
        with task.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            task.apply_async(args, connection=conn, retry=False)
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_S
        logger.warning("could not enqueue %s; the sweep will retry", task.name, exc_info=True)
        return False
    _broker_down_until = 0.0
    return True


def enqueue(review_ids: list[int]) -> None:
    from ..tasks import handoff_task

    for start in range(0, len(review_ids), TASK_SIZE):
        if not _send(handoff_task, (review_ids[start : start + TASK_SIZE],)):
            return  # the broker is down: the rest waits for the sweep as well


def enqueue_on_commit(review_ids: list[int]) -> None:
    transaction.on_commit(lambda: enqueue(review_ids))


def enqueue_import(batch_id: int) -> None:
    from ..tasks import import_batch_task

    _send(import_batch_task, (batch_id,))


def reviews_hand_off(*, review_ids: list[int]) -> int:
    """Hand each still-pending review to the planner and clear its mark, atomically."""
    from outreach import services as outreach

    done = 0
    with transaction.atomic():
        # SKIP LOCKED: a concurrent copy of this task (redelivery) skips rows this one holds.
        reviews = list(
            Review.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=review_ids, handoff_pending_at__isnull=False)
            .select_related("shop", "buyer")
            .order_by("id")
        )
        handed = []
        for review in reviews:
            try:
                with transaction.atomic():  # one review's failure must not block the others
                    outreach.review_plan(review=review)
            except Exception:
                logger.exception("planning review %s failed; it stays pending", review.pk)
                continue
            handed.append(review.pk)
        done = Review.objects.filter(id__in=handed).update(handoff_pending_at=None)
    return done


def handoff_sweep(*, now=None) -> dict[str, int]:
    """Beat's periodic job: re-enqueue hand-offs and imports that a broker outage swallowed."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Review.objects.filter(handoff_pending_at__lt=now - SWEEP_AFTER)
            .order_by("handoff_pending_at")
            .values_list("id", flat=True)[:SWEEP_LIMIT]
        )
        if ids:
            # Restart their clock so the next sweep does not enqueue them again at once.
            Review.objects.filter(id__in=ids).update(handoff_pending_at=now)
            enqueue_on_commit(ids)
        stuck = _dead_runs(now)
        if stuck:
            # Queued again with their counts and errors: the next run resumes after the rows
            # the committed chunks hold (each chunk commits its rows and counts together).
            ImportBatch.objects.filter(id__in=stuck, status=ImportStatus.RUNNING).update(
                status=ImportStatus.PENDING, updated_at=now
            )
        batches = list(
            ImportBatch.objects.filter(
                status=ImportStatus.PENDING, created_at__lt=now - SWEEP_AFTER
            )
            .exclude(path="")
            .values_list("id", flat=True)[:100]
        )
        batches += [batch_id for batch_id in stuck if batch_id not in batches]
        for batch_id in batches:
            transaction.on_commit(lambda b=batch_id: enqueue_import(b))
    return {"reviews": len(ids), "batches": len(batches)}
