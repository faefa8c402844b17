from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from outreach.timephrase import TimePhraseAmbiguous, TimePhraseError, parse_time_phrase

SH = ZoneInfo("Asia/Shanghai")
# Wednesday 2026-11-25, 10:00 in Shanghai.
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


class TimePhraseTestCase(SimpleTestCase):
    def parse(self, phrase: str, now: datetime = NOW) -> datetime:
        return parse_time_phrase(phrase, now=now, tz=SH)

    def assertRefused(self, phrase: str, code: str, now: datetime = NOW) -> None:
        with self.assertRaises(TimePhraseError) as ctx:
            self.parse(phrase, now)
        self.assertEqual(ctx.exception.code, code, phrase)

    def test_it_parses_tonight_with_a_clock_time(self):
        self.assertEqual(self.parse("今晚 20:15"), at(2026, 11, 25, 20, 15))
        self.assertEqual(self.parse("今晚8点15"), at(2026, 11, 25, 20, 15))
        self.assertEqual(self.parse("今晚8点半"), at(2026, 11, 25, 20, 30))

    def test_it_parses_tomorrow_morning_and_afternoon(self):
        self.assertEqual(self.parse("明早 11:30"), at(2026, 11, 26, 11, 30))
        self.assertEqual(self.parse("明天下午3点"), at(2026, 11, 26, 15, 0))
        self.assertEqual(self.parse("明天下午三点一刻"), at(2026, 11, 26, 15, 15))

    def test_it_parses_weekdays(self):
        self.assertEqual(self.parse("周六上午10:00"), at(2026, 11, 28, 10, 0))
        self.assertEqual(self.parse("星期三 15:00"), at(2026, 11, 25, 15, 0))
        self.assertEqual(self.parse("下周一 09:30"), at(2026, 11, 30, 9, 30))
        self.assertEqual(self.parse("下周三早上9:30"), at(2026, 12, 2, 9, 30))

    def test_it_offers_both_readings_when_morning_and_evening_are_ahead(self):
        with self.assertRaises(TimePhraseAmbiguous) as ctx:
            self.parse("周六 10:00")
        self.assertEqual(ctx.exception.readings, [at(2026, 11, 28, 10, 0), at(2026, 11, 28, 22, 0)])
        self.assertIn("10:00", str(ctx.exception.message))

    def test_it_parses_datetime_local_input_in_the_shops_time_zone(self):
        self.assertEqual(self.parse("2026-11-27T18:05"), at(2026, 11, 27, 18, 5))
        self.assertEqual(self.parse("2026-11-27 18:05"), at(2026, 11, 27, 18, 5))

    def test_it_parses_a_bare_clock_time_as_today(self):
        self.assertEqual(self.parse("16:40"), at(2026, 11, 25, 16, 40))

    def test_the_hour_the_clock_shows_is_still_a_choice_while_both_readings_are_ahead(self):
        # "十点四十" at 10:30: in ten minutes, or tonight? Two careful readers disagreed.
        half_past_ten = at(2026, 11, 25, 10, 30)
        with self.assertRaises(TimePhraseAmbiguous) as caught:
            self.parse("十点四十", half_past_ten)
        self.assertEqual(
            caught.exception.readings, [at(2026, 11, 25, 10, 40), at(2026, 11, 25, 22, 40)]
        )
        self.assertEqual(self.parse("十点", half_past_ten), at(2026, 11, 25, 22, 0))

    def test_it_reads_spaced_and_formal_clocks(self):
        self.assertEqual(self.parse("下午 3 点 30 分"), at(2026, 11, 25, 15, 30))
        self.assertEqual(self.parse("15时30分"), at(2026, 11, 25, 15, 30))
        self.assertEqual(self.parse("明天下午3时"), at(2026, 11, 26, 15, 0))

    def test_a_small_hour_tonight_is_refused_unless_said_as_night_or_am(self):
        # "今晚3点" may be 03:00 or a slip for 15:00: the agent says 凌晨/夜里 or am instead.
        self.assertRefused("今晚3点", "invalid")
        self.assertRefused("明晚 3:00", "invalid")
        self.assertEqual(self.parse("夜里2点"), at(2026, 11, 26, 2, 0))
        self.assertEqual(self.parse("tonight 1am"), at(2026, 11, 26, 1, 0))

    def test_it_reads_weeks_ahead_english_at_hours_and_what_the_agent_will_do(self):
        self.assertEqual(self.parse("一周后下午3点"), at(2026, 12, 2, 15, 0))
        self.assertEqual(self.parse("两个星期后上午10点"), at(2026, 12, 9, 10, 0))
        self.assertEqual(self.parse("tonight at 9"), at(2026, 11, 25, 21, 0))
        self.assertEqual(self.parse("day after tomorrow 3pm"), at(2026, 11, 27, 15, 0))
        self.assertEqual(self.parse("明天下午3点给买家打电话"), at(2026, 11, 26, 15, 0))

    def test_a_weekday_beside_a_date_is_checked_against_that_date(self):
        self.assertEqual(self.parse("12月3号周四下午3点"), at(2026, 12, 3, 15, 0))
        self.assertRefused("12月3号周三下午3点", "invalid")

    def test_half_past_midnight_and_long_durations(self):
        self.assertEqual(self.parse("晚上12点半"), at(2026, 11, 26, 0, 30))
        self.assertEqual(self.parse("120分钟后"), at(2026, 11, 25, 12, 0))
        self.assertRefused("9999小时后", "too_far")

    def test_night_words_keep_to_the_hours_of_the_night(self):
        self.assertEqual(self.parse("夜里5点"), at(2026, 11, 26, 5, 0))
        self.assertEqual(self.parse("夜里11点"), at(2026, 11, 25, 23, 0))
        self.assertEqual(self.parse("晚上0点"), at(2026, 11, 26, 0, 0))
        self.assertEqual(self.parse("下午7点"), at(2026, 11, 25, 19, 0))
        self.assertRefused("明天夜里2点", "invalid")
        self.assertRefused("夜里7点", "invalid")

    def test_am_or_pm_against_the_part_of_the_day_is_refused(self):
        self.assertRefused("上午3pm", "invalid")
        self.assertRefused("tonight 8am", "invalid")
        self.assertRefused("下午3am", "invalid")
        self.assertEqual(self.parse("下午3:00pm"), at(2026, 11, 25, 15, 0))
        self.assertEqual(self.parse("tomorrow @ 3pm"), at(2026, 11, 26, 15, 0))

    def test_quarters_of_an_hour_ahead_and_a_mixed_zero_minute(self):
        self.assertEqual(self.parse("三刻钟后"), at(2026, 11, 25, 10, 45))
        self.assertEqual(self.parse("下午3点零5分"), at(2026, 11, 25, 15, 5))

    def test_it_refuses_vague_phrases(self):
        for phrase in ("明天", "下午", "晚点", "一会儿", "有空", "今晚", "明天下午", "周六"):
            self.assertRefused(phrase, "vague")

    def test_it_explains_how_to_fix_a_vague_phrase(self):
        with self.assertRaises(TimePhraseError) as ctx:
            self.parse("晚点")
        self.assertIn("20:15", str(ctx.exception.message))

    def test_it_refuses_past_times(self):
        self.assertRefused("今天上午9:00", "past")
        self.assertRefused("08:00", "past")
        self.assertRefused("2026-11-24T18:00", "past")

    def test_it_refuses_impossible_times(self):
        self.assertRefused("明天 25:00", "invalid")

    def test_it_reads_the_phrase_in_the_given_time_zone(self):
        berlin = ZoneInfo("Europe/Berlin")
        result = parse_time_phrase("明早 11:30", now=NOW, tz=berlin)
        self.assertEqual(result, datetime(2026, 11, 26, 11, 30, tzinfo=berlin))
