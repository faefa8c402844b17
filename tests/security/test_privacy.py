"""Phone numbers masked in free text and in every log line."""

import io
import logging

from django.test import SimpleTestCase
from django.urls import reverse

from reviews.models import ImportBatch, ImportRowError
from reviews.privacy import PHONE_ERASED, erase_phones, mask_addresses, mask_phones

from ..base import BaseTestCase

FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


class MaskPhonesTestCase(SimpleTestCase):
    def test_it_masks_mobile_numbers_however_they_are_written(self):
        for text, expected in (
            ("加我微信13812345678谢谢", "加我微信138****5678谢谢"),
            ("电话 138 1234 5678", "电话 138****5678"),
            ("+86 138-1234-5678", "138****5678"),
            ("１３８１２３４５６７８", "138****5678"),
            ("15000000000,13912345678", "150****0000,139****5678"),
        ):
            self.assertEqual(mask_phones(text), expected, text)

    def test_it_masks_landlines_with_an_area_code(self):
        self.assertEqual(mask_phones("010-12345678"), "010****5678")
        self.assertEqual(mask_phones("(0755)1234567"), "075****4567")

    def test_it_leaves_other_numbers_alone(self):
        for text in (
            "订单号202400000001345",
            "运单 SF1234567890123",
            "买了2件，2024-01-15 13:45 到货",
            "价格199-299元",
            "12345678901",  # 11 digits but not a mobile prefix
        ):
            self.assertEqual(mask_phones(text), text)

    # How people write their numbers, from the places the desk's shops sell to: each must come
    # out with none of its middle digits and its last four kept.
    WORLD = (
        # China: mobiles and landlines, as typed on a phone or copied from a card.
        ("138.1234.5678", "5678"),
        ("138-1234-5678", "5678"),
        ("+86 138 1234 5678", "5678"),
        ("0086-13812345678", "5678"),
        ("+86 (10) 6552 9988", "9988"),
        ("(010) 6552-9988", "9988"),
        ("0755-8765 4321", "4321"),
        ("021-12345678转8021", "5678"),
        # US and Canada.
        ("+1 415-555-0100", "0100"),
        ("(415) 555-0100", "0100"),
        ("415.555.0100", "0100"),
        ("415-555-0100 ext. 23", "0100"),
        ("1-800-555-0199", "0199"),
        ("+1 (604) 555-0123", "0123"),
        # United Kingdom.
        ("+44 20 7946 0958", "0958"),
        ("+44 (0)20 7946 0958", "0958"),
        ("020 7946 0958", "0958"),
        ("07700 900123", "0123"),
        ("0044 7700 900123", "0123"),
        # Germany.
        ("+49 30 12345678", "5678"),
        ("030 12345678", "5678"),
        ("0171 1234567", "4567"),
        ("+49 (0)171 1234567", "4567"),
        ("030/12345678", "5678"),
        # France.
        ("+33 1 23 45 67 89", "6789"),
        ("01 23 45 67 89", "6789"),
        ("06.12.34.56.78", "5678"),
        # Japan.
        ("+81 3-1234-5678", "5678"),
        ("03-1234-5678", "5678"),
        ("090-1234-5678", "5678"),
        # Australia.
        ("+61 2 9876 5432", "5432"),
        ("(02) 9876 5432", "5432"),
        ("0412 345 678", "5678"),
        # Hong Kong and Taiwan.
        ("+852 9123 4567", "4567"),
        ("(852) 2345 6789", "6789"),
        ("+886 912 345 678", "5678"),
        ("0912-345-678", "5678"),
        ("(02)2345-6789", "6789"),
        # Full-width digits and signs, as a Chinese keyboard gives them.
        ("＋８６ １３８－１２３４－５６７８", "5678"),
        ("＋１ ４１５－５５５－０１００", "0100"),
    )

    def test_it_masks_phone_numbers_as_the_world_writes_them(self):
        for written, last4 in self.WORLD:
            with self.subTest(written):
                masked = mask_phones(f"请联系 {written} 谢谢")
                self.assertTrue(masked.startswith("请联系 ") and masked.endswith(" 谢谢"), masked)
                # Stars, then the last four (an extension may follow); at most 3 digits before.
                head, star, tail = masked.translate(FULL_WIDTH).rpartition("*")
                self.assertEqual(star, "*", masked)
                self.assertTrue(tail.startswith(last4), masked)
                self.assertLessEqual(sum(c.isdigit() for c in head), 3, masked)

    NOT_PHONES = (
        "订单号202400000001345",
        "订单号 3921 0088 1234 5567",
        "order #112-3456789-0123456",
        "运单 SF1234567890123",
        "UPS 1Z999AA10123456784",
        "YT2412345678901",
        "JD0012345678901-1-1",
        "买了2件，2024-01-15 13:45 到货",
        "2024.01.15",
        "15.01.2024",
        "01/15/2024",
        "2024-01-15 20:15:30",
        "晚上20:15打过来",
        "13:45-14:30之间",
        "价格199-299元",
        "$1,299.00",
        "1.234,56 €",
        "1 234 567 €",
        "共计 12,345.67 元",
        "2023-2024赛季",
        "等了10-12天",
        "192.168.1.100",
        "ISBN 978-7-111-12345-6",
        "尺码 170/92A",
        "12345678901",  # 11 digits but not a mobile prefix
        "+5元运费",
        "版本 1.2.3",
    )

    # A number typed without any separator says it is a phone only by the word before it.
    KEYED = (
        ("call me at 4155550100", "0100"),
        ("phone: +14155550100", "0100"),
        ("Tel 02079460958", "0958"),
        ("my cell is 07700900123", "0123"),
        ("WhatsApp 447700900123", "0123"),
        ("Mobile #4915112345678", "5678"),
        ("电话 02079460958", "0958"),
        ("手机号：4155550100", "0100"),
        ("联系方式 07700900123", "0123"),
        ("座机 075587654321", "4321"),
    )
    KEYED_NOT_PHONES = (
        "手机壳订单号 202400000001345",
        "phone case, order 112345678901",
        "called twice, tracking 1Z999AA10123456784",
        "电话里说 3 天到",
        "call center ticket 2024011512",
    )

    def test_it_masks_a_bare_number_that_the_words_before_it_call_a_phone(self):
        for written, last4 in self.KEYED:
            with self.subTest(written):
                masked = mask_phones(written)
                head, star, tail = masked.rpartition("*")
                self.assertEqual((star, tail), ("*", last4), masked)
                self.assertLessEqual(sum(c.isdigit() for c in head), 3, masked)
        for text in self.KEYED_NOT_PHONES:
            with self.subTest(text):
                self.assertEqual(mask_phones(text), text)
                self.assertEqual(erase_phones(text), text)

    def test_erasure_removes_a_bare_number_that_the_words_before_it_call_a_phone(self):
        self.assertEqual(erase_phones("call me at 4155550100"), f"call me at {PHONE_ERASED}")
        self.assertEqual(erase_phones("电话：02079460958 谢谢"), f"电话：{PHONE_ERASED} 谢谢")

    def test_it_leaves_numbers_that_are_not_phones_alone(self):
        for text in self.NOT_PHONES:
            with self.subTest(text):
                self.assertEqual(mask_phones(text), text)

    def test_it_finds_addresses_for_erasure(self):
        self.assertEqual(
            mask_addresses("我家住在北京市朝阳区建国路88号3栋201室，快递员太差"),
            "[地址已删除]，快递员太差",
        )
        self.assertEqual(mask_addresses("寄到幸福小区5号楼2单元301室吧"), "[地址已删除]吧")
        self.assertEqual(mask_addresses("衣服洗了3次就坏了"), "衣服洗了3次就坏了")


