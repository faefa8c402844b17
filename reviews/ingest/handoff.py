"""The hand-off of new and changed neutral/negative reviews to the planner the settings name
(REVIEWS_HANDOFF_PLANNER, outreach's), and `send`, the quick-failing enqueue it shares with
import runs.

`Review.handoff_pending_at` is the outbox: it is set in the transaction that stores the review,
so the review and its pending hand-off commit together. The task is enqueued on commit; if the
broker is down then, that enqueue is lost (an enqueue on commit alone is no outbox), but the
row stays pending and `handoff_sweep` re-enqueues it a minute later. The task hands each
review over and clears the mark in one transaction, so a redelivered or duplicated task finds
nothing left to do.
"""

import logging
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from ..models import Review

logger = logging.getLogger(__name__)

# The hand-off task's registered name: it is sent by name (reviews.tasks registers it under
# this name), so this module never imports the tasks that adapt it.
HANDOFF_TASK = "reviews.tasks.handoff_task"
TASK_SIZE = 200  # reviews per hand-off task
SWEEP_AFTER = timedelta(minutes=1)
SWEEP_LIMIT = 20_000


# After a failed send, skip sending for a while: with the broker down, each attempt costs
# seconds of connection retries, and a 100-chunk import must not pay that 100 times. The rows
# stay pending; the sweep enqueues them when the broker is back.
BROKER_BACKOFF_S = 30.0
_broker_down_until = 0.0


def send(name: str, args: tuple) -> bool:
    """Send the task registered as `name`; False when the broker is down (the caller's outbox
    row stays pending and a sweep sends it again). The import runs' enqueue uses it too, so
    one back-off spares both."""
    return send_many(name, [args]) == 1


def send_many(name: str, many: list[tuple]) -> int:
    """Send the task `name` once for each args of `many`, through one connection (a new
    connection costs tens of milliseconds: an import chunk's five hand-off tasks paid it five
    times). Returns how many were sent: those after a failure wait for the sweep."""
    global _broker_down_until
    if time.monotonic() < _broker_down_until:
        return 0
    sent = 0
    try:
        # One quick connection attempt and retry=False: with the broker down, fail in a
        # fraction of a second (the pooled default retries for ~6 s) rather than stall the
        # import; the outbox row is the retry.
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0.2, timeout=2)
            for args in many:
                current_app.send_task(name, args=args, connection=conn, retry=False)
                sent += 1
    except Exception:
        _broker_down_until = time.monotonic() + BROKER_BACKOFF_S
        logger.warning("could not enqueue %s; the sweep will retry", name, exc_info=True)
        return sent
    _broker_down_until = 0.0
    return sent


def enqueue(review_ids: list[int]) -> None:
    """The hand-off tasks of these reviews, TASK_SIZE to a task; with the broker down the rest
    waits for the sweep as well."""
    chunks = [(review_ids[i : i + TASK_SIZE],) for i in range(0, len(review_ids), TASK_SIZE)]
    if chunks:
        send_many(HANDOFF_TASK, chunks)


def enqueue_on_commit(review_ids: list[int]) -> None:
    transaction.on_commit(lambda: enqueue(review_ids))


@cache
def planner() -> Callable[..., object]:
    """The planner settings.REVIEWS_HANDOFF_PLANNER names (called with a chunk's locked
    reviews, it returns the ids it handed over), imported once per process: the settings wire
    reviews to outreach, which builds on reviews and so is never imported here."""
    return import_string(settings.REVIEWS_HANDOFF_PLANNER)


@cache
def assigner() -> Callable[..., object]:
    """The function settings.REVIEWS_HANDOFF_ASSIGNER names (assignment on arrival)."""
    return import_string(settings.REVIEWS_HANDOFF_ASSIGNER)


def _stopper() -> Callable[..., object]:
    return import_string(settings.REVIEWS_REVISED_STOPPER)


def stop_revised(review_ids: list[int]) -> None:
    """Reviews an import shows revised: the function settings.REVIEWS_REVISED_STOPPER names
    (outreach's) cancels what is still planned for them and stops their queued messages.
    Called inside the transaction that writes the revised status, so no reminder can fire in
    between; the hand-off that follows finds nothing left to stop."""
    if review_ids:
        _stopper()(review_ids=review_ids)


def reviews_hand_off(*, review_ids: list[int]) -> int:
    """Hand the still-pending reviews to the planner, together, and clear the mark of those
    it handed over, atomically; then the planned ones, together, to the assigner. A review
    the planner could not plan is left out by it and stays pending."""
    with transaction.atomic():
        # SKIP LOCKED: a concurrent copy of this task (redelivery) skips rows this one holds.
        reviews = list(
            Review.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=review_ids, handoff_pending_at__isnull=False)
            .select_related("shop", "buyer")
            .order_by("id")
        )
        if not reviews:
            return 0
        handed = list(planner()(reviews=reviews))
        if handed:
            try:
                # Once per chunk, so a 10,000-row import counts each agent's load 50 times,
                # not 10,000. A failure leaves the reviews planned but unassigned, on the
                # lead's board, rather than holding their plans back.
                with transaction.atomic():
                    assigner()(review_ids=handed)
            except Exception:
                logger.exception("assigning reviews %s on arrival failed", handed)
        return Review.objects.filter(id__in=handed).update(handoff_pending_at=None)


def handoff_sweep(*, now=None) -> dict[str, int]:
    """Beat's periodic job: re-enqueue hand-offs that a broker outage swallowed."""
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
    return {"reviews": len(ids)}
