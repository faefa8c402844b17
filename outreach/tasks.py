"""Thin Celery adapters: take ids, call a service. Routed to the "outreach" queue, so a big
import cannot delay a 20:15 call. Services enqueue these by their registered names
(dispatch.FIRE_TASK, delivery.DELIVER_TASK, lead_alerts.SEND_TASK) and never import this module."""

from celery import shared_task

from .services import delivery, dispatch, lead_alerts, sms_status


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


# A lead alert is tried at once, then after 10 s, 30 s and 90 s when the provider throttles
# (DingTalk: 20 messages a minute) or the network fails; a refusal is not retried.
ALERT_RETRIES = 3


@shared_task(bind=True, name=lead_alerts.SEND_TASK, max_retries=ALERT_RETRIES)
def lead_alert_send_task(self, alert_id: int) -> str:
    retry_in = 10 * 3**self.request.retries if self.request.retries < ALERT_RETRIES else None
    outcome = lead_alerts.leadalert_deliver(alert_id=alert_id, retry_in=retry_in)
    if outcome == "retry":
        raise self.retry(countdown=retry_in)
    return outcome


@shared_task(name="outreach.tasks.sms_status_task")
def sms_status_task() -> int:
    """Beat, every minute: ask the SMS providers about unknown outcomes and missing receipts."""
    return sms_status.sms_status_query()
