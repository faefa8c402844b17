"""Report roll-ups: database triggers mark what changed, refresh rebuilds it.

Every write path must reach the reports — the ORM, a bulk update, an attempt logged, a plan
moved, a positive counted, a review deleted — without that path knowing the reports exist.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

from outreach.models import ContactAttempt, PlannedContact
from reports import figures, rollups
from reports.models import ReportDay, ReportDirty, ReportRoot, ReportShopDay, ReportWait
from reports.tasks import report_rollup_task
from reviews.models import PositiveReview, Review, Shop, Status

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 3, 10)
RANGE = figures.DateRange(DAY, DAY)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 10, hour, minute, tzinfo=SH)


class RollupTestCase(BaseTestCase):
    def report(self, shop: Shop | None = None, rng=RANGE) -> figures.Report:
        return figures.build_report([shop or self.shop], rng, "day")

    def total(self) -> dict:
        return self.report().by_shop[self.shop.pk]

    def attempt(self, review: Review, created_at: datetime, outcome: str = "reached"):
        return ContactAttempt.objects.create(
            review=review,
            buyer=review.buyer,
            agent=self.agent,
            channel="phone",
            outcome=outcome,
            created_at=created_at,
        )

    def test_a_bulk_update_reaches_the_report_at_the_next_refresh(self):
        review = self.make_review(self.shop, reviewed_at=at(10), status=Status.NEW)
        self.assertEqual(rollups.refresh(), 2)  # its UTC day overlaps two Shanghai days
        self.assertEqual((self.total()["handled"], self.total()["unresolved"]), (1, 1))
        # A queryset update: no save(), no signal — the trigger sees it all the same.
        Review.objects.filter(pk=review.pk).update(status=Status.REVISED, status_changed_at=at(12))
        self.assertEqual(self.total()["revised"], 0)  # the roll-up, until the next refresh
        rollups.refresh()
        self.assertEqual((self.total()["revised"], self.total()["unresolved"]), (1, 0))
        self.assertEqual(self.total()["rate"], 1.0)

    def test_refreshing_twice_changes_nothing(self):
        self.make_review(self.shop, reviewed_at=at(10), product_name="帆布包", courier="中通")
        rollups.refresh()
        counts = [m.objects.count() for m in (ReportDay, ReportWait, ReportRoot, ReportShopDay)]
        self.assertEqual(rollups.refresh(), 0)
        self.assertFalse(ReportDirty.objects.exists())
        self.assertEqual(
            [m.objects.count() for m in (ReportDay, ReportWait, ReportRoot, ReportShopDay)],
            counts,
        )
        # Marked again without a change: rebuilt to the same rows, not added to them.
        Review.objects.filter(shop=self.shop).update(text="质量太差了")
        rollups.refresh()
        self.assertEqual(self.total()["handled"], 1)
        self.assertEqual(ReportRoot.objects.get(dimension="product", subcause=ReportRoot.ALL).n, 1)

    def test_the_first_contact_is_the_earliest_attempt_whatever_the_order(self):
        review = self.make_review(self.shop, reviewed_at=at(10))
        self.attempt(review, at(15))
        review.refresh_from_db()
        self.assertEqual(review.first_contacted_at, at(15))
        self.attempt(review, at(12))  # logged late, made earlier
        self.attempt(review, at(18))
        review.refresh_from_db()
        self.assertEqual(review.first_contacted_at, at(12))
        rollups.refresh()
        speed = self.report().speed
        self.assertEqual((speed["contacted"], speed["median_hours"]), (1, 2.0))

    def test_an_attempt_alone_moves_the_funnel(self):
        review = self.make_review(self.shop, reviewed_at=at(10), status=Status.CONTACTING)
        self.attempt(review, at(11), "no_answer")
        rollups.refresh()
        self.assertEqual(self.report().funnel["reached"], 0)
        self.attempt(review, at(13), "reached")  # the review row itself does not change
        rollups.refresh()
        self.assertEqual(self.report().funnel["reached"], 1)

    def test_first_contacts_inside_the_playbooks_window(self):
        grace = 15  # Playbook.missed_after_minutes' default
        on_time = self.make_review(self.shop, reviewed_at=at(9))
        late = self.make_review(self.shop, reviewed_at=at(9, 30))
        unplanned = self.make_review(self.shop, reviewed_at=at(10))  # e.g. planned nothing
        for review in (on_time, late):
            PlannedContact.objects.create(
                shop=self.shop, review=review, kind="first_call", channel="phone", due_at=at(11)
            )
        self.attempt(on_time, at(11, grace))  # at the edge of the grace: inside
        self.attempt(late, at(11, grace + 1))
        self.attempt(unplanned, at(10, 30))
        rollups.refresh()
        speed = self.report().speed
        self.assertEqual((speed["first_planned"], speed["first_in_window"]), (2, 1))
        self.assertEqual(speed["first_in_window_rate"], 0.5)
        # The plan moved earlier: the trigger on plans marks the day, the figure follows.
        PlannedContact.objects.filter(review=late).update(due_at=at(11, 30))
        rollups.refresh()
        self.assertEqual(self.report().speed["first_in_window"], 2)

    def test_positives_and_dsr_add_up_per_day(self):
        self.make_review(self.shop, reviewed_at=at(10), dsr={"description": 4.5, "service": 4})
        self.make_review(self.shop, reviewed_at=at(11), dsr={"description": 3.5})
        self.make_review(self.shop, reviewed_at=at(12))
        PositiveReview.objects.bulk_create(
            PositiveReview(shop=self.shop, external_key=f"p{i}", day=DAY) for i in range(7)
        )
        rollups.refresh()
        (row,) = self.report().good_rate
        self.assertEqual((row["positive"], row["negative"], row["rate"]), (7, 3, 0.7))
        self.assertEqual(
            (row["dsr_description"], row["dsr_service"], row["dsr_logistics"]), (4.0, 4.0, None)
        )
        PositiveReview.objects.filter(external_key="p0").delete()
        rollups.refresh()
        self.assertEqual(self.report().good_rate[0]["positive"], 6)

    def _shop_day_totals(self) -> tuple[dict, dict]:
        """Each day's totals as ReportShopDay keeps them, and as ReportDay's rows sum."""
        kept = {
            row.pop("day"): row
            for row in ReportShopDay.objects.filter(shop=self.shop)
            .values("day", *ReportShopDay.TOTALS)
            .order_by()
        }
        summed = {
            row.pop("day"): row
            for row in ReportDay.objects.filter(shop=self.shop)
            .values("day")
            .annotate(**{name: Sum(name) for name in ReportShopDay.TOTALS})
            .order_by()
        }
        return kept, summed

    def test_the_shop_day_keeps_the_days_totals(self):
        r1 = self.make_review(self.shop, reviewed_at=at(10), status=Status.REVISED)
        self.make_review(self.shop, reviewed_at=at(11), status=Status.NEW, assigned_to=self.agent)
        self.make_review(self.shop, reviewed_at=at(12), status=Status.CLOSED)
        self.attempt(r1, at(11), "agreed")
        rollups.refresh()
        kept, summed = self._shop_day_totals()
        self.assertEqual(
            kept[DAY],
            {"handled": 3, "revised": 1, "closed": 2, "unresolved": 1, "agreed": 1,
             "agreed_revised": 1},
        )  # fmt: skip
        self.assertEqual(kept, summed)

    def test_the_migration_fills_the_totals_of_days_already_rolled_up(self):
        import importlib
        from pathlib import Path

        from django.apps import apps

        import reports.migrations

        self.make_review(self.shop, reviewed_at=at(10), status=Status.REVISED)
        self.make_review(self.shop, reviewed_at=at(11), status=Status.NEW)
        rollups.refresh()
        # As the days were before the columns existed: zeros, and one day without its row.
        ReportShopDay.objects.update(**dict.fromkeys(ReportShopDay.TOTALS, 0))
        ReportShopDay.objects.filter(day=DAY).delete()
        # Found by its name, whatever number it is given at merge.
        (path,) = Path(reports.migrations.__file__).parent.glob("*_shop_day_totals.py")
        migration = importlib.import_module(f"reports.migrations.{path.stem}")
        migration.fill_totals(apps, None)
        kept, summed = self._shop_day_totals()
        self.assertEqual(kept[DAY]["handled"], 2)
        self.assertEqual(kept, summed)

    def test_a_deleted_review_leaves_the_report(self):
        review = self.make_review(self.shop, reviewed_at=at(10))
        self.make_review(self.shop, reviewed_at=at(11))
        rollups.refresh()
        self.assertEqual(self.total()["handled"], 2)
        review.delete()
        rollups.refresh()
        self.assertEqual(self.total()["handled"], 1)

    def test_each_shop_is_rolled_up_in_its_own_time_zone(self):
        # 23:30 in New York on 9 March is 03:30 UTC on the 10th: New York's 9 March.
        ny = ZoneInfo("America/New_York")
        self.other_shop.timezone = "America/New_York"
        self.other_shop.save()
        self.make_review(self.other_shop, reviewed_at=datetime(2026, 3, 9, 23, 30, tzinfo=ny))
        rollups.refresh()
        nine = figures.DateRange(date(2026, 3, 9), date(2026, 3, 9))
        self.assertEqual(self.report(self.other_shop, nine).total["handled"], 1)
        self.assertEqual(self.report(self.other_shop, RANGE).total["handled"], 0)

    def test_a_utc_day_maps_to_the_local_days_it_overlaps(self):
        shanghai = Shop(timezone="Asia/Shanghai")
        new_york = Shop(timezone="America/New_York")
        self.assertEqual(rollups.local_days(DAY, shanghai), {DAY, DAY + timedelta(days=1)})
        self.assertEqual(rollups.local_days(DAY, new_york), {DAY - timedelta(days=1), DAY})
        self.assertEqual(rollups.local_days(DAY, Shop(timezone="UTC")), {DAY})

    def test_rebuild_all_after_a_time_zone_change(self):
        self.make_review(self.shop, reviewed_at=datetime(2026, 3, 10, 1, 0, tzinfo=SH))
        rollups.refresh()
        self.assertEqual(self.total()["handled"], 1)
        self.shop.timezone = "UTC"  # 01:00 in Shanghai is 17:00 UTC on the 9th
        self.shop.save()
        self.assertEqual(rollups.rebuild_all(self.shop), 1)
        nine = figures.DateRange(date(2026, 3, 9), date(2026, 3, 9))
        self.assertEqual(self.report(rng=nine).total["handled"], 1)
        self.assertEqual(self.total()["handled"], 0)

    def test_the_beat_task_refreshes_and_records_when(self):
        self.assertIn("report-rollup", settings.CELERY_BEAT_SCHEDULE)
        self.make_review(self.shop, reviewed_at=at(10))
        before = timezone.now()
        result = report_rollup_task.apply().get()
        self.assertEqual(result["days"], 2)  # the UTC day overlaps two Shanghai days
        self.assertEqual(self.total()["handled"], 1)
        self.assertGreaterEqual(self.report().as_of, before)


class RebuildCommandTestCase(BaseTestCase):
    def test_it_rebuilds_a_shop_and_refuses_an_unknown_one(self):
        from io import StringIO

        from django.core.management import CommandError, call_command

        self.make_review(self.shop, reviewed_at=at(10))
        ReportDirty.objects.all().delete()  # as if the marks had been lost
        out = StringIO()
        call_command("reports_rebuild", "--shop", "alpha", stdout=out)
        self.assertIn("alpha: 1 days rebuilt", out.getvalue())
        self.assertEqual(figures.build_report([self.shop], RANGE, "day").total["handled"], 1)
        with self.assertRaisesMessage(CommandError, "No shop with slug 'nope'"):
            call_command("reports_rebuild", "--shop", "nope")


class ImportReachesTheReportsTestCase(BaseTestCase):
    def test_reviews_stored_by_copy_are_counted_with_their_positives(self):
        """The importer writes with COPY and bulk updates: the triggers see those too."""
        from io import StringIO
        from pathlib import Path

        from django.core.management import call_command

        fixture = (
            Path(__file__).resolve().parent.parent / "fixtures" / "imports" / "taobao_utf8.csv"
        )
        call_command("import_reviews", str(fixture), shop="alpha", stdout=StringIO())
        stored = Review.objects.filter(shop=self.shop)
        positives = PositiveReview.objects.filter(shop=self.shop).count()
        self.assertTrue(stored.exists())
        rollups.refresh()
        days = [
            r.astimezone(self.shop.tz).date() for r in stored.values_list("reviewed_at", flat=True)
        ]
        everything = figures.DateRange(min(days) - timedelta(days=1), max(days) + timedelta(days=1))
        report = figures.build_report([self.shop], everything, "month")
        self.assertEqual(report.total["handled"], stored.count())
        self.assertEqual(sum(r["positive"] for r in report.good_rate), positives)
