"""Thin Celery adapters: release a binding after its call, and beat's sweep of expired ones."""

from celery import shared_task

from . import services
from .models import MaskedCall


@shared_task(name=services.UNBIND_TASK)
def call_unbind_task(call_id: int) -> bool:
    call = MaskedCall.objects.filter(id=call_id).first()
    return call is not None and services.call_unbind(call=call)


@shared_task(name="calls.tasks.calls_unbind_expired_task")
def calls_unbind_expired_task() -> int:
    return services.calls_unbind_expired()
