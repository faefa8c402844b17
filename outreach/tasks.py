"""Thin Celery adapters: take ids, call a service.  Routed to the "outreach" queue."""

from celery import shared_task

from . import services


@shared_task(name="outreach.tasks.tick_task")
def tick_task() -> int:
    """Beat, every 5 s: reap stuck claims, dispatch what falls due, escalate, sweep."""
    return services.outreach_tick()


@shared_task(name="outreach.tasks.fire_planned_task")
def fire_planned_task(ids: list[int]) -> int:
    return len(services.plannedcontact_fire(ids=ids))


@shared_task(name="outreach.tasks.deliver_message_task")
def deliver_message_task(message_id: int) -> bool:
    return services.message_deliver(message_id=message_id)
