"""Follow-ups falling due while Redis is down, with the real dispatcher
and worker: some already claimed and waiting in the worker for their minute when Redis goes,
others planned and due during the outage; Redis comes back empty (no persistence: every
message it held is gone). Each fires exactly once. (tests/outreach/test_scheduler_services.py
covers an outage before anything was claimed.)"""

import time
from datetime import timedelta
from unittest import skipUnless

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from outreach.models import PlannedContact, PlanState
from reviews.models import EventKind

from ..outreach.scene import FollowupSceneMixin
from ..procs import start_services, wait_for


@pytest.mark.services
@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
class FollowupRedisOutageTestCase(FollowupSceneMixin, TransactionTestCase):
    def fire_events(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for event in self.review.events.filter(kind=EventKind.DUE):
            item = event.data["planned_contact"]
            counts[item] = counts.get(item, 0) + 1
        return counts

    def test_follow_ups_due_while_redis_is_down_fire_once_when_it_is_back(self):
        services = start_services(self)
        services.dispatcher()
        services.worker("w1", queues="outreach")
        # A probe fired proves the dispatcher and the worker are up before the clock matters.
        [probe] = self.plan(1, due_in=0)
        wait_for(
            lambda: PlannedContact.objects.filter(id=probe.id, fired_at__isnull=False).exists(),
            30,
            message="the probe to fire",
        )
        held = self.plan(20, due_in=4)
        ids = [item.id for item in held]
        items = PlannedContact.objects.filter(id__in=ids)
        # Claimed at once (the dispatcher looks 10 s ahead): their tasks wait for the minute.
        wait_for(
            lambda: items.filter(state=PlanState.CLAIMED).count() == 20,
            30,
            message="the dispatcher to claim the follow-ups",
        )
        services.redis.stop()
        during = self.plan(10, due_in=1)  # planned, and due, while Redis is down
        ids += [item.id for item in during]
        items = PlannedContact.objects.filter(id__in=ids)
        last_due = max(item.due_at for item in held)
        wait_for(lambda: timezone.now() > last_due + timedelta(seconds=1), 10, message="due")
        self.assertFalse(
            PlannedContact.objects.filter(
                id__in=[i.id for i in during], fired_at__isnull=False
            ).exists()
        )
        services.redis.start()  # empty: whatever it held is lost
        services.wait_for(
            lambda: items.filter(fired_at__isnull=False).count() == 30,
            60,
            message="all 30 follow-ups to fire",
        )
        # A claim taken for lost is freed after its lease (3 s here) and fired again only if
        # it never fired; a copy of a task may still arrive: give both one lease, then count.
        time.sleep(4)
        fired = self.fire_events()
        self.assertEqual({i: fired.get(i, 0) for i in ids}, dict.fromkeys(ids, 1))
        for item in items:
            self.assertGreaterEqual(item.fired_at, item.due_at)  # never early
