"""The scheduler against the real services: PostgreSQL, a redis-server and Celery workers the
test starts itself.  Run with DATABASE_URL set to PostgreSQL."""

import os
import signal
import tempfile
import time
from pathlib import Path
from unittest import skipUnless

import pytest
from django.db import connection
from django.test import TransactionTestCase
from django.utils import timezone

from outreach.models import Channel, Kind, Message, MessageState, PlannedContact, PlanState
from reviews.models import EventKind, Review

from ..platform import revised_on_platform
from ..procs import Processes, RedisServer, wait_for
from .fake_aliyun_sms import FakeAliyunSms, aliyun_account
from .scene import FollowupSceneMixin

SLOW = "tests.outreach.slow_backend.SlowLoggingBackend"


@pytest.mark.services
@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
class SchedulerServicesTestCase(FollowupSceneMixin, TransactionTestCase):
    def setUp(self):
        super().setUp()
        self.redis = RedisServer()
        self.redis.start()
        self.addCleanup(self.redis.stop)

    def start(self, **env) -> Processes:
        processes = Processes(self.redis, **env)
        self.addCleanup(processes.stop_all)
        self.processes = processes
        return processes

    def fired(self, items) -> list[PlannedContact]:
        return list(
            PlannedContact.objects.filter(id__in=[i.id for i in items], fired_at__isnull=False)
        )

    def wait_fired(self, items, timeout: float) -> list[PlannedContact]:
        return self.processes.wait_for(
            lambda: len(self.fired(items)) == len(items) and self.fired(items),
            timeout,
            message=f"{len(items)} items to fire",
        )

    def fire_events(self, item) -> int:
        return self.review.events.filter(kind=EventKind.DUE, data__planned_contact=item.id).count()

    def test_it_fires_on_time(self):
        with FakeAliyunSms() as provider:
            aliyun_account(self.shop, provider, templates={Kind.REMINDER_SMS: "您好，提醒一下"})
            procs = self.start()
            procs.dispatcher()
            procs.worker("w1")
            followups = self.plan(3, due_in=3)
            reminder = self.plan(1, due_in=3, kind=Kind.REMINDER_SMS, channel=Channel.SMS)
            for item in self.wait_fired(followups + reminder, timeout=15):
                lateness = (item.fired_at - item.due_at).total_seconds()
                self.assertLess(lateness, 2.0)
                self.assertGreaterEqual(lateness, -0.05)  # never early
            wait_for(
                lambda: Message.objects.filter(state=MessageState.SENT).count() == 1,
                10,
                message="the reminder to be sent",
            )
        self.assertEqual(len(provider.send_calls), 1)
        self.assertEqual(PlannedContact.objects.filter(state=PlanState.DUE).count(), 3)

    def test_it_fires_once_when_a_worker_is_killed_mid_task(self):
        send_log = Path(tempfile.mkdtemp(prefix="outreach-sends-")) / "sends.log"
        procs = self.start(
            OUTREACH_MESSAGE_BACKEND=SLOW,
            OUTREACH_TEST_SEND_LOG=str(send_log),
            OUTREACH_TEST_SEND_SECONDS="30",
            OUTREACH_TEST_VISIBILITY_TIMEOUT="3",
        )
        procs.dispatcher()
        worker = procs.worker("w1")
        # A message whose delivery is killed mid-send, and a follow-up held (ETA) by the
        # worker that is killed.
        [message_item] = self.plan(1, due_in=1, kind=Kind.REMINDER_SMS, channel=Channel.SMS)
        starts = wait_for(
            lambda: send_log.exists() and send_log.read_text().split("\n")[0],
            15,
            message="the send to start",
        )
        [followup] = self.plan(1, due_in=5)
        wait_for(
            lambda: PlannedContact.objects.get(id=followup.id).state == PlanState.CLAIMED,
            10,
            message="the follow-up to be claimed",
        )
        os.kill(int(starts.split()[2]), signal.SIGKILL)  # the pool child, mid-send
        procs.kill(worker)  # …and then the whole worker, with the follow-up in its memory
        procs.worker("w2")

        self.wait_fired([followup], timeout=20)
        message = wait_for(
            lambda: Message.objects.filter(state=MessageState.FAILED).first(),
            20,
            message="the stuck message to be failed by the reaper",
        )
        time.sleep(4)  # let any redelivered copy (visibility timeout 3 s) run
        self.assertEqual(self.fire_events(followup), 1)
        self.assertIn("outcome unknown", message.last_error)
        self.assertEqual(Message.objects.count(), 1)
        lines = send_log.read_text().splitlines()
        self.assertEqual(len([line for line in lines if line.startswith("start")]), 1, lines)
        message_item.refresh_from_db()
        self.assertEqual(message_item.state, PlanState.DONE)

    def test_it_fires_once_when_workers_and_dispatchers_race(self):
        with FakeAliyunSms() as provider:
            aliyun_account(self.shop, provider, templates={Kind.REMINDER_SMS: "您好，提醒一下"})
            procs = self.start(
                OUTREACH_TEST_VISIBILITY_TIMEOUT="3",
            )
            procs.dispatcher("d1", interval=0.1)
            procs.dispatcher("d2", interval=0.1)
            procs.worker("w1", concurrency=2, wait=False)
            procs.worker("w2", concurrency=2)
            followups = self.plan(100, due_in=3)
            messages = self.plan(20, due_in=3, kind=Kind.REMINDER_SMS, channel=Channel.SMS)
            self.wait_fired(followups + messages, timeout=25)
            # Duplicate every task on top (what a broker redelivery would do).
            from config.celery import app
            from outreach.tasks import deliver_message_task, fire_planned_task

            with app.connection_for_write(self.redis.url) as conn:
                fire_planned_task.apply_async(
                    ([i.id for i in followups + messages],), connection=conn
                )
                for message_id in Message.objects.values_list("id", flat=True):
                    deliver_message_task.apply_async((message_id,), connection=conn)
            wait_for(
                lambda: Message.objects.filter(state=MessageState.SENT).count() == 20,
                20,
                message="20 messages to be sent",
            )
            time.sleep(4)
        for item in followups:
            self.assertEqual(self.fire_events(item), 1)
        self.assertEqual(Message.objects.count(), 20)
        self.assertEqual(len(provider.send_calls), 20)
        keys = [r["OutId"] for r in provider.send_calls]
        self.assertEqual(len(set(keys)), 20)

    def test_it_fires_after_redis_comes_back(self):
        with FakeAliyunSms() as provider:
            aliyun_account(self.shop, provider, templates={Kind.REMINDER_SMS: "您好，提醒一下"})
            procs = self.start()
            procs.dispatcher()
            procs.worker("w1")
            self.redis.stop()
            # Planned while Redis is down, and due while it is down.
            followups = self.plan(2, due_in=1)
            reminder = self.plan(1, due_in=1, kind=Kind.REMINDER_SMS, channel=Channel.SMS)
            time.sleep(3)
            self.assertEqual(self.fired(followups + reminder), [])
            self.redis.start()
            self.wait_fired(followups + reminder, timeout=40)
            wait_for(
                lambda: Message.objects.filter(state=MessageState.SENT).count() == 1,
                20,
                message="the reminder to be sent",
            )
        for item in followups:
            self.assertEqual(self.fire_events(item), 1)
        self.assertEqual(len(provider.send_calls), 1)

    def test_it_never_fires_cancelled_items(self):
        with FakeAliyunSms() as provider:
            aliyun_account(self.shop, provider, templates={Kind.REMINDER_SMS: "您好，提醒一下"})
            procs = self.start()
            procs.dispatcher()
            procs.worker("w1")
            early = self.plan(2, due_in=3) + self.plan(
                1, due_in=3, kind=Kind.REMINDER_SMS, channel=Channel.SMS
            )
            PlannedContact.objects.filter(id__in=[i.id for i in early]).update(
                state=PlanState.CANCELLED
            )
            # Cancelled after the dispatcher claimed it, while its task waits for the ETA.
            [late] = self.plan(1, due_in=5, kind=Kind.REMINDER_SMS, channel=Channel.SMS)
            wait_for(
                lambda: PlannedContact.objects.get(id=late.id).state == PlanState.CLAIMED,
                10,
                message="the dispatcher to claim it",
            )
            # The platform shows the review revised: the import marks it so.
            Review.objects.filter(id=self.review.id).update(external_key="id:R1")
            self.review.refresh_from_db()
            response = revised_on_platform(self.client, self.review)
            self.assertEqual(response.json()["counts"]["revised"], 1, response.content)
            # Absence can only be shown by waiting: until 2 s past the late item's due time.
            time.sleep(max(0, (late.due_at - timezone.now()).total_seconds() + 2))
        self.assertEqual(self.fired(early + [late]), [])
        self.assertEqual(Message.objects.count(), 0)
        self.assertEqual(provider.send_calls, [])
        self.assertEqual(PlannedContact.objects.exclude(state=PlanState.CANCELLED).count(), 0)
