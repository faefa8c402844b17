"""The shop's working calendar in the planner and on the desk's pages.

What a shop expects: a review that arrives on a public holiday is called on the first working
minute after it, the review page says why it waits and until when, the adjusted working
Saturday (调休) is worked, the shop's own days off (entered in the admin) count at once, and an
agreed follow-up time stays exactly where the buyer put it, with a warning when nobody works
then. 2026 as published: National Day 1–7 October, worked on Saturday 10 October."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from outreach.models import Kind, LocalDay, PlannedContact, Playbook
from outreach.services import review_plan
from reviews.models import AuditLog

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class HolidayPlanningTestCase(BaseTestCase):
    def plan(self, **fields) -> list[PlannedContact]:
        fields.setdefault("assigned_to", self.agent)
        fields.setdefault("severity", "minor")
        fields.setdefault("reviewed_at", datetime.now(SH) - timedelta(minutes=5))
        self.review = self.make_review(self.shop, **fields)
        return review_plan(review=self.review)

    def first_call(self, plans) -> PlannedContact:
        return next(p for p in plans if p.kind == Kind.FIRST_CALL)

    def review_page(self):
        self.login(self.agent)
        return self.client.get(reverse("review_detail", args=[self.review.pk]))

    @time_machine.travel(at(2026, 10, 1, 10, 0), tick=False)
    def test_a_minor_review_arriving_on_national_day_waits_for_the_next_working_minute(self):
        call = self.first_call(self.plan())
        self.assertEqual(call.due_at, at(2026, 10, 8, 9, 0))
        self.assertEqual(call.data["waits"], "holiday")
        self.assertEqual(call.data["holiday"], "National Day")
        page = self.review_page()
        self.assertContains(page, 'data-waits="holiday"')
        self.assertContains(page, "国庆节假期，10月8日 09:00 起联系")

    @time_machine.travel(at(2026, 10, 1, 10, 0), tick=False)
    def test_the_agents_queue_says_why_the_call_waits_and_until_when(self):
        self.plan()
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        self.assertContains(response, "国庆节假期，10月8日 09:00 起联系")

    @time_machine.travel(at(2026, 9, 30, 23, 0), tick=False)
    def test_a_review_arriving_at_23_the_evening_before_the_holiday_waits_until_after_it(self):
        call = self.first_call(self.plan())
        self.assertEqual(call.due_at, at(2026, 10, 8, 9, 0))
        self.assertEqual(call.data["waits"], "holiday")  # not only "after hours"

    @time_machine.travel(at(2026, 9, 30, 20, 0), tick=False)
    def test_a_review_arriving_in_working_hours_before_the_holiday_is_called_at_once(self):
        call = self.first_call(self.plan())
        self.assertEqual(call.due_at, at(2026, 9, 30, 20, 0))
        self.assertNotIn("waits", call.data)
        self.assertNotContains(self.review_page(), "data-waits")

    @time_machine.travel(at(2026, 10, 1, 10, 0), tick=False)
    def test_a_shop_that_works_through_holidays_calls_on_national_day(self):
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(observes_public_holidays=False)
        self.assertEqual(self.first_call(self.plan()).due_at, at(2026, 10, 1, 10, 0))

    @time_machine.travel(at(2026, 10, 10, 10, 0), tick=False)
    def test_an_adjusted_working_saturday_is_worked_by_a_shop_that_does_not_work_weekends(self):
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(works_weekends=False)
        self.assertEqual(self.first_call(self.plan()).due_at, at(2026, 10, 10, 10, 0))
        # The next Saturday is an ordinary one: it waits for Monday.
        with time_machine.travel(at(2026, 10, 17, 10, 0), tick=False):
            call = self.first_call(self.plan())
        self.assertEqual(call.due_at, at(2026, 10, 19, 9, 0))
        self.assertEqual(call.data["waits"], "weekend")

    @time_machine.travel(at(2026, 11, 12, 10, 0), tick=False)
    def test_a_shops_local_day_off_moves_the_call_to_its_next_working_day(self):
        LocalDay.objects.create(shop=self.shop, day=date(2026, 11, 12), note="双十一后盘点")
        call = self.first_call(self.plan())
        self.assertEqual(call.due_at, at(2026, 11, 13, 9, 0))
        self.assertContains(self.review_page(), "本店休息日，11月13日 09:00 起联系")
        # Another shop's day off is not this shop's.
        LocalDay.objects.create(shop=self.other_shop, day=date(2026, 11, 13))
        with time_machine.travel(at(2026, 11, 13, 10, 0), tick=False):
            self.assertEqual(self.first_call(self.plan()).due_at, at(2026, 11, 13, 10, 0))

    @time_machine.travel(at(2026, 11, 11, 10, 0), tick=False)
    def test_a_shops_extra_working_day_beats_the_weekend_rule(self):
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(works_weekends=False)
        LocalDay.objects.create(shop=self.shop, day=date(2026, 11, 14), working=True)
        with time_machine.travel(at(2026, 11, 14, 11, 0), tick=False):
            self.assertEqual(self.first_call(self.plan()).due_at, at(2026, 11, 14, 11, 0))

    @time_machine.travel(at(2026, 9, 29, 23, 0), tick=False)
    def test_a_severity_correction_moves_the_call_and_says_the_new_reason(self):
        call = self.first_call(self.plan())
        self.assertEqual((call.due_at, call.data["waits"]), (at(2026, 9, 30, 9, 0), "after_hours"))
        self.login(self.agent)
        response = self.client.post(
            reverse("review_correct", args=[self.review.pk]),
            {"subcause": "quality", "severity": "serious"},
            headers={"HX-Request": "true"},
        )
        self.assertEqual(response.status_code, 200)
        call.refresh_from_db()
        # Cooled off until 23:00 on 30 September, the eve of National Day: after the holiday.
        self.assertEqual((call.due_at, call.data["waits"]), (at(2026, 10, 8, 9, 0), "holiday"))

    @time_machine.travel(at(2026, 9, 30, 20, 0), tick=False)
    def test_a_persistence_call_after_no_answer_skips_the_holiday(self):
        Playbook.objects.for_shop(self.shop)
        Playbook.objects.filter(shop=self.shop).update(
            persistence_schedule=[{"after_hours": 3, "channel": "phone"}]
        )
        self.plan()
        self.login(self.agent)
        data = {"version": self.review.version, "channel": "phone", "outcome": "no_answer"}
        response = self.client.post(
            reverse("review_contact", args=[self.review.pk]), data, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        retry = PlannedContact.objects.get(review=self.review, kind=Kind.PERSISTENCE)
        self.assertEqual(retry.due_at, at(2026, 10, 8, 9, 0))
        self.assertEqual(retry.data["waits"], "holiday")

    @time_machine.travel(at(2026, 10, 1, 10, 0), tick=False)
    def test_a_care_call_for_a_delivery_on_a_holiday_comes_on_the_next_working_day(self):
        plans = self.plan(amount=Decimal("5000"), delivered_at=at(2026, 10, 1, 9, 0))
        care = next(p for p in plans if p.kind == Kind.CARE_CALL)
        self.assertEqual(care.due_at, at(2026, 10, 8, 18, 0))
        self.assertEqual(care.deadline_at, at(2026, 10, 8, 19, 0))
        self.assertEqual(care.data["waits"], "holiday")
        # Delivered on a working day: the care call waits for its evening window, no reason.
        with time_machine.travel(at(2026, 10, 9, 10, 0), tick=False):
            plans = self.plan(amount=Decimal("5000"), delivered_at=at(2026, 10, 9, 9, 0))
        care = next(p for p in plans if p.kind == Kind.CARE_CALL)
        self.assertEqual(care.due_at, at(2026, 10, 9, 18, 0))
        self.assertNotIn("waits", care.data)

    @time_machine.travel(at(2026, 9, 24, 10, 0), tick=False)
    def test_the_reply_task_falls_due_after_the_holiday_unless_the_deadline_is_sooner(self):
        # Reviewed 30 Sept: Taobao's reply closes 30 days later, the task 5 days before that.
        plans = self.plan(reviewed_at=at(2026, 9, 6, 10, 0))  # deadline 6 Oct, task 1 Oct
        reply = next(p for p in plans if p.kind == Kind.REPLY_TASK)
        # 8 October would be past the deadline: the task stays where it was asked for.
        self.assertEqual(reply.due_at, at(2026, 10, 1, 10, 0))
        plans = self.plan(reviewed_at=at(2026, 9, 3, 8, 0))  # deadline 3 Oct 08:00
        reply = next(p for p in plans if p.kind == Kind.REPLY_TASK)
        self.assertEqual(reply.due_at, at(2026, 9, 28, 9, 0))  # 08:00 is before hours
        self.assertEqual(reply.data["waits"], "after_hours")


class LocalDaysAdminTestCase(BaseTestCase):
    @time_machine.travel(at(2026, 11, 12, 10, 0), tick=False)
    def test_a_day_off_entered_in_the_admin_takes_effect_and_is_audited(self):
        admin = User.objects.create_superuser("root", password="x")
        self.client.force_login(admin)
        url = reverse("admin:outreach_localday_add")
        response = self.client.post(
            url, {"shop": self.shop.pk, "day": "2026-11-12", "note": "仓库盘点"}, follow=True
        )
        self.assertEqual(response.status_code, 200)
        day = LocalDay.objects.get(shop=self.shop)
        self.assertEqual((day.day, day.working), (date(2026, 11, 12), False))
        line = AuditLog.objects.get(action="settings_added")
        self.assertEqual((line.shop, line.target), (self.shop, f"localday:{day.pk}"))

        review = self.make_review(self.shop, severity="minor", reviewed_at=datetime.now(SH))
        call = next(p for p in review_plan(review=review) if p.kind == Kind.FIRST_CALL)
        self.assertEqual(call.due_at, at(2026, 11, 13, 9, 0))

        # The same day twice for a shop is refused, not stored.
        response = self.client.post(url, {"shop": self.shop.pk, "day": "2026-11-12"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(LocalDay.objects.count(), 1)


class PlaybookCalendarTestCase(BaseTestCase):
    URL = reverse("playbook") + "?shop=alpha"

    @time_machine.travel(at(2026, 9, 25, 10, 0), tick=False)
    def test_the_lead_sees_the_coming_days_off_and_sets_the_working_days(self):
        LocalDay.objects.create(shop=self.shop, day=date(2026, 10, 12), note="仓库盘点")
        self.login(self.lead)
        page = self.client.get(self.URL)
        self.assertContains(page, 'id="working-calendar"')
        self.assertContains(page, "国庆节假期")
        self.assertContains(page, "仓库盘点")
        self.assertContains(page, "周末也上班")
        self.assertNotContains(page, "尚未公布")  # 2026 is known

        form = page.context["form"]
        data = {"shop": "alpha"}
        for field in form:
            value = field.value()
            data[field.html_name] = "" if value is None else value
            if hasattr(value, "strftime"):
                data[field.html_name] = value.strftime("%H:%M")
        data.pop("works_weekends")  # unticked
        response = self.client.post(self.URL, data)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Playbook.objects.get(shop=self.shop).works_weekends)
        self.assertEqual(
            AuditLog.objects.get(action="settings_changed").data["changes"], ["works_weekends"]
        )
        # Now the 调休 Saturday is listed as worked.
        self.assertContains(self.client.get(self.URL), "调休上班")

    @time_machine.travel(at(2026, 12, 4, 10, 0), tick=False)
    def test_it_warns_when_next_years_national_calendar_is_not_known(self):
        self.login(self.lead)
        self.assertContains(self.client.get(self.URL), "2027")


@time_machine.travel(at(2026, 9, 29, 10, 0), tick=False)
class AgreedTimeOnAHolidayTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=at(2026, 9, 29, 8, 0)
        )
        self.login(self.agent)

    def test_the_preview_warns_that_nobody_works_then(self):
        url = reverse("review_agreed_preview", args=[self.review.pk])
        response = self.client.get(url, {"agreed_at": "10月2日 15:00"}, headers=HTMX)
        self.assertContains(response, "off-duty")
        self.assertContains(response, "国庆节假期")
        response = self.client.get(url, {"agreed_at": "明天 15:00"}, headers=HTMX)
        self.assertNotContains(response, "off-duty")

    def test_the_agreed_time_is_kept_exactly_and_the_save_warns(self):
        data = {
            "version": self.review.version,
            "channel": "phone",
            "outcome": "agreed",
            "agreed_at": "10月2日 15:00",
        }
        response = self.client.post(
            reverse("review_contact", args=[self.review.pk]), data, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        followup = PlannedContact.objects.get(review=self.review, kind=Kind.REVISE_FOLLOWUP)
        self.assertEqual(followup.due_at, at(2026, 10, 2, 15, 0))  # the buyer's minute
        self.assertContains(response, "msg-warning off-duty")
        self.assertContains(response, "国庆节假期")
