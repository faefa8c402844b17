"""The care call of a high-value order (seed 004 四②): planned from the order export for
18:00–19:00 of the delivery day in the shop's zone, before any review; shown in the queue,
logged on the order's page, and shown on the page of a review that arrives later."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from outreach.models import CareCall, Kind, PlannedContact, Playbook
from outreach.services import review_plan
from reviews.models import AuditLog, Buyer, Order

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HEADER = "订单编号,买家会员名,联系手机,买家实际支付金额,订单状态,确认收货时间\n"


def at(*args, tz=SH) -> datetime:
    return datetime(*args, tzinfo=tz)


@override_settings(LANGUAGE_CODE="en")
class CareCallTestCase(BaseTestCase):
    def import_orders(self, rows: str, shop=None):
        self.login(self.lead)
        page = self.client.post(
            reverse("order_import"),
            {
                "shop": (shop or self.shop).pk,
                "file": SimpleUploadedFile("o.csv", (HEADER + rows).encode()),
            },
        )
        self.assertEqual(page.status_code, 200, page.content[:500])
        return page

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_a_high_value_order_delivered_today_gets_a_call_in_the_evening(self):
        page = self.import_orders("1,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
        self.assertContains(page, "1 care call planned.")
        call = CareCall.objects.get(order__order_id="1")
        self.assertEqual(call.due_at, at(2026, 11, 25, 18, 0))
        self.assertEqual(call.deadline_at, at(2026, 11, 25, 19, 0))
        self.assertEqual(call.shop, self.shop)
        self.assertFalse(PlannedContact.objects.exists())  # no review, no review outreach

    @time_machine.travel(at(2026, 10, 1, 10, 0), tick=False)
    def test_delivered_on_a_holiday_the_call_is_in_the_next_working_days_window(self):
        # National Day 2026 (1–7 October): a shop closed on public holidays calls on the 8th.
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(observes_public_holidays=True)
        self.import_orders("3,甲,13800001111,899,交易成功,2026-10-01 09:30\n")
        call = CareCall.objects.get()
        self.assertEqual(call.due_at, at(2026, 10, 8, 18, 0))
        self.assertEqual(call.deadline_at, at(2026, 10, 8, 19, 0))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_the_window_is_the_shops_evening_in_its_own_zone(self):
        self.shop.timezone = "Europe/Berlin"
        self.shop.save(update_fields=["timezone"])
        berlin = ZoneInfo("Europe/Berlin")
        self.import_orders("2,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
        call = CareCall.objects.get()
        self.assertEqual(call.due_at, at(2026, 11, 25, 18, 0, tz=berlin))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_no_call_for_low_value_closed_undelivered_or_past_orders(self):
        self.import_orders(
            "3,低价,13800001111,500,交易成功,2026-11-25 09:00\n"  # not above the threshold
            "4,关闭,13800001111,900,交易关闭,2026-11-25 09:00\n"
            "5,未签收,13800001111,900,卖家已发货,\n"
            "6,昨天,13800001111,900,交易成功,2026-11-24 09:00\n"
            "7,无电话,,900,交易成功,2026-11-25 09:00\n"
        )
        self.assertEqual(Order.objects.count(), 5)
        self.assertFalse(CareCall.objects.exists())

    @time_machine.travel(at(2026, 11, 25, 18, 40), tick=False)
    def test_a_delivery_imported_inside_the_window_is_due_at_once(self):
        self.import_orders("8,甲,13800001111,899,交易成功,2026-11-25 18:10\n")
        self.assertEqual(CareCall.objects.get().due_at, at(2026, 11, 25, 18, 40))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_it_is_planned_once_however_often_the_order_is_imported(self):
        rows = "9,甲,13800001111,899,交易成功,2026-11-25 09:30\n"
        self.import_orders(rows)
        page = self.import_orders(rows)
        self.assertNotContains(page, "care call planned")
        self.assertEqual(CareCall.objects.count(), 1)

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_an_order_closed_by_a_later_export_loses_its_open_call(self):
        self.import_orders("16,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
        self.assertTrue(CareCall.objects.exists())
        self.import_orders("16,甲,13800001111,899,交易关闭,2026-11-25 09:30\n")
        self.assertFalse(CareCall.objects.exists())

    def test_it_shows_in_the_queue_from_six_and_is_logged_on_the_order_page(self):
        with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
            self.import_orders("10,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
            self.login(self.agent)
            self.assertNotContains(self.client.get(reverse("queue")), 'id="care-calls"')
        order = Order.objects.get(order_id="10")
        with time_machine.travel(at(2026, 11, 25, 18, 5), tick=False):
            queue = self.client.get(reverse("queue"))
            self.assertContains(queue, reverse("order_detail", args=[order.pk]))
            self.login(self.outsider)
            self.assertNotContains(self.client.get(reverse("queue")), 'id="care-calls"')
            self.login(self.agent)
            page = self.client.get(reverse("order_detail", args=[order.pk]))
            self.assertContains(page, "138****1111")
            self.assertNotContains(page, "13800001111")
            url = reverse("order_care_call_log", args=[order.pk])
            self.assertEqual(self.client.post(url, {"outcome": "maybe"}).status_code, 400)
            response = self.client.post(url, {"outcome": "all_well", "note": "收到了，很满意"})
            self.assertRedirects(response, reverse("order_detail", args=[order.pk]))
            call = CareCall.objects.get()
            self.assertEqual((call.outcome, call.logged_by), ("all_well", self.agent))
            self.assertEqual(call.logged_at, at(2026, 11, 25, 18, 5))
            self.assertNotContains(self.client.get(reverse("queue")), 'id="care-calls"')
            self.login(self.lead)
            self.client.post(url, {"outcome": "problem"})
            call.refresh_from_db()
            self.assertEqual(call.outcome, "all_well")  # the first log stands

    @time_machine.travel(at(2026, 11, 25, 20, 0), tick=False)
    def test_a_missed_call_stays_in_the_queue_and_says_so(self):
        buyer = Buyer.objects.create(shop=self.shop, nick="甲", phone="13800001111")
        order = Order.objects.create(shop=self.shop, order_id="11", buyer=buyer, amount=900)
        CareCall.objects.create(
            shop=self.shop,
            order=order,
            due_at=at(2026, 11, 25, 18, 0),
            deadline_at=at(2026, 11, 25, 19, 0),
        )
        self.login(self.agent)
        self.assertContains(self.client.get(reverse("queue")), 'id="care-calls"')
        page = self.client.get(reverse("order_detail", args=[order.pk]))
        self.assertContains(page, "The window has passed")

    def test_only_the_shops_agents_and_leads_see_an_order(self):
        buyer = Buyer.objects.create(shop=self.shop, nick="甲", phone="13800001111")
        order = Order.objects.create(shop=self.shop, order_id="12", buyer=buyer, amount=900)
        url = reverse("order_detail", args=[order.pk])
        log = reverse("order_care_call_log", args=[order.pk])
        for user, status in ((self.agent, 200), (self.lead, 200), (self.outsider, 404)):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, status, user)
        self.login(self.manager)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.outsider)
        self.assertEqual(self.client.post(log, {"outcome": "all_well"}).status_code, 404)
        self.login(self.agent)
        self.assertEqual(self.client.post(url).status_code, 405)
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 302)

    def test_a_review_arriving_later_links_to_the_order_and_its_call(self):
        with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
            self.import_orders("13,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
        with time_machine.travel(at(2026, 11, 25, 18, 10), tick=False):
            order = Order.objects.get(order_id="13")
            self.login(self.agent)
            self.client.post(
                reverse("order_care_call_log", args=[order.pk]),
                {"outcome": "problem", "note": "尺码偏小"},
            )
        with time_machine.travel(at(2026, 11, 25, 18, 30), tick=False):
            # The review comes the same evening, with the amount and the delivery time: the
            # order's call already happened, so the review plans none of its own.
            review = self.make_review(
                self.shop,
                buyer=order.buyer,
                order_id="13",
                amount=Decimal("899"),
                delivered_at=at(2026, 11, 25, 9, 30),
                reviewed_at=at(2026, 11, 25, 18, 20),
                assigned_to=self.agent,
            )
            plans = review_plan(review=review)
            self.assertNotIn(Kind.CARE_CALL, [p.kind for p in plans])
            page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(page, reverse("order_detail", args=[order.pk]))
        self.assertContains(page, "Reached, has a problem")
        self.assertContains(page, "尺码偏小")
        self.assertContains(page, "¥899.00")
        order_page = self.client.get(reverse("order_detail", args=[order.pk]))
        self.assertContains(order_page, reverse("review_detail", args=[review.pk]))

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_a_review_without_an_imported_order_still_gets_its_own_care_call(self):
        review = self.make_review(
            self.shop,
            amount=Decimal("899"),
            delivered_at=at(2026, 11, 25, 9, 0),
            reviewed_at=at(2026, 11, 25, 9, 50),
            assigned_to=self.agent,
        )
        plans = review_plan(review=review)
        self.assertIn(Kind.CARE_CALL, [p.kind for p in plans])
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertNotContains(page, 'id="order"')

    @time_machine.travel(at(2026, 11, 25, 10, 0), tick=False)
    def test_a_buyer_who_asked_not_to_be_contacted_drops_out_of_the_queue(self):
        self.import_orders("14,甲,13800001111,899,交易成功,2026-11-25 09:30\n")
        Buyer.objects.filter(nick="甲").update(do_not_contact_at=at(2026, 11, 25, 11, 0))
        with time_machine.travel(at(2026, 11, 25, 18, 5) + timedelta(0), tick=False):
            self.login(self.agent)
            self.assertNotContains(self.client.get(reverse("queue")), 'id="care-calls"')

    def test_the_agent_reveals_the_number_to_call_and_the_reveal_is_logged(self):
        buyer = Buyer.objects.create(shop=self.shop, nick="甲", phone="13800001111")
        order = Order.objects.create(shop=self.shop, order_id="15", buyer=buyer, amount=900)
        url = reverse("order_phone", args=[order.pk])
        self.login(self.outsider)
        self.assertEqual(self.client.post(url).status_code, 404)
        self.assertFalse(AuditLog.objects.filter(action="phone_revealed").exists())
        self.login(self.agent)
        self.assertEqual(self.client.get(url).status_code, 405)
        page = self.client.post(url, HTTP_HX_REQUEST="true")
        self.assertContains(page, 'href="tel:13800001111"')
        self.assertNotContains(page, "<html")
        line = AuditLog.objects.get(action="phone_revealed")
        self.assertEqual(
            (line.actor, line.shop, line.target), (self.agent, self.shop, f"buyer:{buyer.pk}")
        )
        self.assertEqual(line.data["order"], order.pk)
