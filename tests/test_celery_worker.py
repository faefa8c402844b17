"""A real worker consuming from the real broker (Redis in CI; the filesystem broker on a laptop)."""

import uuid

import pytest
from django.conf import settings

from reviews.models import Heartbeat
from reviews.tasks import heartbeat_task

from .procs import Processes

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_it_runs_a_task_through_a_real_worker_and_broker():
    # A queue of this test's own, so leftovers of other runs in the broker cannot interfere.
    queue = f"test-{uuid.uuid4().hex[:8]}"
    name = f"worker-{queue}"
    with Processes(settings="config.test_settings") as procs:
        procs.worker(name, queues=queue, wait=False)
        heartbeat_task.apply_async(kwargs={"name": name}, queue=queue)
        procs.wait_for(
            lambda: Heartbeat.objects.filter(name=name).exists(),
            60,
            message="the worker to run the task",
        )
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert settings.CELERY_BROKER_URL.startswith(expected)
