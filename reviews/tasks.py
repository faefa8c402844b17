from celery import shared_task

from . import services
from .ingest import batches, handoff


@shared_task(name="reviews.tasks.heartbeat_task")
def heartbeat_task(name: str = "worker") -> None:
    """Beat sends this every minute; the row it writes tells /healthz the worker is alive."""
    services.heartbeat_record(name=name)


@shared_task(name=batches.IMPORT_TASK)
def import_batch_task(batch_id: int) -> None:
    """Runs on the "imports" queue (CELERY_TASK_ROUTES) so big files never delay outreach."""
    batches.import_batch_run(batch_id=batch_id)


@shared_task(name=handoff.HANDOFF_TASK, bind=True, max_retries=5)
def handoff_task(self, review_ids: list[int]) -> None:
    try:
        handoff.reviews_hand_off(review_ids=review_ids)
    except Exception as exc:  # the rows stay pending: a retry or the sweep picks them up
        raise self.retry(exc=exc, countdown=30) from exc


@shared_task(name="reviews.tasks.handoff_sweep_task")
def handoff_sweep_task() -> None:
    """Beat, every minute: re-enqueue hand-offs and uploads a broker outage swallowed, and
    queue again the imports whose worker died."""
    handoff.handoff_sweep()
    batches.batches_requeue_stalled()


@shared_task(name="reviews.tasks.retrain_classifiers_task")
def retrain_classifiers_task() -> list[str]:
    """Beat, hourly: retrain the cause classifier of every shop with enough new corrections."""
    return services.classifier_retrain_due()


@shared_task(name="reviews.tasks.uploads_cleanup_task")
def uploads_cleanup_task() -> int:
    """Beat, daily: remove the uploaded files failed or abandoned imports left behind."""
    return batches.uploads_remove_stale()
