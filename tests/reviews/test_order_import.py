"""Order exports in: the columns Taobao/Tmall and JD write, UTF-8 and GBK, XLSX, bad rows
reported one by one, duplicates, and a re-import that brings the delivery time."""

from datetime import datetime
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from outreach.models import CareCall
from reviews.models import Buyer, Order

from ..base import BaseTestCase
from ..xlsx import excel_style_xlsx

SH = ZoneInfo("Asia/Shanghai")
TAOBAO_HEADER = "订单编号,买家会员名,联系手机,买家实际支付金额,订单状态,确认收货时间\n"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
class OrderImportTestCase(BaseTestCase):
    def upload(self, name: str, data: bytes, shop=None):
        return self.client.post(
            reverse("order_import"),
            {"shop": (shop or self.shop).pk, "file": SimpleUploadedFile(name, data)},
        )

    def test_it_imports_a_taobao_order_export(self):
        self.login(self.lead)
        body = TAOBAO_HEADER + (
            "3001,小王,13800001111,¥899.00,交易成功,2026-11-25 09:12:00\n"
            "3002,小李,13800002222,59.90,卖家已发货，等待买家确认,\n"
        )
        page = self.upload("orders.csv", body.encode())
        self.assertContains(page, "2 new, 0 updated, 0 unchanged, 0 rejected.")
        first = Order.objects.get(shop=self.shop, order_id="3001")
        self.assertEqual(first.amount, Decimal("899.00"))
        self.assertEqual(first.delivered_at, at(2026, 11, 25, 9, 12))
        self.assertEqual(first.status, "交易成功")
        self.assertEqual(first.buyer.nick, "小王")
        self.assertEqual(first.buyer.phone, "13800001111")
        second = Order.objects.get(shop=self.shop, order_id="3002")
        self.assertIsNone(second.delivered_at)
        self.assertFalse(Order.objects.filter(shop=self.other_shop).exists())

    def test_it_reads_a_gbk_jd_export(self):
        body = "订单号,下单帐号,联系电话,应付金额,订单状态,完成时间\n"
        body += "JD-77,京东用户甲,13900003333,1299,完成,2026/11/24 15:00\n"
        self.login(self.lead)
        page = self.upload("jd.csv", body.encode("gbk"))
        self.assertContains(page, "1 new")
        order = Order.objects.get(order_id="JD-77")
        self.assertEqual(order.buyer.nick, "京东用户甲")
        self.assertEqual(order.delivered_at, at(2026, 11, 24, 15, 0))

    def test_it_reads_an_xlsx_export(self):
        data = excel_style_xlsx(
            [
                ["订单编号", "买家会员名", "买家实际支付金额", "签收时间"],
                ["4001", "表格买家", 650.5, "2026-11-25 08:00"],
            ]
        )
        self.login(self.lead)
        self.assertContains(self.upload("orders.xlsx", data), "1 new")
        self.assertEqual(Order.objects.get(order_id="4001").amount, Decimal("650.50"))

    def test_it_reports_bad_rows_and_keeps_the_good_ones(self):
        body = TAOBAO_HEADER + (
            ",无单号,13800001111,100,交易成功,2026-11-25 09:00\n"
            "5002,金额错,13800001111,一百元,交易成功,2026-11-25 09:00\n"
            "5003,时间错,13800001111,100,交易成功,昨天下午\n"
            "5004,好行,13800001111,100,交易成功,2026-11-25 09:00\n"
        )
        self.login(self.lead)
        page = self.upload("orders.csv", body.encode())
        self.assertContains(page, "1 new, 0 updated, 0 unchanged, 3 rejected.")
        self.assertContains(page, "The order id is missing.")
        self.assertContains(page, "<td>3</td><td>买家实际支付金额</td>", html=False)
        self.assertContains(page, "<td>4</td><td>确认收货时间</td>", html=False)
        self.assertEqual(list(Order.objects.values_list("order_id", flat=True)), ["5004"])

    def test_it_skips_a_second_row_of_the_same_order(self):
        body = TAOBAO_HEADER + (
            "6001,甲,13800001111,100,交易成功,2026-11-25 09:00\n"
            "6001,甲,13800001111,120,交易成功,2026-11-25 09:00\n"
        )
        self.login(self.lead)
        page = self.upload("orders.csv", body.encode())
        self.assertContains(page, "Order 6001 is already in row 2 of this file")
        self.assertEqual(Order.objects.get(order_id="6001").amount, Decimal("100"))

    def test_a_reimport_brings_the_delivery_time(self):
        self.login(self.lead)
        self.upload("a.csv", (TAOBAO_HEADER + "7001,甲,13800001111,900,卖家已发货,\n").encode())
        self.assertFalse(CareCall.objects.exists())
        page = self.upload(
            "b.csv",
            (TAOBAO_HEADER + "7001,甲,,900,交易成功,2026-11-25 11:30\n").encode(),
        )
        self.assertContains(page, "0 new, 1 updated")
        order = Order.objects.get(order_id="7001")
        self.assertEqual(order.delivered_at, at(2026, 11, 25, 11, 30))
        self.assertEqual(order.status, "交易成功")
        self.assertEqual(order.buyer.phone, "13800001111")  # a blank cell keeps what is known
        self.assertEqual(order.care_call.due_at, at(2026, 11, 25, 18, 0))
        page = self.upload(
            "b.csv", (TAOBAO_HEADER + "7001,甲,,900,交易成功,2026-11-25 11:30\n").encode()
        )
        self.assertContains(page, "0 new, 0 updated, 1 unchanged")

    def test_it_refuses_a_file_without_the_order_columns(self):
        self.login(self.lead)
        page = self.upload("x.csv", "评价内容,评价时间\n很好,2026-11-25\n".encode())
        self.assertEqual(page.status_code, 400)
        self.assertContains(
            page, "The file has no column for order_id, buyer_nick", status_code=400
        )
        self.assertFalse(Order.objects.exists())

    def test_it_answers_garbage_with_a_message(self):
        self.login(self.lead)
        for name, data in (
            ("x.csv", b""),
            ("x.xlsx", b"PK\x03\x04broken"),
            ("x.csv", b"\xff\xfe\x00"),
        ):
            page = self.upload(name, data)
            self.assertEqual(page.status_code, 400, name)
        self.assertFalse(Order.objects.exists())

    def test_only_leads_and_managers_of_the_shop_import(self):
        body = (TAOBAO_HEADER + "8001,甲,13800001111,100,交易成功,\n").encode()
        self.login(self.manager)
        self.assertEqual(self.client.get(reverse("order_import")).status_code, 200)
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("order_import")).status_code, 403)
        self.assertEqual(self.upload("a.csv", body).status_code, 403)
        self.login(self.lead)
        self.assertEqual(self.upload("a.csv", body, shop=self.other_shop).status_code, 400)
        self.assertFalse(Order.objects.exists())

    def test_an_erased_buyer_is_not_brought_back(self):
        from outreach.erasure import buyer_erase

        buyer = Buyer.objects.create(shop=self.shop, nick="被删除", phone="13800009999")
        buyer_erase(buyer=buyer)
        self.login(self.lead)
        page = self.upload(
            "a.csv", (TAOBAO_HEADER + "9001,被删除,13800009999,900,交易成功,\n").encode()
        )
        self.assertContains(page, "1 rows of buyers erased on request were skipped.")
        self.assertFalse(Order.objects.exists())
        self.assertFalse(Buyer.objects.filter(shop=self.shop, nick="被删除").exists())

    def test_the_command_imports_and_lists_rejected_rows(self):
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".csv", encoding="utf-8") as fh:
            fh.write(TAOBAO_HEADER + "1001,甲,13800001111,900,交易成功,2026-11-25 09:00\n")
            fh.write("1002,乙,13800001111,abc,交易成功,2026-11-25 09:00\n")
            fh.flush()
            out = StringIO()
            call_command("import_orders", fh.name, shop="alpha", stdout=out)
        self.assertIn(
            "1 new, 0 updated, 0 unchanged, 1 rejected, 1 care calls planned", out.getvalue()
        )
        self.assertIn("row 3 · 买家实际支付金额", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("import_orders", "/nonexistent.csv", shop="alpha", stdout=StringIO())
