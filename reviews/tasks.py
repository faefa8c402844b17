from celery import shared_task

from . import services


@shared_task(name="reviews.tasks.heartbeat_task")
def heartbeat_task(name: str = "worker") -> None:
    """Beat sends this every minute; the row it writes tells /healthz the worker is alive."""
    services.heartbeat_record(name=name)
