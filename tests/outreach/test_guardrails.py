from datetime import datetime, time
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from outreach import guardrails
from outreach.guardrails import GuardrailError
from outreach.models import Channel, ContactAttempt, Outcome, Playbook
from outreach.wording import compliance_problem, mentions_review
from outreach.workcalendar import ShopCalendar
from reviews.models import Buyer

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
LONDON = ZoneInfo("Europe/London")
PLAYBOOK = SimpleNamespace(
    quiet_start=time(21, 30), quiet_end=time(9, 0), work_start=time(9, 0), work_end=time(21, 30)
)
CALENDAR = ShopCalendar(tz=SH)  # the playbook's default working days


class QuietHoursTestCase(SimpleTestCase):
    def test_it_is_quiet_from_2130_to_0900_in_the_buyers_time_zone(self):
        for hour, minute, quiet in [
            (21, 29, False),
            (21, 30, True),
            (3, 0, True),
            (8, 59, True),
            (9, 0, False),
            (14, 0, False),
        ]:
            moment = datetime(2026, 11, 25, hour, minute, tzinfo=SH)
            self.assertEqual(guardrails.is_quiet(moment, playbook=PLAYBOOK, buyer_tz=SH), quiet)

    def test_it_uses_the_buyers_time_zone_not_the_shops(self):
        # 14:00 in Shanghai is 06:00 in London: quiet for a buyer there.
        moment = datetime(2026, 11, 25, 14, 0, tzinfo=SH)
        self.assertTrue(guardrails.is_quiet(moment, playbook=PLAYBOOK, buyer_tz=LONDON))

    def test_it_moves_to_the_next_allowed_minute(self):
        moment = datetime(2026, 11, 25, 23, 10, tzinfo=SH)
        result = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=SH, shop_tz=SH, call=True, calendar=CALENDAR
        )
        self.assertEqual(result, datetime(2026, 11, 26, 9, 0, tzinfo=SH))

    def test_a_call_waits_for_the_shops_next_working_day(self):
        # 23:10 on 30 September 2026: quiet hours, then the National Day holiday (1–7 Oct).
        moment = datetime(2026, 9, 30, 23, 10, tzinfo=SH)
        result = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=SH, shop_tz=SH, call=True, calendar=CALENDAR
        )
        self.assertEqual(result, datetime(2026, 10, 8, 9, 0, tzinfo=SH))
        message = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=SH, shop_tz=SH, call=False
        )
        self.assertEqual(message, datetime(2026, 10, 1, 9, 0, tzinfo=SH))  # only quiet hours

    def test_it_keeps_an_allowed_minute(self):
        moment = datetime(2026, 11, 25, 11, 10, tzinfo=SH)
        result = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=SH, shop_tz=SH, call=True, calendar=CALENDAR
        )
        self.assertEqual(result, moment)


class ComplianceTestCase(SimpleTestCase):
    def test_it_refuses_trading_compensation_for_a_review(self):
        for text in [
            "好评返现5元",
            "亲，改好评就退款哦",
            "删差评给红包",
            "追加好评返红包",
            "麻烦修改一下评价，修改后返您10元",
            "修改评价后返现",
            "给个五星好评，送您优惠券",
            "您把差评删了，我们补偿您20块",
            "好 评 返 现",
            "晒图返2元",
        ]:
            self.assertIsNotNone(compliance_problem(text), text)

    def test_it_gives_a_reason(self):
        reason = compliance_problem("改好评就退款")
        self.assertIn("好评", reason)
        self.assertIn("退款", reason)

    def test_it_allows_solving_the_problem_and_asking_for_revision_separately(self):
        for text in [
            "您好，给您补发的配件已经寄出，单号稍后发您。",
            "修改评价的步骤：1. 打开我的订单；2. 点击评价管理；3. 修改评价。",
            "下次购物我们为您包邮，或送您一份小礼品，略表歉意。",
            "本店上新啦，老顾客专享优惠和小礼品，欢迎回来看看",
        ]:
            self.assertIsNone(compliance_problem(text), text)

    def test_it_accepts_the_default_templates(self):
        from outreach.wording import DEFAULT_TEMPLATES

        for name, text in DEFAULT_TEMPLATES.items():
            self.assertIsNone(compliance_problem(text), name)

    def test_it_notices_a_mention_of_the_review(self):
        self.assertTrue(mentions_review("关于您的差评"))
        self.assertFalse(mentions_review("本店上新啦"))


