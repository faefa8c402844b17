from contextlib import contextmanager
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

from outreach import services
from outreach.models import Channel, Kind, Message, PlannedContact, PlanState
from reviews.models import EventKind, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 20, 15, tzinfo=SH)
# What the dispatcher would hand the broker, read instead of sent.
SEND = "outreach.services.dispatch.send_fire"


@contextmanager
def fires(**behaviour):
    with mock.patch(SEND, **behaviour) as send:
        yield send


@time_machine.travel(NOW, tick=False)
class DispatcherTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)

    def item(self, due_at, kind=Kind.REVISE_FOLLOWUP, channel=Channel.IM, **fields):
        return PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=kind,
            channel=channel,
            due_at=due_at,
            assigned_to=self.agent,
            **fields,
        )

    def test_it_claims_what_falls_due_within_the_lookahead_with_a_short_eta(self):
        soon = self.item(NOW + timedelta(seconds=5))
        later = self.item(NOW + timedelta(minutes=5))
        with fires() as fire:
            self.assertEqual(services.plannedcontact_dispatch_due(), 1)
        fire.assert_called_once()
        self.assertEqual(fire.call_args.args, ([soon.id], soon.due_at))
        soon.refresh_from_db()
        later.refresh_from_db()
        self.assertEqual(soon.state, PlanState.CLAIMED)
        self.assertEqual(later.state, PlanState.PLANNED)

    def test_it_leaves_items_planned_days_ahead_in_the_database_until_they_fall_due(self):
        # No long Celery ETA (Redis would redeliver it after visibility_timeout): the row
        # waits, and the dispatcher hands it out seconds before its minute.
        item = self.item(NOW + timedelta(days=3))
        with fires() as fire:
            services.plannedcontact_dispatch_due()
            fire.assert_not_called()
            with time_machine.travel(item.due_at - timedelta(seconds=4), tick=False):
                services.plannedcontact_dispatch_due()
        self.assertEqual(fire.call_args.args[1], item.due_at)

    def test_it_never_dispatches_cancelled_items(self):
        self.item(NOW - timedelta(minutes=1), state=PlanState.CANCELLED)
        with fires() as fire:
            self.assertEqual(services.plannedcontact_dispatch_due(), 0)
        fire.assert_not_called()

    def test_it_batches_items_due_in_the_same_second(self):
        items = [self.item(NOW) for _ in range(450)]
        conf = {"LOOKAHEAD_SECONDS": 10, "CLAIM_LEASE_SECONDS": 60, "BATCH_SIZE": 200}
        with fires() as fire, self.settings(OUTREACH_DISPATCH=conf):
            services.plannedcontact_dispatch_due()
        batches = [call.args[0] for call in fire.call_args_list]
        self.assertEqual([len(b) for b in batches], [200, 200, 50])
        self.assertEqual(sorted(i for b in batches for i in b), sorted(i.id for i in items))

    def test_it_gives_the_claims_back_when_the_broker_is_down(self):
        item = self.item(NOW)
        with fires(side_effect=OSError("redis down")):
            self.assertEqual(services.plannedcontact_dispatch_due(), 0)
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.PLANNED)
        self.assertIsNone(item.claimed_at)

    def test_it_reaps_items_stuck_in_claimed(self):
        item = self.item(
            NOW - timedelta(minutes=5),
            state=PlanState.CLAIMED,
            claimed_at=NOW - timedelta(minutes=5),
        )
        fresh = self.item(NOW, state=PlanState.CLAIMED, claimed_at=NOW)
        self.assertEqual(services.plannedcontact_reap(), 1)
        item.refresh_from_db()
        fresh.refresh_from_db()
        self.assertEqual(item.state, PlanState.PLANNED)
        self.assertEqual(fresh.state, PlanState.CLAIMED)


