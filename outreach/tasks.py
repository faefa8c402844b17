"""Thin Celery adapters: take ids, call a service. Routed to the "outreach" queue, so a big
import cannot delay a 20:15 call. Services enqueue these by their registered names
(dispatch.FIRE_TASK, delivery.DELIVER_TASK) and never import this module."""

from celery import shared_task

from .services import delivery, dispatch


@shared_task(name="outreach.tasks.tick_task")
def tick_task() -> int:
    """Beat, every 5 s: reap stuck claims, dispatch what falls due, escalate, sweep."""
    return dispatch.outreach_tick()


@shared_task(name=dispatch.FIRE_TASK)
def fire_planned_task(ids: list[int]) -> int:
    return len(dispatch.plannedcontact_fire(ids=ids))


@shared_task(name=delivery.DELIVER_TASK)
def deliver_message_task(message_id: int) -> bool:
    return delivery.message_deliver(message_id=message_id)
