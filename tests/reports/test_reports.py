"""Manager reports: figures checked against counts made by hand on fixed data.

The week of 1–7 March 2026 in shop alpha (Asia/Shanghai, Taobao), times in Shanghai:

| review | written       | status (final)          | agent | sub-cause        | product | courier | attempts (hours after) |
|--------|---------------|-------------------------|-------|------------------|---------|---------|------------------------|
| r1     | 03-01 10:00   | revised 03-02           | alice | quality, serious | T恤     | 中通    | no answer 2h, agreed 4h |
| r2     | 03-01 20:00   | replied 03-05           | alice | quality          | T恤     | 中通    | declined 12h           |
| r3     | 03-02 23:30   | contacting              | alice | courier_speed    | 帆布包  | 中通    | reached 4h             |
| r4     | 03-03 00:30   | agreed                  | alice | courier_speed    | 帆布包  | 圆通    | agreed 6h              |
| r5     | 03-03 09:00   | revised by import 03-04 | —     | dislike          | T恤     | 圆通    | —                      |
| r6     | 03-04 10:00   | closed 04-10 (late)     | larry | not_as_described, serious | =HYPERLINK | — | solved 10h    |
| r7     | 03-05 10:00   | new                     | —     | unclear          | 帆布包  | —       | —                      |
| r8     | 03-05 11:00   | revised, reopened, revised again | alice | quality | T恤  | 中通    | agreed 1h, agreed 25h  |
| r9     | 03-07 23:30   | new                     | —     | quality          | T恤     | —       | —                      |
| r10    | 03-08 00:30   | new (next Shanghai day: outside the range, though 03-07 in UTC) |
| r11    | 02-25 10:00   | closed (previous week)  | —     | quality          | T恤     | 中通    | —                      |
| r12    | 02-27 12:00   | new (previous week)     | —     | courier_speed    | 帆布包  | 圆通    | —                      |

r1 and r8 name the agent 小美, r3 the courier 中通 老王 (reviews.mentions fills these from the
words; here they are set directly).

r3 (23:30) and r4 (00:30) are both on 2 March in UTC: the day table tells them apart only if
days are the shop's. 6 March has no review at all (an empty period).
"""

import csv
import io
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from outreach.models import ContactAttempt
from reports import figures, rollups
from reviews.models import (
    AuditLog,
    Cause,
    EventKind,
    PositiveReview,
    ReviewEvent,
    Role,
    Severity,
    Status,
    SubCause,
)

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
WEEK = figures.DateRange(datetime(2026, 3, 1).date(), datetime(2026, 3, 7).date())
RANGE = {"from": "2026-03-01", "to": "2026-03-07", "grain": "day"}
SHIRT, BAG = "纯棉T恤", "帆布包"
FORMULA = '=HYPERLINK("http://evil.example/","click")'


