"""The working calendar as a table: what a shop lead would answer for each day and minute.

2026 as the State Council published it (and `chinesecalendar` 1.11.0 carries it): National Day
1–7 October, worked on Sunday 20 September and Saturday 10 October; Labour Day 1–5 May,
worked on Saturday 9 May."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase
from django.utils import translation

from outreach import workcalendar
from outreach.workcalendar import (
    AFTER_HOURS,
    HOLIDAY,
    SHOP_DAY_OFF,
    WEEKEND,
    ShopCalendar,
    is_working_day,
    next_working_minute,
    why_waiting,
)

SH = ZoneInfo("Asia/Shanghai")
SEVEN_DAYS = ShopCalendar(tz=SH)  # the default: works weekends, observes public holidays
WEEKDAYS = ShopCalendar(tz=SH, works_weekends=False)
NO_HOLIDAYS = ShopCalendar(tz=SH, observes_public_holidays=False)
NO_HOLIDAYS_WEEKDAYS = ShopCalendar(tz=SH, works_weekends=False, observes_public_holidays=False)
# A warehouse closed the day after 双十一, and open on a Sunday for a stock-take.
LOCAL = ShopCalendar(
    tz=SH, works_weekends=False, local_days={date(2026, 11, 12): False, date(2026, 11, 15): True}
)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class WorkingDayTableTestCase(SimpleTestCase):
    def test_it_knows_which_days_are_worked(self):
        table = [
            # (calendar, day, working, why)
            (SEVEN_DAYS, date(2026, 11, 25), True, ""),  # a Wednesday
            (SEVEN_DAYS, date(2026, 11, 28), True, ""),  # a Saturday: e-commerce works it
            (WEEKDAYS, date(2026, 11, 28), False, WEEKEND),
            (WEEKDAYS, date(2026, 11, 29), False, WEEKEND),  # Sunday
            (SEVEN_DAYS, date(2026, 10, 1), False, HOLIDAY),  # National Day
            (SEVEN_DAYS, date(2026, 10, 3), False, HOLIDAY),  # a Saturday inside the holiday
            (SEVEN_DAYS, date(2026, 10, 7), False, HOLIDAY),
            (SEVEN_DAYS, date(2026, 10, 8), True, ""),  # back to work
            (WEEKDAYS, date(2026, 10, 10), True, ""),  # 调休: Saturday worked for National Day
            (WEEKDAYS, date(2026, 9, 20), True, ""),  # 调休: Sunday worked for National Day
            (WEEKDAYS, date(2026, 5, 9), True, ""),  # 调休 for Labour Day
            (WEEKDAYS, date(2026, 10, 11), False, WEEKEND),  # the Sunday after it is not
            (NO_HOLIDAYS, date(2026, 10, 1), True, ""),  # a desk that works through holidays
            (NO_HOLIDAYS_WEEKDAYS, date(2026, 10, 10), False, WEEKEND),  # owes no make-up day
            (NO_HOLIDAYS_WEEKDAYS, date(2026, 10, 2), True, ""),  # a Friday, worked
            (LOCAL, date(2026, 11, 12), False, SHOP_DAY_OFF),  # the shop's own day off
            (LOCAL, date(2026, 11, 13), True, ""),
            (LOCAL, date(2026, 11, 15), True, ""),  # the shop's extra Sunday
            (LOCAL, date(2026, 11, 14), False, WEEKEND),
            # The shop's own table beats the national one, both ways.
            (
                ShopCalendar(tz=SH, local_days={date(2026, 10, 2): True}),
                date(2026, 10, 2),
                True,
                "",
            ),
            (
                ShopCalendar(tz=SH, works_weekends=False, local_days={date(2026, 10, 10): False}),
                date(2026, 10, 10),
                False,
                SHOP_DAY_OFF,
            ),
            # A year the package does not know: no public holiday, weekends by the shop's rule.
            (SEVEN_DAYS, date(2027, 10, 1), True, ""),
            (WEEKDAYS, date(2027, 10, 2), False, WEEKEND),
            (
                ShopCalendar(tz=SH, local_days={date(2027, 10, 1): False}),
                date(2027, 10, 1),
                False,
                SHOP_DAY_OFF,
            ),
        ]
        for cal, on, working, why in table:
            with self.subTest(on=on, cal=cal):
                info = workcalendar.day(cal, on)
                self.assertEqual(info.working, working)
                self.assertEqual(info.why, why)
                self.assertEqual(is_working_day(cal, on), working)

    def test_it_names_the_holiday_and_marks_adjusted_days(self):
        self.assertEqual(workcalendar.day(SEVEN_DAYS, date(2026, 10, 1)).holiday, "National Day")
        adjusted = workcalendar.day(WEEKDAYS, date(2026, 10, 10))
        self.assertTrue(adjusted.adjusted)
        self.assertEqual(adjusted.holiday, "National Day")

    def test_it_says_which_years_the_national_calendar_knows(self):
        self.assertTrue(workcalendar.national_calendar_known(2026))
        self.assertFalse(workcalendar.national_calendar_known(2027))


class NextWorkingMinuteTableTestCase(SimpleTestCase):
    def test_it_finds_the_next_working_minute(self):
        table = [
            # (calendar, after, expected)
            (SEVEN_DAYS, at(2026, 11, 25, 10, 0), at(2026, 11, 25, 10, 0)),  # already one
            (SEVEN_DAYS, at(2026, 11, 25, 7, 30), at(2026, 11, 25, 9, 0)),  # before hours
            (SEVEN_DAYS, at(2026, 11, 25, 21, 30), at(2026, 11, 26, 9, 0)),  # the end is out
            (SEVEN_DAYS, at(2026, 11, 25, 21, 29), at(2026, 11, 25, 21, 29)),
            (SEVEN_DAYS, at(2026, 10, 1, 10, 0), at(2026, 10, 8, 9, 0)),  # National Day
            (SEVEN_DAYS, at(2026, 9, 30, 23, 0), at(2026, 10, 8, 9, 0)),  # the evening before
            (SEVEN_DAYS, at(2026, 9, 30, 20, 0), at(2026, 9, 30, 20, 0)),  # still on that day
            (WEEKDAYS, at(2026, 10, 9, 22, 0), at(2026, 10, 10, 9, 0)),  # to the 调休 Saturday
            (WEEKDAYS, at(2026, 11, 27, 22, 0), at(2026, 11, 30, 9, 0)),  # Friday → Monday
            (SEVEN_DAYS, at(2026, 11, 27, 22, 0), at(2026, 11, 28, 9, 0)),  # Friday → Saturday
            (LOCAL, at(2026, 11, 11, 23, 0), at(2026, 11, 13, 9, 0)),  # over the day off
            (LOCAL, at(2026, 11, 14, 12, 0), at(2026, 11, 15, 9, 0)),  # to the extra Sunday
            (NO_HOLIDAYS, at(2026, 10, 1, 10, 0), at(2026, 10, 1, 10, 0)),
            # In UTC in, in the shop's zone out: 02:00 UTC on 1 October is 10:00 in Shanghai.
            (
                SEVEN_DAYS,
                datetime(2026, 10, 1, 2, 0, tzinfo=ZoneInfo("UTC")),
                at(2026, 10, 8, 9, 0),
            ),
            (
                ShopCalendar(tz=SH, work_start=time(8, 0), work_end=time(18, 0)),
                at(2026, 11, 25, 18, 0),
                at(2026, 11, 26, 8, 0),
            ),
        ]
        for cal, after, expected in table:
            with self.subTest(after=after):
                self.assertEqual(next_working_minute(cal, after), expected)

    def test_a_calendar_with_no_working_day_gives_up_instead_of_looping(self):
        closed = ShopCalendar(
            tz=SH,
            observes_public_holidays=False,
            local_days={date(2026, 1, 1) + timedelta(days=n): False for n in range(500)},
        )
        self.assertEqual(next_working_minute(closed, at(2026, 1, 1, 10, 0)), at(2026, 1, 1, 10, 0))


class WhyWaitingTableTestCase(SimpleTestCase):
    def test_it_says_why_a_minute_waits_and_until_when(self):
        table = [
            (SEVEN_DAYS, at(2026, 11, 25, 10, 0), None, None),
            (SEVEN_DAYS, at(2026, 11, 25, 7, 0), AFTER_HOURS, at(2026, 11, 25, 9, 0)),
            (SEVEN_DAYS, at(2026, 11, 25, 22, 0), AFTER_HOURS, at(2026, 11, 26, 9, 0)),
            (SEVEN_DAYS, at(2026, 10, 1, 10, 0), HOLIDAY, at(2026, 10, 8, 9, 0)),
            # The evening before the holiday waits for the holiday, not only for the night.
            (SEVEN_DAYS, at(2026, 9, 30, 23, 0), HOLIDAY, at(2026, 10, 8, 9, 0)),
            (WEEKDAYS, at(2026, 11, 27, 22, 0), WEEKEND, at(2026, 11, 30, 9, 0)),
            (WEEKDAYS, at(2026, 11, 28, 10, 0), WEEKEND, at(2026, 11, 30, 9, 0)),
            (LOCAL, at(2026, 11, 12, 10, 0), SHOP_DAY_OFF, at(2026, 11, 13, 9, 0)),
        ]
        for cal, moment, why, until in table:
            with self.subTest(moment=moment):
                wait = why_waiting(cal, moment)
                if why is None:
                    self.assertIsNone(wait)
                    continue
                self.assertEqual((wait.why, wait.until), (why, until))

    def test_it_describes_the_reason_in_the_desks_words(self):
        wait = why_waiting(SEVEN_DAYS, at(2026, 10, 1, 10, 0))
        with translation.override("zh-hans"):
            self.assertEqual(workcalendar.describe_wait(wait.why, wait.holiday), "国庆节假期")
            self.assertEqual(workcalendar.describe_wait(WEEKEND), "周末休息")
            self.assertEqual(
                workcalendar.wait_text(wait.why, wait.holiday, wait.until, SH),
                "国庆节假期，10月8日 09:00 起联系",
            )

    def test_it_lists_the_coming_days_off_and_adjusted_days(self):
        days = dict(workcalendar.off_days(WEEKDAYS, date(2026, 9, 28), 14))
        self.assertFalse(days[date(2026, 10, 1)].working)
        self.assertTrue(days[date(2026, 10, 10)].adjusted)
        self.assertNotIn(date(2026, 9, 29), days)  # an ordinary Tuesday
