"""Spike alerts: the same complaint about the same product or courier, far more
often than usual within 7 days, reaches the manager — by e-mail and on the reports page."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from reports import rollups, spikes
from reports.models import SpikeAlert, SpikeState
from reports.tasks import report_rollup_task
from reviews.models import AuditLog, Review

from ..base import BaseTestCase

KETTLE = "电热水壶"


class SpikeTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.manager.email = "mona@alpha.example"
        cls.manager.save()

    def reviews(self, n: int, days_ago: int, **fields):
        fields = {"product_name": KETTLE, "cause": "product_service", "subcause": "quality",
                  **fields}  # fmt: skip
        when = timezone.now() - timedelta(days=days_ago, hours=1)
        return [self.make_review(self.shop, reviewed_at=when, **fields) for _ in range(n)]

    def sweep(self) -> dict:
        return report_rollup_task.apply().get()

    def test_a_defect_batch_alerts_the_manager_once(self):
        self.reviews(2, days_ago=20)  # usually half a complaint a week
        self.reviews(6, days_ago=2)
        self.assertEqual(self.sweep()["spikes"], 1)
        alert = SpikeAlert.objects.get()
        self.assertEqual(
            (alert.dimension, alert.key, alert.subcause, alert.count, alert.baseline),
            ("product", KETTLE, "quality", 6, 0.5),
        )
        self.assertIsNotNone(alert.notified_at)
        (message,) = mail.outbox
        self.assertEqual(message.to, ["mona@alpha.example"])
        self.assertIn(KETTLE, message.subject)
        self.assertIn("质量", message.subject)  # in the shop's language
        self.assertIn(spikes.drill_url(alert), message.body)
        # The next run follows the count without another e-mail.
        self.reviews(1, days_ago=1)
        self.assertEqual(self.sweep()["spikes"], 0)
        alert.refresh_from_db()
        self.assertEqual(alert.count, 7)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_courier_failing_alerts_and_the_alert_ends_with_the_spike(self):
        late = self.reviews(
            5, days_ago=1, product_name="", courier="极兔", cause="logistics",
            subcause="courier_speed",
        )  # fmt: skip
        self.sweep()
        alert = SpikeAlert.objects.get(state=SpikeState.OPEN)
        self.assertEqual((alert.dimension, alert.key), ("courier", "极兔"))
        # Corrected: two of them were the shop's own slow shipping after all.
        Review.objects.filter(pk__in=[r.pk for r in late[:2]]).update(subcause="shipping_delay")
        self.sweep()
        alert.refresh_from_db()
        self.assertEqual(alert.state, SpikeState.ENDED)

    def test_usual_complaints_and_buyer_side_causes_do_not_alert(self):
        self.reviews(12, days_ago=15)  # three a week is usual for this kettle
        self.reviews(6, days_ago=2)  # six: twice the usual, not three times
        self.reviews(
            9, days_ago=1, product_name="帆布包", cause="buyer_side", subcause="ordered_wrong"
        )
        self.reviews(4, days_ago=1, product_name="新品")  # below the minimum count
        self.sweep()
        self.assertFalse(SpikeAlert.objects.exists())
        self.assertEqual(mail.outbox, [])

    def test_the_rule(self):
        self.assertTrue(spikes.is_spike(5, 0))
        self.assertFalse(spikes.is_spike(4, 0))
        self.assertTrue(spikes.is_spike(9, 3))
        self.assertFalse(spikes.is_spike(8, 3))

    def test_the_manager_sees_it_on_the_reports_page_and_marks_it_seen(self):
        self.reviews(6, days_ago=2)
        self.sweep()
        alert = SpikeAlert.objects.get()
        self.login(self.manager)
        page = self.client.get(reverse("reports"))
        self.assertContains(page, KETTLE)
        self.assertContains(page, spikes.drill_url(alert).replace("&", "&amp;"))
        drill = self.client.get(spikes.drill_url(alert))
        self.assertEqual(len(drill.context["reviews"]), 6)

        url = reverse("spike_acknowledge", args=[alert.pk])
        self.login(self.agent)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.login(self.manager)
        response = self.client.post(url, {"back": "preset=7"})
        self.assertRedirects(response, reverse("reports") + "?preset=7", target_status_code=200)
        alert.refresh_from_db()
        self.assertEqual(
            (alert.state, alert.acknowledged_by), (SpikeState.ACKNOWLEDGED, self.manager)
        )
        log = AuditLog.objects.get(action="spike_acknowledged")
        self.assertEqual(
            (log.actor, log.shop, log.target), (self.manager, self.shop, f"spike:{alert.pk}")
        )
        # Still shown (seen), until the spike ends.
        self.assertContains(self.client.get(reverse("reports")), KETTLE)
        rollups.refresh()
        self.assertEqual(spikes.sweep(), 0)
        alert.refresh_from_db()
        self.assertEqual(alert.state, SpikeState.ACKNOWLEDGED)

    def test_a_product_name_with_a_line_break_is_mailed_on_one_line(self):
        name = "电热水壶\r\nBcc: victim@example.com\u2028x\x1b"
        self.reviews(6, days_ago=2, product_name=name)
        self.assertEqual(self.sweep()["spikes"], 1)
        (message,) = mail.outbox
        self.assertNotIn("\n", message.subject)
        self.assertNotIn("\r", message.subject)
        self.assertIn("电热水壶 Bcc: victim@example.com x", message.subject)
        self.assertEqual(message.bcc, [])
        self.assertIsNotNone(SpikeAlert.objects.get().notified_at)

    def test_one_failing_alert_does_not_stop_the_others(self):
        from unittest import mock

        self.reviews(6, days_ago=2, product_name="坏的")
        self.reviews(6, days_ago=2, product_name="好的")
        real = spikes.send_mail

        def send(subject, *args, **kwargs):
            if "坏的" in subject:
                raise ConnectionError("smtp went away")
            return real(subject, *args, **kwargs)

        with (
            mock.patch("reports.spikes.send_mail", side_effect=send),
            self.assertLogs("reports.spikes", "ERROR") as logs,
        ):
            self.assertEqual(self.sweep()["spikes"], 2)
        self.assertEqual([m.subject.count("好的") for m in mail.outbox], [1])
        notified = dict(SpikeAlert.objects.values_list("key", "notified_at"))
        self.assertIsNone(notified["坏的"])
        self.assertIsNotNone(notified["好的"])
        self.assertIn("e-mail to the managers failed", logs.output[0])


class ManySpikesTestCase(BaseTestCase):
    def test_the_page_shows_the_largest_and_counts_the_rest(self):
        from datetime import date

        from reports import figures

        for i in range(figures.SPIKES_SHOWN + 3):
            SpikeAlert.objects.create(
                shop=self.shop, dimension="product", key=f"商品{i:02d}", subcause="quality",
                window_start=date(2026, 3, 1), window_end=date(2026, 3, 7), count=5 + i,
                baseline=0,
            )  # fmt: skip
        self.login(self.manager)
        page = self.client.get(reverse("reports"))
        self.assertEqual(len(page.context["spikes"]), figures.SPIKES_SHOWN)
        self.assertEqual(page.context["spikes_more"], 3)
        self.assertContains(page, "商品12")  # the largest
        self.assertNotContains(page, "商品00")
        self.assertContains(page, "另有 3 条较小的异常")