def sh(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


class ReportsDataMixin:
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        s = cls.shop
        P, L = Cause.PRODUCT_SERVICE, Cause.LOGISTICS

        def review(at, status, changed=None, agent=None, cause=P, sub="quality", **kw):
            return cls.make_review(
                s,
                reviewed_at=at,
                status=status,
                status_changed_at=changed,
                assigned_to=agent,
                cause=cause,
                subcause=sub,
                **kw,
            )

        a, lead = cls.agent, cls.lead
        cls.r1 = review(sh(3, 1, 10), Status.REVISED, sh(3, 2, 10), a, product_name=SHIRT,
                        courier="中通", severity=Severity.SERIOUS, named_agent="小美")  # fmt: skip
        cls.r2 = review(sh(3, 1, 20), Status.REPLIED, sh(3, 5, 10), a, product_name=SHIRT,
                        courier="中通", second_cause=L)  # fmt: skip
        cls.r3 = review(sh(3, 2, 23, 30), Status.CONTACTING, None, a, L, "courier_speed",
                        product_name=BAG, courier="中通", named_courier="中通 老王")  # fmt: skip
        cls.r4 = review(sh(3, 3, 0, 30), Status.AGREED, None, a, L, "courier_speed",
                        product_name=BAG, courier="圆通")  # fmt: skip
        cls.r5 = review(sh(3, 3, 9), Status.REVISED, sh(3, 4, 9), None, Cause.BUYER_SIDE,
                        "dislike_or_expectation", product_name=SHIRT, courier="圆通")  # fmt: skip
        cls.r6 = review(sh(3, 4, 10), Status.CLOSED, sh(4, 10, 10), lead, P, "not_as_described",
                        product_name=FORMULA, severity=Severity.SERIOUS)  # fmt: skip
        cls.r7 = review(sh(3, 5, 10), Status.NEW, None, None, Cause.UNCLEAR, "unclear",
                        product_name=BAG)  # fmt: skip
        cls.r8 = review(sh(3, 5, 11), Status.REVISED, sh(3, 7, 9), a, product_name=SHIRT,
                        courier="中通", named_agent="小美")  # fmt: skip
        cls.r9 = review(sh(3, 7, 23, 30), Status.NEW, product_name=SHIRT)
        cls.r10 = review(sh(3, 8, 0, 30), Status.NEW, product_name=SHIRT)
        cls.r11 = review(sh(2, 25, 10), Status.CLOSED, sh(2, 26, 10), product_name=SHIRT,
                         courier="中通")  # fmt: skip
        cls.r12 = review(sh(2, 27, 12), Status.NEW, None, None, L, "courier_speed",
                         product_name=BAG, courier="圆通")  # fmt: skip
        # Another shop's review in the same week: never in alpha's figures.
        cls.make_review(cls.other_shop, reviewed_at=sh(3, 2, 10), product_name=SHIRT)

        # r8 was revised, reopened by a lead, and revised again: one review all the same.
        for old, new in (("agreed", "revised"), ("revised", "contacting"), ("agreed", "revised")):
            ReviewEvent.objects.create(
                review=cls.r8, kind=EventKind.STATUS, data={"from": old, "to": new}
            )

        def attempt(r, hours, outcome, agent=a):
            ContactAttempt.objects.create(
                review=r,
                buyer=r.buyer,
                agent=agent,
                channel="phone",
                outcome=outcome,
                created_at=r.reviewed_at + timedelta(hours=hours),
            )

        attempt(cls.r1, 2, "no_answer")
        attempt(cls.r1, 4, "agreed")
        attempt(cls.r2, 12, "declined")
        attempt(cls.r3, 4, "reached")
        attempt(cls.r4, 6, "agreed")
        attempt(cls.r6, 10, "solved", lead)
        attempt(cls.r8, 1, "agreed")
        attempt(cls.r8, 25, "agreed")

        positives = [(s, "2026-03-01", 8), (s, "2026-03-06", 3), (s, "2026-03-08", 5)]
        positives += [(s, "2026-02-28", 2), (cls.other_shop, "2026-03-01", 100)]
        PositiveReview.objects.bulk_create(
            PositiveReview(shop=shop, external_key=f"p-{day}-{i}", day=day)
            for shop, day, n in positives
            for i in range(n)
        )
        # The page reads the roll-ups: bring them up to date as beat's task would.
        rollups.refresh()


class ReportFiguresTestCase(ReportsDataMixin, BaseTestCase):
    def report(self, grain: str = "day") -> figures.Report:
        return figures.build_report([self.shop], WEEK, grain)

    def test_it_counts_resolution_over_the_range(self):
        total = self.report().by_shop[self.shop.pk]
        self.assertEqual(
            {k: total[k] for k in ("handled", "revised", "replied", "closed", "unresolved")},
            {"handled": 9, "revised": 3, "replied": 1, "closed": 5, "unresolved": 4},
        )
        self.assertEqual(total["rate"], 0.6)  # 3 revised of 5 closed

    def test_it_counts_resolved_within_the_platforms_window(self):
        # r6 closed 37 days after the review: Taobao's reply window is 30 days.
        self.assertEqual(self.report().by_shop[self.shop.pk]["within_window"], 4)

    def test_it_puts_each_review_on_its_shops_day_with_empty_days(self):
        rows = self.report().periods
        got = [(r["period"].isoformat(), r["handled"], r["closed"], r["rate"]) for r in rows]
        self.assertEqual(
            got,
            [
                ("2026-03-01", 2, 2, 0.5),
                ("2026-03-02", 1, 0, None),  # r3 at 23:30
                ("2026-03-03", 2, 1, 1.0),  # r4 at 00:30, same UTC day as r3
                ("2026-03-04", 1, 1, 0.0),
                ("2026-03-05", 2, 1, 1.0),
                ("2026-03-06", 0, 0, None),  # nothing that day
                ("2026-03-07", 1, 0, None),  # r9 at 23:30; r10 (00:30 on the 8th) is out
            ],
        )

    def test_it_counts_a_reopened_review_once(self):
        row = self.report().periods[4]  # 5 March: r7 (new) and r8 (revised, reopened, revised)
        self.assertEqual((row["handled"], row["revised"], row["unresolved"]), (2, 1, 1))
        self.assertEqual(self.report().funnel["agreed"], 3)  # r8 agreed twice, counted once

    def test_it_groups_by_week_and_month(self):
        weeks = self.report("week").periods
        # ISO weeks: 2026-03-01 is a Sunday, the last day of the week of 23 February.
        self.assertEqual(
            [(r["period"].isoformat(), r["handled"]) for r in weeks],
            [("2026-02-23", 2), ("2026-03-02", 7)],
        )
        months = self.report("month").periods
        self.assertEqual(
            [(r["period"].isoformat(), r["handled"]) for r in months], [("2026-03-01", 9)]
        )

    def test_it_breaks_down_by_agent_cause_subcause_and_severity(self):
        report = self.report()
        agents = {r["assigned_to__username"]: (r["handled"], r["revised"], r["closed"])
                  for r in report.breakdowns["assigned_to"]}  # fmt: skip
        self.assertEqual(agents, {"alice": (5, 2, 3), "larry": (1, 0, 1), None: (3, 1, 1)})
        causes = {r["cause"]: r["handled"] for r in report.breakdowns["cause"]}
        self.assertEqual(
            causes, {"product_service": 5, "logistics": 2, "buyer_side": 1, "unclear": 1}
        )
        subcauses = {r["subcause"]: r["handled"] for r in report.breakdowns["subcause"]}
        self.assertEqual(subcauses[SubCause.QUALITY], 4)
        severities = {r["severity"]: r["handled"] for r in report.breakdowns["severity"]}
        self.assertEqual(severities, {"serious": 2, "minor": 7})

    def test_it_measures_the_revision_funnel_with_its_drops(self):
        report = self.report()
        funnel = report.funnel
        self.assertEqual(
            (funnel["reviews"], funnel["reached"], funnel["agreed"], funnel["revised"]),
            (9, 6, 3, 2),
        )
        self.assertEqual((funnel["drop_agreed"], funnel["drop_revised"]), (3, 1))
        self.assertEqual(funnel["agreed_rate"], 0.5)
        self.assertEqual(funnel["revised_rate"], 0.6667)
        by_agent = {r["assigned_to__username"]: (r["reached"], r["agreed"], r["revised"])
                    for r in report.funnel_agents}  # fmt: skip
        self.assertEqual(by_agent, {"alice": (5, 3, 2), "larry": (1, 0, 0), None: (0, 0, 0)})
        self.assertEqual([r["agreed"] for r in report.funnel_periods], [1, 0, 1, 0, 1, 0, 0])

    def test_it_measures_speed_to_first_contact_and_attempts_per_resolution(self):
        speed = self.report().speed
        # First contacts after 2, 12, 4, 6, 10 and 1 hours: percentile_cont gives 5 and 11.
        self.assertEqual(speed["contacted"], 6)
        self.assertEqual(speed["median_hours"], 5.0)
        self.assertEqual(speed["p90_hours"], 11.0)
        # Closed r1 (2 attempts), r2 (1), r5 (0), r6 (1), r8 (2): 6 attempts for 5.
        self.assertEqual(speed["attempts_per_resolution"], 1.2)

    def test_it_counts_follow_ups_overdue_now(self):
        from django.utils import timezone

        from outreach.models import PlannedContact

        now = timezone.now()
        for review, state, due in (
            (self.r3, "missed", now - timedelta(hours=2)),  # overdue
            (self.r4, "due", now - timedelta(minutes=5)),  # overdue
            (self.r7, "planned", now - timedelta(hours=1)),  # not fired yet
            (self.r9, "due", now + timedelta(hours=1)),  # not yet due
        ):
            PlannedContact.objects.create(
                shop=self.shop, review=review, kind="first_call", channel="phone",
                due_at=due, state=state, fired_at=due,
            )  # fmt: skip
        self.assertEqual(self.report().speed["overdue"], 2)

    def test_it_computes_the_good_review_rate_from_ingestions_counts(self):
        rows = {r["period"].isoformat(): r for r in self.report().good_rate}
        self.assertEqual((rows["2026-03-01"]["positive"], rows["2026-03-01"]["negative"]), (8, 2))
        self.assertEqual(rows["2026-03-01"]["rate"], 0.8)
        self.assertEqual(rows["2026-03-02"]["rate"], 0.0)
        self.assertEqual(rows["2026-03-06"]["rate"], 1.0)
        self.assertEqual((rows["2026-03-07"]["positive"], rows["2026-03-07"]["rate"]), (0, 0.0))
        self.assertEqual(len(rows), 7)
        week = figures.build_report([self.shop], WEEK, "month").good_rate
        self.assertEqual((week[0]["positive"], week[0]["negative"]), (11, 9))

    def test_it_ranks_root_causes_against_the_previous_range(self):
        roots = self.report().roots
        products = [(r["key"], r["n"], r["previous"], r["change"]) for r in roots["product_name"]]
        self.assertEqual(products, [(SHIRT, 5, 1, 4), (BAG, 3, 1, 2), (FORMULA, 1, 0, 1)])
        couriers = [(r["key"], r["n"], r["previous"]) for r in roots["courier"]]
        self.assertEqual(couriers, [("中通", 4, 1), ("圆通", 2, 1)])  # blanks left out
        subcauses = [(r["key"], r["n"]) for r in roots["subcause"]]
        self.assertEqual(
            subcauses,
            [
                ("quality", 4),
                ("courier_speed", 2),
                ("dislike_or_expectation", 1),
                ("not_as_described", 1),
                ("unclear", 1),
            ],
        )
        self.assertEqual(roots["product_name"][0]["serious"], 1)
        named = [(r["key"], r["n"], r["serious"]) for r in roots["named_agent"]]
        self.assertEqual(named, [("小美", 2, 1)])
        self.assertEqual([r["key"] for r in roots["named_courier"]], ["中通 老王"])

    def test_it_reports_nothing_for_an_empty_range(self):
        empty = figures.DateRange(datetime(2025, 1, 1).date(), datetime(2025, 1, 3).date())
        report = figures.build_report([self.shop], empty, "day")
        self.assertEqual(report.by_shop[self.shop.pk]["handled"], 0)
        self.assertIsNone(report.by_shop[self.shop.pk]["rate"])
        self.assertEqual([r["handled"] for r in report.periods], [0, 0, 0])
        self.assertIsNone(report.speed["median_hours"])
        self.assertEqual(report.roots["product_name"], [])


class ReportPageTestCase(ReportsDataMixin, BaseTestCase):
    def setUp(self):
        self.login(self.manager)

    def get(self, **params):
        return self.client.get(reverse("reports"), {**RANGE, **params})

    def test_it_shows_the_tables_and_chart_data_without_inline_script(self):
        response = self.get()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<script id="report-data" type="application/json">')
        self.assertContains(response, "/static/vendor/chart-4.6.1.umd.min.js")
        self.assertContains(response, "/static/js/reports.js")
        page = response.content.decode()
        self.assertNotRegex(page, r"<script(?![^>]*\b(src=|type=\"application/json\"))[^>]*>")
        self.assertEqual(response.context["total"]["handled"], 9)
        self.assertEqual(response.context["chart"]["handled"], [2, 1, 2, 1, 2, 0, 1])
        self.assertNotContains(response, "别的店")

    def test_it_escapes_what_buyers_and_exports_wrote(self):
        self.make_review(
            self.shop, reviewed_at=sh(3, 2, 10), product_name="<img src=x onerror=alert(1)>"
        )
        rollups.refresh()
        page = self.get().content.decode()
        self.assertNotIn("<img src=x", page)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", page)

    def test_it_reads_presets_and_defaults_from_the_url(self):
        response = self.client.get(reverse("reports"), {"preset": "7"})
        self.assertEqual(response.context["query"].range.days, 7)
        response = self.client.get(reverse("reports"), {"from": "bad", "to": "2026-03-31"})
        rng = response.context["query"].range
        self.assertEqual((rng.start.isoformat(), rng.days), ("2026-03-02", 30))
        self.assertEqual(response.context["query"].grain, "day")
        response = self.client.get(reverse("reports"), {"from": "2026-01-01", "to": "2026-03-31"})
        self.assertEqual(response.context["query"].grain, "week")

    def test_it_answers_in_a_fixed_number_of_queries(self):
        with CaptureQueriesContext(connection) as before:
            self.get()
        for i in range(20):
            r = self.make_review(self.shop, reviewed_at=sh(3, 2, 10), courier=f"快递{i}",
                                 product_name=f"商品{i}", assigned_to=self.agent)  # fmt: skip
            ContactAttempt.objects.create(
                review=r, buyer=r.buyer, agent=self.agent, channel="sms", outcome="agreed"
            )
        with self.assertNumQueries(len(before.captured_queries)):
            self.get()
        self.assertLessEqual(len(before.captured_queries), 20)

    def test_it_compares_shops_side_by_side_for_an_agency_manager(self):
        from reviews.models import Membership

        Membership.objects.create(user=self.manager, shop=self.other_shop, role=Role.MANAGER)
        response = self.get()
        summary = response.context["tables"]["summary"]
        self.assertEqual([row[0] for row in summary.rows], ["Alpha 旗舰店", "Bravo 专营店"])
        self.assertEqual([row[1] for row in summary.rows], [9, 1])
        self.assertContains(response, "Bravo 专营店")
        only = self.get(shop="bravo")
        self.assertEqual(only.context["total"]["handled"], 1)

    def test_it_refuses_agents_and_hides_other_shops(self):
        self.login(self.agent)
        self.assertEqual(self.get().status_code, 403)
        self.assertEqual(self.client.get(reverse("reports_reviews")).status_code, 403)
        bravo_manager = self.other_shop.memberships.get(role=Role.MANAGER).user
        self.login(bravo_manager)
        self.assertEqual(self.get(shop="alpha").status_code, 404)
        drill = self.client.get(reverse("reports_reviews"), {**RANGE, "shop": "alpha"})
        self.assertEqual(drill.status_code, 404)
        own = self.client.get(reverse("reports_reviews"), {**RANGE, "product": SHIRT})
        self.assertEqual(len(own.context["reviews"]), 1)  # bravo's own, never alpha's

    def test_it_names_no_person_of_another_shop_in_the_drill_downs_filters(self):
        bravo_manager = self.other_shop.memberships.get(role=Role.MANAGER).user
        self.login(bravo_manager)
        drill = self.client.get(reverse("reports_reviews"), {**RANGE, "agent": self.agent.pk})
        self.assertEqual(drill.status_code, 200)
        self.assertNotContains(drill, self.agent.username)
        self.assertEqual(drill.context["reviews"], [])

    def test_it_drills_down_to_the_reviews_behind_a_row_in_keyset_pages(self):
        response = self.get()
        link = response.context["tables"]["top_products"].links[0]
        self.assertIn("product=", link)
        seen = []
        with mock.patch("reports.views.PAGE_SIZE", 2):
            url = link
            while url:
                page = self.client.get(
                    url if url.startswith("/") else reverse("reports_reviews") + url
                )
                self.assertEqual(page.status_code, 200)
                seen += [r.pk for r in page.context["reviews"]]
                url = page.context["next_url"]
        expected = [self.r9, self.r8, self.r5, self.r2, self.r1]  # newest first
        self.assertEqual(seen, [r.pk for r in expected])

    def test_it_drills_down_from_agents_causes_and_severities(self):
        tables = self.get().context["tables"]
        counts = {}
        for name in ("agents", "causes", "subcauses", "severities"):
            table = tables[name]
            for row, link in zip(table.rows, table.links, strict=True):
                page = self.client.get(link)
                self.assertEqual(page.status_code, 200, link)
                counts[(name, row[0])] = len(page.context["reviews"])
                self.assertEqual(counts[(name, row[0])], row[1], link)  # as many as handled
        self.assertEqual(counts[("agents", "alice")], 5)
        self.assertEqual(counts[("agents", "未分配")], 3)
        self.assertEqual(counts[("severities", "严重")], 2)

    def test_it_names_only_agents_of_the_reported_shops_in_a_drill_down(self):
        from django.contrib.auth.models import User

        root = User.objects.create_superuser("root-admin", password="x")
        drill = reverse("reports_reviews")
        own = self.client.get(drill, {**RANGE, "agent": str(self.agent.pk)})
        self.assertContains(own, "alice")
        self.assertEqual(len(own.context["reviews"]), 5)
        for stranger in (self.outsider.pk, root.pk, 987654321, "abc", "²", "9" * 40):
            response = self.client.get(drill, {**RANGE, "agent": str(stranger)})
            self.assertEqual(response.status_code, 200, stranger)
            self.assertNotContains(response, "oscar")
            self.assertNotContains(response, "root-admin")
            self.assertEqual(list(response.context["reviews"]), [], stranger)
            self.assertEqual(
                response.context["filters"], [("客服", gettext("no agent of these shops"))]
            )

    def test_it_drills_down_from_periods_funnel_agents_and_shops(self):
        from reviews.models import Membership

        Membership.objects.create(user=self.manager, shop=self.other_shop, role=Role.MANAGER)
        for grain in ("day", "week"):
            tables = self.get(grain=grain).context["tables"]
            for name, column in (("periods", 1), ("summary", 1), ("funnel_agents", 1)):
                table = tables[name]
                self.assertEqual(len(table.links), len(table.rows), name)
                for row, link in zip(table.rows, table.links, strict=True):
                    page = self.client.get(link)
                    self.assertEqual(len(page.context["reviews"]), row[column], (grain, link))
        # By week the first period starts before the range: the drill-down keeps to the range.
        first = self.get(grain="week").context["tables"]["periods"].links[0]
        self.assertIn("from=2026-03-01&to=2026-03-01", first)

    def test_it_exports_csv_neutralised_and_audited(self):
        response = self.get(export="csv", table="top_products")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][0], "商品")
        self.assertEqual(rows[1], [SHIRT, "5", "1", "1", "4"])
        self.assertEqual(rows[3][0], "'" + FORMULA)
        log = AuditLog.objects.get(action="report_exported")
        self.assertEqual(
            (log.actor, log.shop, log.target), (self.manager, self.shop, "report:top_products")
        )
        self.assertEqual(log.data["format"], "csv")

    def test_it_audits_an_export_of_several_shops_in_each_shops_log(self):
        from django.contrib.auth.models import User

        from reviews.models import Membership

        Membership.objects.create(user=self.manager, shop=self.other_shop, role=Role.MANAGER)
        self.assertEqual(self.get(export="csv", table="summary").status_code, 200)
        logs = AuditLog.objects.filter(action="report_exported")
        self.assertEqual(sorted(log.shop.slug for log in logs), ["alpha", "bravo"])
        # The other shop's own manager sees the export on their audit page.
        self.login(User.objects.get(username=f"bravo-{Role.MANAGER}"))
        page = self.client.get(reverse("audit_log"), {"action": "report_exported"})
        self.assertEqual([e.actor for e in page.context["entries"]], [self.manager])
        self.assertEqual(page.context["entries"][0].data["shops"], ["alpha", "bravo"])

    def test_it_exports_xlsx_neutralised_and_audited(self):
        response = self.get(export="xlsx", table="top_products")
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        rows = [list(r) for r in book.active.iter_rows(values_only=True)]
        self.assertEqual(rows[1], [SHIRT, 5, 1, 1, 4])
        self.assertEqual(rows[3][0], "'" + FORMULA)
        self.assertEqual(AuditLog.objects.filter(action="report_exported").count(), 1)

    def test_it_exports_every_table(self):
        tables = self.get().context["tables"]
        for name in tables:
            response = self.get(export="csv", table=name)
            self.assertEqual(response.status_code, 200, name)
            self.assertGreaterEqual(len(response.content.decode("utf-8-sig").splitlines()), 2)
        self.assertEqual(AuditLog.objects.filter(action="report_exported").count(), len(tables))
        self.assertEqual(self.get(export="csv", table="nope").status_code, 404)

    def test_it_names_the_column_of_finished_reviews_for_what_it_counts(self):
        # Revised + replied + closed: "已关闭" is the status "closed" alone, so it is not that.
        response = self.get()
        self.assertContains(response, '<th scope="col">已完成</th>')
        self.assertNotContains(response, '<th scope="col">已关闭</th>')
        self.assertContains(response, "已完成 = 已修改 + 已公开回复 + 已关闭")
        self.assertContains(response, '<th scope="row">已完成的评价</th>')
        rows = list(
            csv.reader(
                io.StringIO(self.get(export="csv", table="summary").content.decode("utf-8-sig"))
            )
        )
        self.assertEqual(rows[1][rows[0].index("已完成")], "5")  # 3 revised, 1 replied, 1 closed
        self.assertNotIn("已关闭", rows[0])
        book = load_workbook(
            io.BytesIO(self.get(export="xlsx", table="periods").content), read_only=True
        )
        self.assertIn("已完成", next(book.active.iter_rows(values_only=True)))
