"""Parse the agreed follow-up time an agent types: an exact minute, never "tomorrow".

Seed 000 一.2 / 四.3②: fix a concrete clock time ("今天晚上8:15"); vague phrases are refused
with a hint.  Pure functions: no ORM, no clock of their own (`now` is passed in).
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext_lazy as _


class TimePhraseError(ValueError):
    def __init__(self, code: str, message) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message


class TimePhraseAmbiguous(TimePhraseError):
    """The hour could be morning or evening and both are ahead: `readings` (aware datetimes,
    earliest first) are offered to the agent instead of a guess."""

    def __init__(self, readings: list, message) -> None:
        super().__init__("ambiguous", message)
        self.readings = readings


# A follow-up further ahead than this is a typo (2062 for 2026), not an agreement.
MAX_AHEAD = timedelta(days=90)

HINT = _('Give an exact clock time, e.g. "今晚 20:15", "明早 11:30" or "周六 10:00".')

_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2})?$")
_DAY = re.compile(
    r"(?P<next>下(?:个)?)?(?:周|星期|礼拜)(?P<wd>[一二三四五六日天末])"
    r"|(?P<word>今天|今日|今晚|今早|明天|明日|明早|明晚|后天|大后天)"
)
_PERIOD = re.compile(r"凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|晚|早")
_CLOCK = re.compile(
    r"(?P<h>\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
    r"(?:[:：](?P<m>\d{2})|点(?:钟)?(?P<half>半)?(?P<quarter>一刻|三刻)?"
    r"(?:(?P<m2>\d{1,2}|[零〇一二三四五六七八九十]{1,3})分?)?)"
)


def _cn_number(text: str) -> int:
    """'8', '十', '十二', '二十三', '一五' -> int; TimePhraseError for what is no number
    ('十十', '二十十')."""
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    try:
        if "十" in text:
            tens, _, units = text.partition("十")
            return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
        value = 0
        for char in text:
            value = value * 10 + _CN_DIGITS[char]
        return value
    except KeyError:
        raise TimePhraseError("invalid", HINT) from None


def _refuse_vague() -> TimePhraseError:
    return TimePhraseError("vague", HINT)


def parse_time_phrase(phrase: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The aware moment `phrase` names, in `tz`, relative to `now`; or TimePhraseError."""
    text = re.sub(r"\s+", " ", phrase.strip())
    if not text:
        raise TimePhraseError("empty", HINT)
    local_now = now.astimezone(tz)

    if _ISO.match(text):
        try:
            naive = datetime.fromisoformat(text.replace(" ", "T"))
        except ValueError:
            raise TimePhraseError("invalid", HINT) from None
        if abs(naive.date() - local_now.date()) > MAX_AHEAD + timedelta(days=1):
            # Compared as dates first: year 9999 in a zone west of UTC overflows as a moment.
            # A day's margin: across a daylight-saving change the calendar can be a day further
            # than the elapsed time; the exact limit is checked on the moment below.
            if naive.date() < local_now.date():
                raise TimePhraseError("past", _past())
            raise TimePhraseError("too_far", _too_far())
        result = naive.replace(tzinfo=tz)
    else:
        result = _parse_chinese(text.replace(" ", ""), local_now, tz)

    # A wall time that does not exist (skipped by a daylight-saving change) becomes the moment
    # it names, e.g. 02:30 -> 03:30 on the spring-forward day.
    result = result.astimezone(UTC).astimezone(tz)
    # Compared in UTC: two datetimes sharing a tzinfo subtract and compare by wall clock in
    # Python, an hour off across a daylight-saving change.
    elapsed = result.astimezone(UTC) - now.astimezone(UTC)
    if elapsed <= timedelta(0):
        raise TimePhraseError("past", _past())
    if elapsed > MAX_AHEAD:
        raise TimePhraseError("too_far", _too_far())
    return result


def _past():
    return _("That time has already passed; give a time in the future.")


def _too_far():
    return _("That is more than %(days)s days ahead; check the date.") % {"days": MAX_AHEAD.days}


def _parse_chinese(text: str, local_now: datetime, tz: ZoneInfo) -> datetime:
    day: date = local_now.date()
    period = ""
    explicit_day = False

    day_match = _DAY.search(text)
    if day_match:
        explicit_day = True
        if day_match.group("wd"):
            weekday = _WEEKDAYS[day_match.group("wd")]
            if day_match.group("next"):
                # 下周一: the Monday of next calendar week (weeks start on Monday).
                monday_next = day - timedelta(days=day.weekday()) + timedelta(weeks=1)
                day = monday_next + timedelta(days=weekday)
            else:
                day = day + timedelta(days=(weekday - day.weekday()) % 7)
        else:
            word = day_match.group("word")
            offset = {"明": 1, "后": 2, "大": 3}.get(word[0], 0)
            day = day + timedelta(days=offset)
            if word.endswith("晚"):
                period = "晚"
            elif word.endswith("早"):
                period = "早"
        text = text[: day_match.start()] + text[day_match.end() :]

    period_match = _PERIOD.search(text)
    if period_match:
        period = period_match.group(0)
        text = text[: period_match.start()] + text[period_match.end() :]

    clock = _CLOCK.search(text)
    if not clock:
        # 明天, 下午, 晚点, 一会儿, 有空…: no clock time, so nothing to hold the buyer to.
        raise _refuse_vague()
    hour = _cn_number(clock.group("h"))
    if clock.group("m"):
        minute = int(clock.group("m"))
    elif clock.group("half"):
        minute = 30
    elif clock.group("quarter"):
        minute = 15 if clock.group("quarter") == "一刻" else 45
    elif clock.group("m2"):
        minute = _cn_number(clock.group("m2"))
    else:
        minute = 0
    evening = period in ("下午", "傍晚", "晚上", "夜里", "晚") and hour < 12
    if evening or (period == "中午" and hour < 11):
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise TimePhraseError("invalid", HINT)

    result = datetime.combine(day, time(hour, minute), tzinfo=tz)
    if not explicit_day and result <= local_now:
        raise TimePhraseError("past", _past())
    return result
