"""The hand-off of new and changed neutral/negative reviews to the outreach planner.

`Review.handoff_pending_at` is the outbox: it is set in the transaction that stores the review,
so the review and its pending hand-off commit together. The task is enqueued on commit; if the
broker is down then (DESIGN.md: `delay_on_commit` is not an outbox), the row stays pending and
`handoff_sweep` re-enqueues it a minute later. The task hands each review over and clears the
mark in one transaction, so a redelivered or duplicated task finds nothing left to do.
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from ..models import ImportBatch, ImportRowError, ImportStatus, Review

logger = logging.getLogger(__name__)

TASK_SIZE = 200  # reviews per hand-off task
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_LIMIT = 20_000
# A batch still "running" this long after its last progress lost its worker (the task time
# limit is 30 minutes): it goes back to pending and runs again (imports are idempotent).
STUCK_AFTER = timedelta(minutes=35)


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
        stuck = list(
            ImportBatch.objects.filter(
                status=ImportStatus.RUNNING, updated_at__lt=now - STUCK_AFTER
            ).values_list("id", flat=True)
        )
        if stuck:
            # Run again from the start (imports are idempotent): fresh counts and errors.
            ImportRowError.objects.filter(batch_id__in=stuck).delete()
            ImportBatch.objects.filter(id__in=stuck).update(
                status=ImportStatus.PENDING,
                processed_rows=0,
                created=0,
                updated=0,
                unchanged=0,
                positive=0,
                revised=0,
                rejected=0,
                updated_at=now,
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
