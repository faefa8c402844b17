"""A review is one review whichever way it came first (issue 19): a Taobao export keys its
rows by order line (订单编号 + 商家编码, no review id), TOP keys a rate by its child order
(oid), a webhook may send either. File then pull, pull then file, webhook then pull: one
review, which keeps the platform's review id once a pull has seen it."""

import csv
import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from tempfile import TemporaryDirectory

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connectors import services
from connectors.top import top_time
from reviews.api import signed_headers
from reviews.models import Review

from .fake_jos import comment
from .fake_top import rate
from .test_ebay import EbayWorld
from .test_jd import JdWorld
from .world import ConnectorWorld


def import_csv(slug: str, header: list[str], rows: list[list]) -> None:
    """An export file of the shop's platform, imported from the shell."""
    with TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        with path.open("w", encoding="utf-8", newline="") as out:
            csv.writer(out).writerows([header, *rows])
        call_command("import_reviews", str(path), shop=slug, stdout=StringIO())


TAOBAO_HEADER = ["订单编号", "买家昵称", "宝贝名称", "商家编码", "实付金额", "评价等级"]
TAOBAO_HEADER += ["评价内容", "追评内容", "评价时间"]


class SameReviewWhicheverCameFirstTestCase(ConnectorWorld):
    def setUp(self) -> None:
        super().setUp()
        when = timezone.now() - timedelta(hours=3)
        # One order (tid 3812) of two lines: the 差评 on the T-shirt, the 中评 on the socks.
        self.shirt = rate(38121, tid=3812, created=when, item_title="纯棉短袖T恤 男款")
        self.socks = rate(
            38122,
            tid=3812,
            result="neutral",
            created=when,
            item_title="棉袜 五双装",
            content="快递太慢了",
        )

    def import_file(self, *rates: dict) -> None:
        """The shop's 千牛 export of these rates (no review id: order and product line)."""
        rows = [
            [r["tid"], "tb_小鱼儿", r["item_title"], f"SKU-{n}", "¥99.00"]
            + [{"bad": "差评", "neutral": "中评"}[r["result"]], r["content"], "", r["created"]]
            for n, r in enumerate(rates)
        ]
        import_csv("alpha", TAOBAO_HEADER, rows)

    def pull(self) -> None:
        run = services.connection_pull(connection_id=self.connection.id)
        self.assertEqual(run.outcome, "ok", run.message)

    def assert_one_review_per_rate(self) -> None:
        reviews = Review.objects.filter(shop=self.shop).order_by("platform_review_id")
        self.assertEqual(
            [(r.platform_review_id, r.order_id, r.product_name) for r in reviews],
            [("38121", "3812", "纯棉短袖T恤 男款"), ("38122", "3812", "棉袜 五双装")],
        )

    def test_a_file_then_a_pull_is_one_review_per_order_line(self):
        self.import_file(self.shirt, self.socks)
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 2)
        first = set(Review.objects.values_list("id", flat=True))
        self.top.add(self.shirt, self.socks)
        self.pull()
        self.assert_one_review_per_rate()
        self.assertEqual(set(Review.objects.values_list("id", flat=True)), first)
        self.pull()  # a second pull finds both by the id the first one recorded
        self.assert_one_review_per_rate()

    def test_a_pull_then_a_file_is_one_review_per_order_line(self):
        self.top.add(self.shirt, self.socks)
        self.pull()
        self.import_file(self.shirt, self.socks)
        self.assert_one_review_per_rate()
        # The file brought what the pull lacks: the product line's SKU.
        self.assertEqual(set(Review.objects.values_list("sku", flat=True)), {"SKU-0", "SKU-1"})

    def test_a_webhook_item_by_order_line_then_a_pull_is_one_review(self):
        item = {
            "order_id": "3812",
            "product_name": "纯棉短袖T恤 男款",
            "buyer_nick": "tb_小鱼儿",
            "rating": "差评",
            "text": self.shirt["content"],
            "reviewed_at": self.shirt["created"],
        }
        body = json.dumps({"reviews": [item]}, ensure_ascii=False).encode()
        response = self.client.post(
            reverse("api_shop_reviews", args=["alpha"]),
            data=body,
            content_type="application/json",
            headers=signed_headers(self.shop.webhook_secret, body),
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.top.add(self.shirt)
        self.pull()
        reviews = Review.objects.filter(shop=self.shop)
        self.assertEqual([r.platform_review_id for r in reviews], ["38121"])

    def test_a_file_row_matching_two_pulled_lines_by_order_alone_is_not_guessed(self):
        """Only the order number, and it names two pulled reviews: the row is a review of its
        own rather than merged into the wrong one."""
        self.top.add(self.shirt, self.socks)
        self.pull()
        other = dict(self.shirt, item_title="别的宝贝", created=top_time(timezone.now()))
        self.import_file(other)
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 3)

    def test_another_shops_review_of_the_same_order_is_never_taken(self):
        self.import_file(self.shirt)
        Review.objects.filter(shop=self.shop).update(shop=self.other_shop)
        self.top.add(self.shirt)
        self.pull()
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 1)
        self.assertEqual(Review.objects.filter(shop=self.other_shop).count(), 1)


class JdFileAndPullTestCase(JdWorld):
    def test_a_jd_export_then_a_pull_is_one_review_keyed_by_the_comment_id(self):
        made = comment(7001, created=timezone.now() - timedelta(hours=5))
        import_csv(
            "jd-delta",
            ["评价编号", "订单号", "用户昵称", "商品名称", "星级", "评价内容", "评价时间"],
            [
                [made["commentId"], made["orderId"], made["nickName"], made["skuName"]]
                + ["1星", made["content"], made["creationTime"]]
            ],
        )
        self.jos.add(made)
        self.assertEqual(services.connection_pull(connection_id=self.connection.id).outcome, "ok")
        reviews = Review.objects.filter(shop=self.jd)
        self.assertEqual([r.platform_review_id for r in reviews], ["7001"])


class EbayPullAndFileTestCase(EbayWorld):
    def test_an_ebay_pull_then_its_feedback_report_is_one_review(self):
        (made,) = self.feedback(1)
        self.assertEqual(services.connection_pull(connection_id=self.connection.id).outcome, "ok")
        import_csv(
            "echo",
            ["Feedback ID", "Feedback type", "Comment", "Buyer", "Order number", "Item title"]
            + ["Price", "Date"],
            [
                [made["FeedbackID"], "Negative", made["CommentText"], made["CommentingUser"]]
                + [made["OrderLineItemID"], made["ItemTitle"], "US $19.99", made["CommentTime"]]
            ],
        )
        reviews = Review.objects.filter(shop=self.echo)
        self.assertEqual([r.platform_review_id for r in reviews], [made["FeedbackID"]])