class LoggingTestCase(SimpleTestCase):
    """The handlers configured by settings.LOGGING, as the web, worker and beat use them."""

    def setUp(self):
        self.stream = io.StringIO()
        handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
        self.previous = handler.setStream(self.stream)
        self.addCleanup(handler.setStream, self.previous)

    def test_it_masks_phone_numbers_in_messages_and_arguments(self):
        logger = logging.getLogger("outreach.backends.sms")
        logger.warning("sms to %s failed", "13812345678")
        logger.warning("buyer called back from 0755-1234567")
        output = self.stream.getvalue()
        self.assertIn("sms to 138****5678 failed", output)
        self.assertIn("075****4567", output)
        self.assertNotIn("13812345678", output)
        self.assertNotIn("1234567\n", output)

    def test_it_masks_numbers_from_abroad(self):
        logging.getLogger("outreach.backends.sms").warning(
            "sms to %s failed, buyer gave +44 20 7946 0958 too", "+1 415-555-0100"
        )
        output = self.stream.getvalue()
        self.assertIn("sms to +141****0100 failed, buyer gave +442*****0958 too", output)

    def test_it_masks_phone_numbers_in_tracebacks(self):
        try:
            raise ValueError("duplicate key (phone)=(13812345678)")
        except ValueError:
            logging.getLogger("reviews.ingest").exception("import failed")
        output = self.stream.getvalue()
        self.assertIn("ValueError: duplicate key (phone)=(138****5678)", output)
        self.assertNotIn("13812345678", output)


