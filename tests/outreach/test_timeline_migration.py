"""The events written before the timeline had one shape per kind are moved to their kind
(outreach migration 0009): each as its writer stores it today, read back on the review page.

The old rows below are copied from what the earlier writers stored (kind, message, data)."""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase
from django.utils import timezone

BEFORE = [("reviews", "0011_event_kinds"), ("outreach", "0008_overdue_index")]
AFTER = [("outreach", "0009_timeline_shapes")]


class TimelineShapesMigrationTestCase(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def tearDown(self):
        self.migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    def test_it_gives_every_old_event_its_kind_and_shape(self):
        apps = self.migrate(BEFORE)
        Shop = apps.get_model("reviews", "Shop")
        Buyer = apps.get_model("reviews", "Buyer")
        Review = apps.get_model("reviews", "Review")
        ImportBatch = apps.get_model("reviews", "ImportBatch")
        ReviewEvent = apps.get_model("reviews", "ReviewEvent")
        PlannedContact = apps.get_model("outreach", "PlannedContact")
        Message = apps.get_model("outreach", "Message")
        ContactAttempt = apps.get_model("outreach", "ContactAttempt")
        now = timezone.now()
        shop = Shop.objects.create(name="A", slug="a", platform="taobao", webhook_secret="s")
        buyer = Buyer.objects.create(shop=shop, nick="n", phone="13812345678")
        review = Review.objects.create(
            shop=shop, buyer=buyer, external_key="k", rating="negative", reviewed_at=now
        )
        batch = ImportBatch.objects.create(shop=shop, source="webhook", platform="taobao")
        plan = PlannedContact.objects.create(
            shop=shop, review=review, buyer=buyer, kind="first_call", channel="phone", due_at=now
        )
        message = Message.objects.create(
            shop=shop,
            review=review,
            buyer=buyer,
            kind="reminder_sms",
            channel="sms",
            to="13812345678",
            body="您好",
            idempotency_key="m",
        )
        attempt = ContactAttempt.objects.create(
            review=review, buyer=buyer, channel="im", outcome="reached"
        )
        due = now.isoformat()
        old = {
            "status-manual": ("status", "new → contacting", {"old": "new", "new": "contacting"}),
            "status-import": (
                "status",
                "Revised to positive by the buyer (seen in batch #1)",
                {
                    "batch": batch.id,
                    "from": "new",
                    "to": "revised",
                    "changes": {"rating": ["negative", "positive"]},
                },
            ),
            "imported": (
                "imported",
                "Imported (batch #1)",
                {"batch": batch.id, "classification": {"cause": "logistics"}},
            ),
            "assigned": ("assigned", "alice", {"from": None, "to": 7, "plans": 2}),
            "reassigned": (
                "assigned",
                "first_call re-assigned to bob",
                {"planned_contact": plan.id, "to": 8},
            ),
            "contact": (
                "contact",
                "im: reached",
                {"attempt": attempt.id, "outcome": "reached", "resolution": ""},
            ),
            "queued": (
                "message",
                "sms message queued",
                {"message": message.id, "kind": "reminder_sms"},
            ),
            "held": (
                "message",
                "message held until quiet hours end",
                {"message": message.id, "until": due},
            ),
            "sent": ("message", "sms message sent", {"message": message.id, "provider_id": "p-1"}),
            "failed": (
                "message",
                "sms message failed: HTTP 500",
                {"message": message.id, "error": "HTTP 500"},
            ),
            "planned": (
                "followup",
                f"planned first_call by phone at {due}",
                {"planned_contact": plan.id, "kind": "first_call", "due_at": due},
            ),
            "fired": (
                "followup",
                "first_call due",
                {"planned_contact": plan.id, "kind": "first_call", "fired": True},
            ),
            "cancelled": (
                "followup",
                "cancelled first_call: buyer declined",
                {"planned_contact": plan.id, "reason": "buyer declined"},
            ),
            "stale": (
                "followup",
                "cancelled first_call at fire time",
                {"planned_contact": plan.id},
            ),
            "quiet": (
                "followup",
                "first_call moved out of quiet hours",
                {"planned_contact": plan.id, "due_at": due},
            ),
            "severity": (
                "followup",
                f"first_call moved to {due}: severity minor → serious",
                {
                    "planned_contact": plan.id,
                    "kind": "first_call",
                    "due_at": due,
                    "severity_from": "minor",
                    "severity_to": "serious",
                },
            ),
            "escalated": (
                "escalated",
                "first_call missed; team lead alerted",
                {"planned_contact": plan.id, "assigned_to": 7},
            ),
            "refused": ("note", "outreach not planned: 以奖励换取评价。", {"code": "compliance"}),
            "nobody": ("note", "no outreach: buyer unknown or asked not to be contacted", {}),
            "window": ("note", "public reply no longer possible on this platform", {}),
            "limit": (
                "note",
                "revision request already sent: the platform allows no more",
                {"skipped": "revision_instructions"},
            ),
            "closed": ("note", "closed: other", {"closed": "other", "note": "重复"}),
            "reopened": ("note", "reopened", {"reopened": True}),
            "dnc": ("note", "buyer asked not to be contacted", {}),
            "compensation": ("note", "compensation approved", {"approval": "approved"}),
            "revealed": ("note", "", {"phone_revealed": True}),
            "erased": ("note", "该买家已删除", {"buyer_erased_on": "2026-11-01"}),
            "free": ("note", "a note someone wrote", {}),
        }
        ids = {
            name: ReviewEvent.objects.create(review=review, kind=k, message=m, data=d).id
            for name, (k, m, d) in old.items()
        }

        apps = self.migrate(AFTER)
        ReviewEvent = apps.get_model("reviews", "ReviewEvent")
        new = {name: ReviewEvent.objects.get(id=pk) for name, pk in ids.items()}
        expected = {
            "status-manual": ("status", {"from": "new", "to": "contacting", "batch": None}),
            "status-import": ("status", {"from": "new", "to": "revised", "batch": batch.id}),
            "imported": (
                "imported",
                {"batch": batch.id, "source": "webhook", "classification": {"cause": "logistics"}},
            ),
            "assigned": ("assigned", {"from": None, "to": 7, "to_name": "alice", "plans": 2}),
            "reassigned": (
                "reassigned",
                {"planned_contact": plan.id, "kind": "first_call", "to": 8, "to_name": "bob"},
            ),
            "contact": (
                "contact",
                {"attempt": attempt.id, "channel": "im", "outcome": "reached", "resolution": ""},
            ),
            "queued": ("message", {"state": "queued", "kind": "reminder_sms", "channel": "sms"}),
            "held": ("message", {"state": "held", "until": due, "kind": "reminder_sms"}),
            "sent": ("message", {"state": "sent", "provider_id": "p-1", "channel": "sms"}),
            "failed": ("message", {"state": "failed", "error": "HTTP 500"}),
            "planned": (
                "planned",
                {"planned_contact": plan.id, "kind": "first_call", "due_at": due},
            ),
            "fired": ("due", {"planned_contact": plan.id, "kind": "first_call"}),
            "cancelled": (
                "cancelled",
                {"planned_contact": plan.id, "kind": "first_call", "reason": "declined"},
            ),
            "stale": (
                "cancelled",
                {"planned_contact": plan.id, "kind": "first_call", "reason": "stale"},
            ),
            "quiet": ("moved", {"why": "quiet_hours", "severity": None, "due_at": due}),
            "severity": ("moved", {"why": "severity", "severity": ["minor", "serious"]}),
            "escalated": (
                "missed",
                {"planned_contact": plan.id, "kind": "first_call", "assigned_to": 7},
            ),
            "refused": ("not_planned", {"code": "compliance", "reason": "以奖励换取评价。"}),
            "nobody": ("not_planned", {"code": "not_contactable"}),
            "window": ("not_planned", {"code": "reply_window_closed", "kind": "reply_task"}),
            "limit": (
                "not_planned",
                {"code": "revision_limit", "kind": "revision_instructions"},
            ),
            "closed": ("closed", {"reason": "other", "note": "重复"}),
            "reopened": ("reopened", {}),
            "dnc": ("do_not_contact", {}),
            "compensation": ("compensation", {"attempt": None, "decision": "approved"}),
            "revealed": ("phone_revealed", {}),
            "erased": ("buyer_erased", {"erased_on": "2026-11-01"}),
            "free": ("note", {}),
        }
        for name, (kind, data) in expected.items():
            with self.subTest(name):
                self.assertEqual(new[name].kind, kind)
                self.assertEqual({k: new[name].data.get(k) for k in data}, data)
        # What an import changed, kept beside the revision as the event of its kind.
        changed = ReviewEvent.objects.get(review_id=review.id, kind="updated")
        self.assertEqual(
            changed.data, {"batch": batch.id, "changes": {"rating": ["negative", "positive"]}}
        )
        self.assertEqual(changed.created_at, new["status-import"].created_at)
        self.assertEqual(new["free"].message, "a note someone wrote")
