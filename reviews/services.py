"""Writes. Every state change of a review goes through a function here and leaves an event."""

from django.utils import timezone

from .models import Heartbeat


def heartbeat_record(*, name: str) -> None:
    Heartbeat.objects.update_or_create(name=name, defaults={"seen_at": timezone.now()})