class MaskedListsTestCase(BaseTestCase):
    """Lists show what a buyer wrote with their number masked; the review page (where a
    reveal is logged) is the only place with the full text."""

    TEXT = "物流太慢，有问题打我电话13812345678"

    def setUp(self):
        self.assigned = self.make_review(self.shop, assigned_to=self.agent, text=self.TEXT)
        self.unassigned = self.make_review(self.shop, assigned_to=None, text=self.TEXT)

    def assertMasked(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "138****5678")
        self.assertNotContains(response, "13812345678")

    def test_the_queue_board_and_report_drill_down_mask_phone_numbers(self):
        self.client.force_login(self.agent)
        self.assertMasked(self.client.get(reverse("queue")))
        self.client.force_login(self.lead)
        self.assertMasked(self.client.get(reverse("board")))
        self.client.force_login(self.manager)
        self.assertMasked(self.client.get(reverse("reports_reviews")))

    def test_an_ebay_shops_lists_mask_numbers_from_abroad(self):
        self.shop.platform = "ebay"
        self.shop.save(update_fields=["platform"])
        for review in (self.assigned, self.unassigned):
            review.text = "Call +1 (415) 555-0100 / 415.555.0199"
            review.save(update_fields=["text"])
        for user, page in ((self.agent, "queue"), (self.lead, "board")):
            self.client.force_login(user)
            response = self.client.get(reverse(page))
            self.assertContains(response, "+141****0100")
            self.assertContains(response, "415***0199")
            self.assertNotContains(response, "555-0100")
            self.assertNotContains(response, "555.0199")

    def test_the_import_error_list_masks_phone_numbers(self):
        batch = ImportBatch.objects.create(
            shop=self.shop, source="file", platform="taobao", status="done", rejected=1
        )
        ImportRowError.objects.create(
            batch=batch, row=3, column="rating", reason="bad", raw="差?,13812345678,纯棉T恤"
        )
        ImportRowError.objects.create(
            batch=batch, row=4, column="rating", reason="bad", raw="bad?,+44 20 7946 0958,shirt"
        )
        self.client.force_login(self.lead)
        response = self.client.get(reverse("import_batch", args=[batch.pk]))
        self.assertMasked(response)
        self.assertContains(response, "+442*****0958")
        self.assertNotContains(response, "7946")


class AdminPersonalDataTestCase(BaseTestCase):
    """The admin, even for a superuser, shows buyers' numbers masked wherever they appear
    (the review page's logged reveal is the only way to a full number), and lets nobody
    change or delete a buyer, review, correction, planned contact, message or contact attempt:
    those change through the services, which keep the timeline and the audit log."""

    NUMBER = "13812345678"

    def setUp(self):
        from django.contrib.auth.models import User

        from outreach.models import ContactAttempt, Message, PlannedContact
        from reviews.models import Buyer, Correction

        n = self.NUMBER
        buyer = Buyer.objects.create(shop=self.shop, nick="小王", phone=n)
        review = self.make_review(
            self.shop, buyer=buyer, text=f"加我微信{n}", followup_text=f"电话{n}"
        )
        planned = PlannedContact.objects.create(
            shop=self.shop, review=review, buyer=buyer, kind="first_call", channel="sms",
            due_at=review.reviewed_at, body=f"打 {n}",
        )  # fmt: skip
        message = Message.objects.create(
            shop=self.shop, review=review, buyer=buyer, planned_contact=planned, kind="apology",
            channel="sms", to=n, body=f"您留的号码 {n}", idempotency_key="k1",
            last_error=f"rejected {n}",
        )  # fmt: skip
        attempt = ContactAttempt.objects.create(
            review=review, buyer=buyer, agent=self.agent, channel="sms", outcome="agreed",
            note=f"换号了 {n}",
        )  # fmt: skip
        correction = Correction.objects.create(
            review=review, shop=self.shop, user=self.agent, text=f"加我微信{n}",
            cause="product", subcause="quality", severity="minor",
        )  # fmt: skip
        batch = ImportBatch.objects.create(shop=self.shop, source="file", platform="taobao")
        ImportRowError.objects.create(batch=batch, row=2, reason="bad", raw=f"差评,{n},北京")
        self.objects = {
            "reviews_buyer": buyer,
            "reviews_review": review,
            "reviews_correction": correction,
            "reviews_importbatch": batch,
            "outreach_plannedcontact": planned,
            "outreach_message": message,
            "outreach_contactattempt": attempt,
        }
        self.client.force_login(User.objects.create_superuser("root", password="x"))

    def test_it_never_shows_a_full_phone_number(self):
        for name, obj in self.objects.items():
            for url in (
                reverse(f"admin:{name}_changelist"),
                reverse(f"admin:{name}_change", args=[obj.pk]),
            ):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200, url)
                self.assertNotContains(response, self.NUMBER, msg_prefix=url)
        review = self.client.get(
            reverse("admin:reviews_review_change", args=[self.objects["reviews_review"].pk])
        )
        self.assertContains(review, "加我微信138****5678")

    def test_personal_data_and_outreach_rows_are_view_only(self):
        from reviews.models import AuditLog

        for name, obj in self.objects.items():
            if name == "reviews_importbatch":
                continue
            change = reverse(f"admin:{name}_change", args=[obj.pk])
            posted = self.client.post(change, {"nick": "x", "phone": "1", "text": "x"})
            self.assertEqual(posted.status_code, 403, name)
            delete = reverse(f"admin:{name}_delete", args=[obj.pk])
            self.assertEqual(self.client.post(delete, {"post": "yes"}).status_code, 403, name)
            self.assertTrue(type(obj).objects.filter(pk=obj.pk).exists(), name)
        buyer = self.objects["reviews_buyer"]
        buyer.refresh_from_db()
        self.assertEqual((buyer.nick, buyer.phone), ("小王", self.NUMBER))
        self.assertEqual(self.client.get(reverse("admin:reviews_buyer_add")).status_code, 403)
        self.assertFalse(AuditLog.objects.exists())  # nothing changed, so nothing to audit
