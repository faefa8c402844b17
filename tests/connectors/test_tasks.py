"""Beat's fan-out: one task per connected shop, each after its own jitter; the task runs one
pull; the look-up of open reviews walks the shop's reviews a slice per pull and wraps."""

from unittest import mock

from django.conf import settings
from django.utils import timezone

from connectors import services
from connectors.models import PlatformConnection
from connectors.tasks import connector_pull_task, pull_due_task
from reviews.models import ImportBatch, Platform, Review, Shop

from .world import ConnectorWorld


class BeatTestCase(ConnectorWorld):
    def test_beat_runs_the_fan_out_every_five_minutes(self):
        entry = settings.CELERY_BEAT_SCHEDULE["connectors-pull"]
        self.assertEqual(
            (entry["task"], entry["schedule"]), ("connectors.tasks.pull_due_task", 300.0)
        )

    def test_each_enabled_shop_gets_its_own_task_within_the_jitter(self):
        other = Shop.objects.create(name="Charlie 店", slug="charlie", platform=Platform.TMALL)
        charlie = self.connect(other, session="sess-charlie")
        off = Shop.objects.create(name="Delta 店", slug="delta", platform=Platform.TAOBAO)
        self.connect(off, session="sess-delta", enabled=False)
        with (
            self.top.settings(JITTER_S=60),
            mock.patch.object(services.current_app, "send_task") as sent,
        ):
            self.assertEqual(pull_due_task.apply().get(), 2)
        sent_ids = sorted(c.kwargs["args"][0] for c in sent.call_args_list)
        self.assertEqual(sent_ids, sorted([self.connection.id, charlie.id]))
        for call in sent.call_args_list:
            self.assertEqual(call.args[0], services.PULL_TASK)
            self.assertTrue(0 <= call.kwargs["countdown"] <= 60)

    def test_the_task_runs_one_pull_and_a_second_copy_finds_it_claimed(self):
        self.rates(3)
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "ok")
        self.assertEqual(Review.objects.count(), 3)
        # A claim younger than the lease: another worker holds this shop's pull.
        PlatformConnection.objects.filter(id=self.connection.id).update(
            pulling_since=timezone.now()
        )
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "")


class RecheckTestCase(ConnectorWorld):
    def test_open_reviews_are_looked_up_again_a_slice_per_pull_round_robin(self):
        self.rates(5)
        with self.top.settings(RECHECK_PER_PULL=2, ITEMS_PER_COMMIT=1, PAGE_SIZE=40):
            services.connection_pull(connection_id=self.connection.id)
            ids = list(Review.objects.order_by("id").values_list("id", flat=True))
            batches = ImportBatch.objects.count()
            looked_up = []
            for _pull in range(3):
                self.top.calls.clear()
                services.connection_pull(connection_id=self.connection.id)
                looked_up.append(sorted(c["tid"] for c in self.top.calls if "tid" in c))
        orders = dict(Review.objects.values_list("id", "order_id"))
        expected = [sorted(orders[i] for i in chunk) for chunk in (ids[0:2], ids[2:4], ids[4:5])]
        self.assertEqual(looked_up, expected)
        self.assertEqual(ImportBatch.objects.count(), batches)  # nothing new: nothing stored
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.revision_after_id, 0)  # wrapped round
