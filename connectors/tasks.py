"""Thin Celery adapters (routed to the imports queue): beat's fan-out, one pull per shop."""

from celery import shared_task

from . import services


@shared_task(name="connectors.tasks.pull_due_task")
def pull_due_task() -> int:
    return services.connections_pull_due()


@shared_task(name=services.PULL_TASK)
def connector_pull_task(connection_id: int) -> str:
    run = services.connection_pull(connection_id=connection_id)
    return run.outcome if run else ""


@shared_task(name="connectors.tasks.refresh_tokens_task")
def refresh_tokens_task() -> int:
    return services.connections_refresh_due()
