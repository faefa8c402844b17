"""The top of the manager's page: headline figures that cannot mislead (each rate with its part
and its base), the trend against the previous range of equal length, the worst products,
couriers and agents; the detailed tables below, folded and paged.

Data: test_reports.py's week of 1–7 March 2026 in shop alpha (9 reviews: 3 revised, 1 replied,
1 closed, 4 open; r1 and r8 agreed and revised, r4 agreed and not), and the week before it
(r11 closed on 25 February, r12 open on 27 February).
"""

import csv
import io
import re
from unittest import mock

from django.urls import reverse

from ..base import BaseTestCase
from .test_reports import BAG, FORMULA, RANGE, SHIRT, ReportsDataMixin


class DashboardTestCase(ReportsDataMixin, BaseTestCase):
    def setUp(self):
        self.login(self.manager)

    def get(self, **params):
        return self.client.get(reverse("reports"), {**RANGE, **params})

    def tiles(self, response) -> dict:
        return {tile.key: tile for tile in response.context["tiles"]}

    def test_it_writes_each_headline_rate_with_its_part_and_base(self):
        response = self.get()
        tiles = self.tiles(response)
        self.assertEqual(
            {key: tile.value for key, tile in tiles.items() if key != "first_contact"},
            {
                "handled": "9",
                "revised": "3 / 9",
                "unresolved": "4 / 9",
                "finished": "3 / 5",  # the resolution rate, over the finished reviews
                "kept_word": "2 / 3",  # r1 and r8 agreed and revised, r4 agreed only
                "good_rate": "11 / 20",  # 11 positives beside 9 neutral/negative
                "overdue": "0",
            },
        )
        # The brief's wording: 「18 条已修改 / 231 条（7.8%）」, here 3 of 9.
        self.assertEqual(tiles["revised"].base, "3 条已修改 / 9 条（33.3%）")
        self.assertEqual(tiles["unresolved"].base, "4 条未解决 / 9 条（44.4%）")
        self.assertEqual(tiles["finished"].base, "已完成 5 条中 3 条已修改（60.0%）")
        self.assertContains(response, "3 条已修改 / 9 条（33.3%）")
        # No rate anywhere in the headline without its part and base on the same line (a
        # change from the previous period, "+350.0%", stands beside that period's count).
        headline = re.search(
            r'<section class="headline".*?</section>', response.content.decode(), re.S
        ).group()
        rates = [line for line in headline.splitlines() if re.search(r"(?<![+−\d.])\d+\.\d%", line)]
        self.assertGreaterEqual(len(rates), 9)
        for line in rates:
            self.assertRegex(line, r"\d+ (条\S* )?/ (共 )?\d+|\d+ 条中 \d+|\d+ 位买家中 \d+")

    def test_it_compares_the_headline_with_the_previous_period(self):
        tiles = self.tiles(self.get())
        # 22–28 February: r11 closed, r12 open; 2 positives on the 28th.
        self.assertEqual(tiles["handled"].previous, "上期：2 (+350.0%)")
        self.assertEqual(tiles["revised"].previous, "上期：0 / 2 (0.0%)")
        self.assertEqual(tiles["unresolved"].previous, "上期：1 / 2 (50.0%)")
        self.assertEqual(tiles["finished"].previous, "上期：0 / 1 (0.0%)")
        self.assertEqual(tiles["good_rate"].previous, "上期：2 / 4 (50.0%)")

    def test_it_never_reads_a_rate_over_nothing(self):
        tiles = self.tiles(self.get(**{"from": "2025-01-01", "to": "2025-01-03"}))
        self.assertEqual(tiles["revised"].value, "0 / 0")
        self.assertEqual(tiles["revised"].base, "0 条已修改 / 0 条（—）")
        self.assertEqual(tiles["first_contact"].value, "—")
        self.assertEqual(tiles["first_contact"].base, "该时间范围内尚无联系记录")

    def test_it_draws_the_trend_beside_the_previous_period_day_by_day(self):
        chart = self.get().context["chart"]
        self.assertEqual(chart["labels"][0], "2026-03-01")
        self.assertEqual(chart["previous_labels"][0], "2026-02-22")
        self.assertEqual(chart["handled"], [2, 1, 2, 1, 2, 0, 1])
        self.assertEqual(chart["handled_previous"], [0, 0, 0, 1, 0, 1, 0])  # r11, r12
        self.assertEqual(chart["revised"], [1, 0, 1, 0, 1, 0, 0])
        self.assertEqual(chart["revised_previous"], [0] * 7)
        self.assertIn("2026-02-22 – 2026-02-28", chart["text"]["previous"])

    def test_it_lists_the_worst_products_couriers_and_agents_with_their_bases(self):
        worst = {w.key: w for w in self.get().context["worst"]}
        products = [(r.name, r.figure, r.worse) for r in worst["products"].rows]
        self.assertEqual(
            products,
            [
                (SHIRT, "5 / 9 条（55.6%）", True),  # 1 the week before
                (BAG, "3 / 9 条（33.3%）", True),
                (FORMULA, "1 / 9 条（11.1%）", True),
            ],
        )
        self.assertEqual(worst["products"].rows[0].note, "严重 1 条 · 上期 1 条")
        self.assertEqual([r.name for r in worst["couriers"].rows], ["中通", "圆通"])
        # Open work: two unassigned (r7, r9) and alice's two; larry's one review is closed.
        agents = worst["agents"].rows
        self.assertEqual(
            [(r.name, r.figure) for r in agents],
            [("未分配", "2 条未解决 / 3 条"), ("alice", "2 条未解决 / 5 条")],
        )
        self.assertEqual(agents[1].note, "2 条已修改 / 5 条（40.0%）")
        # Each name opens the reviews behind it.
        for row, expected in (
            (worst["products"].rows[0], 5),
            (worst["couriers"].rows[0], 4),
            (agents[0], 3),
            (agents[1], 5),
        ):
            page = self.client.get(row.link)
            self.assertEqual(len(page.context["reviews"]), expected, row.name)

    def test_it_names_agents_as_the_rest_of_the_desk_does(self):
        # The board and the timeline say 小艾; the manager's page says it too, not her login.
        type(self.agent).objects.filter(pk=self.agent.pk).update(first_name="小艾")
        page = self.get()
        worst = {w.key: w for w in page.context["worst"]}
        names = [r.name for r in worst["agents"].rows]
        self.assertIn("小艾", names)
        self.assertNotIn("alice", names)
        self.assertNotContains(page, ">alice<")

    def test_it_folds_every_detailed_table(self):
        page = self.get().content.decode()
        folded = re.findall(r'<details class="card report-table" id="table-(\w+)"(\s*open)?>', page)
        self.assertGreaterEqual(len(folded), 14)
        self.assertEqual([name for name, opened in folded if opened], [])

    def test_it_pages_a_table_and_keeps_that_one_unfolded(self):
        with mock.patch("reports.tables.PAGE_ROWS", 3):
            first = self.get()
            # Six days with reviews (6 March has none): two pages of three.
            self.assertEqual(first.context["tables"]["periods"].pages, 2)
            self.assertContains(first, "page_periods=2#table-periods")
            second = self.get(page_periods="2")
            beyond = self.get(page_periods="99")
        table = self._body(second, "periods")
        self.assertIn(">2026-03-05</a>", table)
        self.assertNotIn(">2026-03-01</a>", table)
        self.assertIn('id="table-periods" open', second.content.decode())
        self.assertNotIn('id="table-agents" open', second.content.decode())
        self.assertEqual(self._body(beyond, "periods"), table)  # past the end: the last page

    def test_it_exports_every_row_whatever_the_page(self):
        with mock.patch("reports.tables.PAGE_ROWS", 3):
            response = self.get(page_periods="2", export="csv", table="periods")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 1 + 7)  # the header and every day, 6 March too

    def test_it_shows_three_spikes_and_folds_the_rest(self):
        from datetime import date

        from reports.models import SpikeAlert

        for i in range(5):
            SpikeAlert.objects.create(
                shop=self.shop, dimension="product", key=f"商品{i}", subcause="quality",
                window_start=date(2026, 3, 1), window_end=date(2026, 3, 7), count=9 - i,
                baseline=0,
            )  # fmt: skip
        page = self.get().content.decode()
        section = page[
            page.index('id="spikes"') : page.index("</section>", page.index('id="spikes"'))
        ]
        shown, folded = section.split('<details class="spikes-more">')
        self.assertEqual([f"商品{i}" in shown for i in range(5)], [True] * 3 + [False] * 2)
        self.assertIn("另有 2 个异常", folded)
        self.assertIn("商品3", folded)
        self.assertIn("商品4", folded)

    @staticmethod
    def _body(response, name: str) -> str:
        page = response.content.decode()
        start = page.index(f'id="table-{name}"')
        return page[start : page.index("</details>", start)]