class CapsAndContactTestCase(BaseTestCase):
    def setUp(self):
        self.playbook = Playbook.objects.for_shop(self.shop)
        self.review = self.make_review(self.shop)
        self.buyer = self.review.buyer

    def test_it_refuses_a_buyer_who_asked_not_to_be_contacted(self):
        guardrails.check_contactable(self.buyer)
        self.buyer.do_not_contact_at = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
        with self.assertRaises(GuardrailError) as ctx:
            guardrails.check_contactable(self.buyer)
        self.assertEqual(ctx.exception.code, "do_not_contact")

    def test_it_refuses_playbook_templates_that_trade_for_a_review(self):
        from django.core.exceptions import ValidationError

        self.playbook.templates = {"reminder": "亲，改好评就退款"}
        with self.assertRaises(ValidationError):
            self.playbook.clean()


LA = ZoneInfo("America/Los_Angeles")  # an eBay buyer's zone: clocks change twice a year
UTC = ZoneInfo("UTC")


class DaylightSavingTestCase(BaseTestCase):
    """Quiet hours and the per-day caps where a day has 23 or 25 hours. Python compares and
    subtracts datetimes of one zone by their wall clock: these pin down that the guardrails'
    answers are the right instants, not only the right clock faces."""

    def setUp(self):
        self.playbook = Playbook.objects.for_shop(self.shop)
        self.review = self.make_review(self.shop)
        self.buyer = self.review.buyer
        Buyer.objects.filter(id=self.buyer.id).update(timezone="America/Los_Angeles")
        self.buyer.refresh_from_db()

    def test_the_night_clocks_spring_forward_ends_at_nine_local_time(self):
        # 2026-03-08 02:00 PST becomes 03:00 PDT: 09:00 that morning is 16:00 UTC, not 17:00.
        moment = datetime(2026, 3, 7, 23, 10, tzinfo=LA)
        result = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=LA, shop_tz=LA, call=False
        )
        self.assertEqual(result.astimezone(UTC), datetime(2026, 3, 8, 16, 0, tzinfo=UTC))

    def test_the_night_clocks_fall_back_ends_at_nine_local_time(self):
        # 2026-11-01 02:00 PDT becomes 01:00 PST: 09:00 that morning is 17:00 UTC.
        moment = datetime(2026, 10, 31, 23, 10, tzinfo=LA)
        result = guardrails.next_allowed(
            moment, playbook=PLAYBOOK, buyer_tz=LA, shop_tz=LA, call=False
        )
        self.assertEqual(result.astimezone(UTC), datetime(2026, 11, 1, 17, 0, tzinfo=UTC))

    def call_at(self, moment: datetime) -> None:
        attempt = ContactAttempt.objects.create(
            review=self.review,
            buyer=self.buyer,
            agent=self.agent,
            channel=Channel.PHONE,
            outcome=Outcome.NO_ANSWER,
        )
        ContactAttempt.objects.filter(id=attempt.id).update(created_at=moment)

    def test_a_23_hour_day_counts_its_calls_from_midnight_to_midnight(self):
        # 2026-03-08 in Los Angeles runs from 08:00 UTC to 07:00 UTC the next day.
        self.call_at(datetime(2026, 3, 8, 8, 30, tzinfo=UTC))  # 00:30 PST: that day
        self.call_at(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # 23:30 PDT: that day
        self.call_at(datetime(2026, 3, 9, 7, 10, tzinfo=UTC))  # 00:10 PDT: the next day
        self.call_at(datetime(2026, 3, 8, 7, 50, tzinfo=UTC))  # 23:50 PST: the day before
        noon = datetime(2026, 3, 8, 12, 0, tzinfo=LA)
        self.assertEqual(guardrails.contacts_on_day(self.buyer, noon, call=True), 2)
        self.assertEqual(
            guardrails.contacts_on_day(self.buyer, datetime(2026, 3, 9, 12, tzinfo=LA), call=True),
            1,
        )

    def test_a_25_hour_day_counts_its_last_hour_and_a_full_day_moves_the_call_to_the_next(self):
        # 2026-11-01 in Los Angeles runs from 07:00 UTC to 08:00 UTC the next day.
        self.call_at(datetime(2026, 11, 1, 7, 30, tzinfo=UTC))  # 00:30 PDT
        self.call_at(datetime(2026, 11, 2, 7, 30, tzinfo=UTC))  # 23:30 PST: still that day
        noon = datetime(2026, 11, 1, 12, 0, tzinfo=LA)
        self.assertEqual(guardrails.contacts_on_day(self.buyer, noon, call=True), 2)
        # The cap (two calls a day) is used up: the next call goes to 2 November, once the
        # buyer's night is over (09:00 PST = 17:00 UTC) *and* the shop's agents in Shanghai are
        # at work (09:00 CST = 01:00 UTC): 17:00 PST that day.
        result = guardrails.fit_caps_and_hours(
            noon, buyer=self.buyer, playbook=self.playbook, call=True
        )
        self.assertEqual(result.astimezone(UTC), datetime(2026, 11, 3, 1, 0, tzinfo=UTC))
        self.assertEqual(result.astimezone(LA).hour, 17)
