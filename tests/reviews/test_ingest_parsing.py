"""The pure side of ingestion: headers, values, encodings, archives (no database)."""

import codecs
import io
import tempfile
import zipfile
import zoneinfo
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.test import SimpleTestCase, override_settings

from reviews.ingest import readers
from reviews.ingest.headers import map_headers, unknown_header_message
from reviews.ingest.readers import UnreadableFile, detect_encoding, open_sheet
from reviews.ingest.records import Record, Rejection, build_record
from reviews.ingest.values import parse_amount, parse_datetime, parse_rating

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


ENGLISH = override_settings(LANGUAGE_CODE="en")


@ENGLISH
class HeadersTestCase(SimpleTestCase):
    def test_it_maps_the_platforms_names_for_the_same_column(self):
        for names in (
            [
                "订单编号",
                "买家昵称",
                "评价内容",
                "评价时间",
                "评价等级",
                "宝贝名称",
                "实付金额",
                "手机号",
            ],
            [
                "订单号",
                "会员名",
                "评论内容",
                "评论时间",
                "评分",
                "商品名称",
                "订单金额",
                "联系电话",
            ],
            [
                "订单号",
                "用户昵称",
                "评价内容",
                "评价时间",
                "星级",
                "商品名称",
                "实付金额",
                "联系电话",
            ],
        ):
            header = map_headers(names)
            self.assertEqual(
                [header.columns[i] for i in range(8)],
                [
                    "order_id",
                    "buyer_nick",
                    "text",
                    "reviewed_at",
                    "rating",
                    "product_name",
                    "amount",
                    "buyer_phone",
                ],
            )
            self.assertEqual(header.unknown, [])

    def test_it_maps_english_headers_ignoring_case_and_spacing(self):
        header = map_headers(["Feedback type", "COMMENT", " order_number ", "Item title", "Date"])
        self.assertEqual(
            set(header.names), {"rating", "text", "order_id", "product_name", "reviewed_at"}
        )

    def test_it_names_an_unknown_column_and_the_accepted_names(self):
        header = map_headers(["评价内容", "收货地址"])
        self.assertEqual(header.unknown, ["收货地址"])
        message = unknown_header_message("收货地址")
        self.assertIn("收货地址", message)
        self.assertIn("评论内容", message)
        self.assertIn("订单号", message)


@ENGLISH
class ValuesTestCase(SimpleTestCase):
    def test_it_reads_ratings_in_every_form(self):
        cases = {
            "好评": "positive",
            "中评": "neutral",
            "差评": "negative",
            "Positive": "positive",
            "negative": "negative",
            "1": "negative",
            "2星": "negative",
            "3": "neutral",
            "4分": "positive",
            "5": "positive",
            5: "positive",
            2.0: "negative",
            "★★★☆☆": "neutral",
        }
        for raw, expected in cases.items():
            self.assertEqual(parse_rating(raw), expected, raw)
        for bad in ("非常好", "6", "0", "", "4.5"):
            with self.assertRaises(ValueError):
                parse_rating(bad)

    def test_it_reads_times_in_the_shops_zone(self):
        expected = datetime(2024, 11, 12, 10, 31, tzinfo=SHANGHAI)
        for raw in (
            "2024-11-12 10:31",
            "2024/11/12 10:31",
            "2024年11月12日 10:31",
            "2024.11.12 10:31:00",
        ):
            self.assertEqual(parse_datetime(raw, SHANGHAI), expected, raw)
        self.assertEqual(parse_datetime("2024-11-12T02:31:00Z", SHANGHAI), expected)
        ebay = parse_datetime("Nov-12-24 10:31:07 PST", SHANGHAI, month_first=True)
        self.assertEqual(ebay.utcoffset().total_seconds(), -8 * 3600)
        self.assertEqual(parse_datetime("11/12/2024", SHANGHAI, month_first=True).month, 11)
        self.assertEqual(parse_datetime("11/12/2024", SHANGHAI).month, 12)
        for bad in ("2024-13-45 25:00", "yesterday", "1999-01-01"):
            with self.assertRaises(ValueError):
                parse_datetime(bad, SHANGHAI)

    def test_it_reads_amounts_with_currency_and_separators(self):
        for raw in ("¥1,299.00", "￥1299", "1299元", "1,299", 1299, "RMB 1299.00"):
            self.assertEqual(parse_amount(raw), Decimal("1299.00"), raw)
        self.assertEqual(parse_amount("US $12.50"), Decimal("12.50"))
        for bad in ("¥12,3x.00", "-5", "abc", "NaN"):
            with self.assertRaises(ValueError):
                parse_amount(bad)


