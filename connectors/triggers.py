"""An early pull: a shop's pull queued now rather than at beat's next round (a TMC message
about a new rating, a lead's new connection). Deduplicated by a conditional update on the
connection: the first trigger within the lease queues the task, the others (a burst of
messages) find it queued and queue nothing. The pull clears the mark when it claims the
shop, so a trigger after that queues the next one. Beat's scheduled pull runs behind all the
same: a trigger lost (a message while a pull runs, a worker down) costs minutes, not reviews."""

from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import ConnectionStatus, PlatformConnection

PULL_TASK = "connectors.tasks.connector_pull_task"
# A queued early pull that has not started by then (a worker down) may be queued again.
EARLY_PULL_LEASE = timedelta(minutes=2)


def connection_pull_soon(*, connection_id: int, now: datetime | None = None) -> bool:
    """Queue a pull of this connection at once, unless one is queued already or the
    connection may not pull (switched off, expired). True when this call queued it."""
    now = now or timezone.now()
    queued = (
        PlatformConnection.objects.filter(id=connection_id, enabled=True)
        .exclude(status=ConnectionStatus.EXPIRED)
        .filter(Q(pull_wanted_at__isnull=True) | Q(pull_wanted_at__lt=now - EARLY_PULL_LEASE))
        .update(pull_wanted_at=now)
    )
    if queued != 1:
        return False
    transaction.on_commit(lambda: current_app.send_task(PULL_TASK, args=(connection_id,)))
    return True
