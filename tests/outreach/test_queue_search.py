"""The queue's search finds exactly what a plain filter finds, in the queue's order, whichever
of its plans answers (outreach.queue._search_keys): the head of the lane read in order, or the
bigram indexes for a word the head does not find often enough (reviews migration 0024,
PostgreSQL). On SQLite the same test checks the plain path."""

from datetime import timedelta
from decimal import Decimal
from itertools import cycle
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from reviews.models import Buyer, Severity, Status

from ..base import BaseTestCase

TEXTS = [
    "快递太慢，等了一个星期",
    "质量太差了，用了两天就坏了",
    "Great 手感 but the ZIP broke",
    "包装破损，快递员扔在门口",
    "打了50%的折扣还是贵",
    "颜色和图片不一样",
    "尺码_偏小",
    "客服态度不好",
]
NICKS = ["Happy土豆", "tom123", "土豆泥", "TOMMY", "小鱼2024", "土豆丝", "月亮", "lucky_star"]


class QueueSearchTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        now = timezone.now()
        texts, nicks = cycle(TEXTS), cycle(NICKS)
        statuses = cycle([Status.NEW, Status.AGREED, Status.REVISED])
        severities = cycle([Severity.MINOR, Severity.SERIOUS, Severity.MINOR, Severity.MINOR])
        for i in range(240):
            cls.make_review(
                cls.shop,
                assigned_to=cls.agent if i % 5 else None,  # some unassigned: another lane
                status=next(statuses),
                severity=next(severities),
                nick=next(nicks),
                text=next(texts),
                order_id=f"88{i:04d}",
                amount=None if i % 7 == 0 else Decimal(i % 4 * 50),
                reviewed_at=now - timedelta(hours=i % 9),
            )
        # The same words and nicks in another shop: never found from alpha.
        for i in range(6):
            cls.make_review(
                cls.other_shop,
                assigned_to=cls.agent,
                nick=NICKS[i],
                text=TEXTS[i],
                order_id=f"88{i:04d}",
            )

    def setUp(self):
        self.login(self.agent)
        self.lanes: dict[str, list[int]] = {}

    def pages(self, **params) -> list[int]:
        """Every page of the queue for `params`, followed by its cursor: the ids in order."""
        seen, cursor = [], ""
        while True:
            response = self.client.get(reverse("queue"), {**params, "after": cursor})
            seen += [r.pk for r in response.context["reviews"]]
            cursor = response.context["next_cursor"]
            if not cursor:
                return seen

    def expected(self, q: str, lane: str) -> list[int]:
        """The lane in the queue's order (no search), kept where a plain filter says so."""
        if lane not in self.lanes:
            self.lanes[lane] = self.pages(lane=lane)
        ids = self.lanes[lane]
        nick_of = dict(Buyer.objects.values_list("pk", "nick"))
        rows = {
            pk: (text, order_id, nick_of[buyer_id])
            for pk, text, order_id, buyer_id in self.shop.reviews.values_list(
                "pk", "text", "order_id", "buyer_id"
            )
        }
        word = q.upper()
        return [
            pk
            for pk in ids
            if word in rows[pk][0].upper() or word in rows[pk][2].upper() or rows[pk][1] == q
        ]

    def check(self, q: str, lane: str = "mine") -> list[int]:
        expected = self.expected(q, lane)
        self.assertEqual(self.pages(q=q, lane=lane), expected, q)
        return expected

    def test_it_finds_what_a_plain_filter_finds_in_the_queues_order_with_either_plan(self):
        words = [
            "快递",  # two characters, common, at the start of a text
            "星期",  # at its end
            "质量太差",  # four
            "土豆",  # two characters of a nick
            "tom1",  # an ASCII nick, another case than typed
            "TOM",
            "zip",  # a word of the text, another case
            "880012",  # an order id
            "质差",  # found nowhere
            "差",  # one character
            "50%",  # LIKE's wildcards are plain characters
            "_偏",
            "%",
        ]
        # A head of 1000 rows holds the whole lane (some 130 rows); of 100, a full page of
        # 土豆 (a nick of three in eight) and too few of the others; of 3, too few of any: the
        # other words go to the indexes.
        for head in (1000, 100, 3):
            with self.subTest(head=head), mock.patch("outreach.queue.SEARCH_HEAD", head):
                found = {q: self.check(q) for q in words}
                self.assertEqual(found["质差"], [])
                for q in ("快递", "星期", "土豆", "tom1", "zip", "880012", "50%", "_偏"):
                    self.assertTrue(found[q], q)
                self.assertGreater(len(found["快递"]), 25)  # more than a page: the cursor too
                self.assertEqual(len(found["880012"]), 1)
                self.check("快递", lane="unassigned")
                self.check("土豆", lane="unassigned")

    def test_a_search_page_runs_a_fixed_number_of_queries(self):
        counts = {}
        for head in (1000, 1):  # the lane's plan, the indexes' plan
            with mock.patch("outreach.queue.SEARCH_HEAD", head):
                for q in ("快递", "tom1", "880012"):
                    with CaptureQueriesContext(connection) as ctx:
                        response = self.client.get(reverse("queue"), {"q": q})
                    self.assertTrue(response.context["reviews"], q)
                    counts[head, q] = len(ctx.captured_queries)
        self.assertEqual(len(set(counts.values())), 1, counts)