@ENGLISH
class RecordsTestCase(SimpleTestCase):
    def build(self, **items):
        base = {
            "rating": "差评",
            "text": "质量差",
            "reviewed_at": "2024-11-12 10:31",
            "order_id": "A1",
        }
        base.update(items)
        return build_record(2, base, {}, SHANGHAI)

    def test_it_prefers_the_platform_review_id_as_key(self):
        record = self.build(review_id="R9", sku="S1")
        self.assertIsInstance(record, Record)
        self.assertEqual((record.key, record.key_kind), ("id:R9", "review_id"))

    def test_it_falls_back_to_order_and_product_line_then_buyer_and_time(self):
        self.assertEqual(self.build(sku="S1").key, "ol:A1:S1")
        self.assertTrue(self.build(product_name="T恤").key.startswith("ol:A1:p"))
        record = self.build(buyer_nick="小鱼")
        self.assertEqual(record.key_kind, "order_buyer_time")
        self.assertEqual(record.key, "obt:A1:小鱼:20241112T023100")

    def test_it_lists_every_problem_of_a_row(self):
        rejection = self.build(rating="很好", reviewed_at="not a date", amount="x", text="")
        self.assertIsInstance(rejection, Rejection)
        self.assertEqual(
            sorted(column for column, _reason in rejection.errors),
            ["amount", "rating", "reviewed_at", "text"],
        )


@ENGLISH
class ReadersTestCase(SimpleTestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())

    def write(self, name: str, data: bytes) -> Path:
        path = self.dir / name
        path.write_bytes(data)
        return path

    def test_it_detects_utf8_bom_and_gbk(self):
        text = "评价内容,评价时间\n质量差,2024-11-12\n"
        self.assertEqual(detect_encoding(text.encode()), "utf-8")
        self.assertEqual(detect_encoding(codecs.BOM_UTF8 + text.encode()), "utf-8-sig")
        self.assertEqual(detect_encoding(text.encode("gbk")), "gb18030")

    def test_it_decodes_gbk_as_gb18030(self):
        # 𠮷 (U+20BB7) is not in GBK: real exports labelled GBK still carry such characters.
        path = self.write("x.csv", "评价内容\n好吃𠮷\n".encode("gb18030"))
        sheet = open_sheet(path)
        self.assertEqual(list(sheet.rows), [(2, ["好吃𠮷"])])
        sheet.close()

    def test_it_refuses_empty_binary_and_old_excel_files(self):
        for name, data in (
            ("empty.csv", b""),
            ("blank.csv", b"\n\n"),
            ("image.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4),
            ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
        ):
            with self.subTest(name), self.assertRaises(UnreadableFile):
                open_sheet(self.write(name, data))

    def test_it_refuses_a_zip_bomb_before_parsing(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("xl/workbook.xml", "<workbook/>")
            archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (20 * 1024 * 1024))
        path = self.write("bomb.xlsx", buffer.getvalue())
        with (
            mock.patch("openpyxl.load_workbook") as load,
            self.assertRaises(UnreadableFile) as caught,
        ):
            open_sheet(path)
        load.assert_not_called()
        self.assertIn("decompression bomb", str(caught.exception))

    def test_it_refuses_archives_with_too_many_members(self):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i in range(30):
                archive.writestr(f"xl/m{i}.xml", "x")
        path = self.write("many.xlsx", buffer.getvalue())
        with mock.patch.object(readers, "XLSX_MAX_MEMBERS", 10), self.assertRaises(UnreadableFile):
            open_sheet(path)