@time_machine.travel(NOW, tick=False)
class FireTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)

    def claimed(self, kind=Kind.REVISE_FOLLOWUP, channel=Channel.IM, **fields):
        return PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=kind,
            channel=channel,
            due_at=NOW,
            state=PlanState.CLAIMED,
            claimed_at=NOW,
            assigned_to=self.agent,
            **fields,
        )

    def test_it_makes_a_followup_due_for_the_agent_once(self):
        item = self.claimed()
        self.assertEqual(services.plannedcontact_fire(ids=[item.id]), [item.id])
        self.assertEqual(services.plannedcontact_fire(ids=[item.id]), [])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.DUE)
        self.assertEqual(item.fired_at, timezone.now())
        self.assertEqual(list(PlannedContact.objects.due_for(self.agent)), [item])
        fired = self.review.events.get(kind=EventKind.DUE)
        self.assertEqual(fired.data, {"planned_contact": item.id, "kind": item.kind})

    def test_it_writes_a_message_to_the_outbox_once(self):
        item = self.claimed(kind=Kind.REMINDER_SMS, channel=Channel.SMS, body="您好")
        with self.captureOnCommitCallbacks() as callbacks:
            services.plannedcontact_fire(ids=[item.id])
        services.plannedcontact_fire(ids=[item.id])
        message = Message.objects.get()
        self.assertEqual(message.idempotency_key, f"plan-{item.id}")
        self.assertEqual(message.to, "13812345678")
        self.assertEqual(len(callbacks), 1)  # its delivery is enqueued on commit
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.DONE)

    def test_it_never_fires_a_cancelled_item(self):
        item = self.claimed()
        PlannedContact.objects.filter(id=item.id).update(state=PlanState.CANCELLED)
        self.assertEqual(services.plannedcontact_fire(ids=[item.id]), [])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.CANCELLED)

    def test_it_cancels_at_fire_time_when_the_review_was_revised_meanwhile(self):
        item = self.claimed(kind=Kind.REMINDER_SMS, channel=Channel.SMS, body="您好")
        self.review.status = Status.REVISED
        self.review.save()
        self.assertEqual(services.plannedcontact_fire(ids=[item.id]), [])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.CANCELLED)
        self.assertFalse(Message.objects.exists())

    def test_it_still_makes_a_care_call_due_when_the_review_was_revised(self):
        item = self.claimed(kind=Kind.CARE_CALL, channel=Channel.PHONE)
        self.review.status = Status.REVISED
        self.review.save()
        self.assertEqual(services.plannedcontact_fire(ids=[item.id]), [item.id])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.DUE)

    def test_it_fires_a_mixed_batch(self):
        followup = self.claimed()
        message = self.claimed(kind=Kind.REMINDER_SMS, channel=Channel.SMS, body="您好")
        fired = services.plannedcontact_fire(ids=[followup.id, message.id])
        self.assertEqual(sorted(fired), sorted([followup.id, message.id]))
        self.assertEqual(Message.objects.count(), 1)

    def test_it_cancels_at_fire_time_when_the_buyer_asked_not_to_be_contacted(self):
        item = self.claimed()
        self.review.buyer.do_not_contact_at = NOW
        self.review.buyer.save()
        services.plannedcontact_fire(ids=[item.id])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.CANCELLED)

    def test_it_moves_an_item_that_fires_in_quiet_hours(self):
        item = self.claimed(kind=Kind.REMINDER_SMS, channel=Channel.SMS, body="您好")
        with time_machine.travel(datetime(2026, 11, 25, 23, 0, tzinfo=SH), tick=False):
            services.plannedcontact_fire(ids=[item.id])
        item.refresh_from_db()
        self.assertEqual(item.state, PlanState.PLANNED)
        self.assertEqual(item.due_at, datetime(2026, 11, 26, 9, 0, tzinfo=SH))
        self.assertFalse(Message.objects.exists())

    def test_it_plans_the_next_persistence_step_after_a_persistence_message(self):
        item = self.claimed(kind=Kind.PERSISTENCE, channel=Channel.IM, body="您好")
        with time_machine.travel(datetime(2026, 11, 25, 11, 0, tzinfo=SH), tick=False):
            services.plannedcontact_fire(ids=[item.id])
        following = self.review.planned_contacts.filter(state=PlanState.PLANNED).get()
        self.assertEqual(following.kind, Kind.PERSISTENCE)
        self.assertEqual(following.channel, Channel.PHONE)
