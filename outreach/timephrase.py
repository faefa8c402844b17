"""Parse the agreed follow-up time an agent types: the exact minute the buyer meant, or a
refusal with a hint — never another minute.

Seed 000 一.2 / 四.3②: fix a concrete clock time ("今天晚上8:15"); vague phrases are refused.
Pure functions: no ORM, no clock of their own (`now` is passed in). Long because the ways
people write a day and a clock are many; they are read in one place, in the order that
matters (a range or a vague word before anything, dates before days of the month).

How a phrase is read (tests/outreach/test_timephrase_table.py holds the examples):
- A bare hour from 1 to 11 with no period and no am/pm may be morning or evening. When both
  readings are ahead the agent chooses (TimePhraseAmbiguous); when one is, it is that one; the
  hour the clock shows now ("十点过五分" said at 10:00) is that hour while its minute is ahead.
  "08:15" and a date-time picker's value are a 24-hour clock.
- 晚上/夜里/半夜12点 and "12am" are 00:00 of the next day. 夜里/半夜2点 and "tonight 1am" are
  tonight's small hours (the next day); 晚上3点 is refused (03:00 or a slip for 15:00?), and so
  is 明天夜里2点 (which night?). 凌晨 with no day, said in the evening, is the coming night's.
  am/pm that contradicts the part of the day ("上午3pm") is refused.
- A month and day with no year that passed this year is next year if that is within
  MAX_AHEAD; if neither is, it is refused as past or too far, whichever is nearer ("11月28日"
  on 2 December is past). A day of the month alone that passed is next month's.
- Relative times count elapsed minutes from `now` ("20分钟后"); "3天后下午3点" is a day.
- A bare weekday is the next one, today included; 这/本周X is this calendar week's, 下周X the
  next one's and 下下周X the one after (weeks start on Monday).
- A minute a daylight-saving change skips is refused; one it repeats is offered twice.
"""

import re
import unicodedata
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

HINT = _('Give an exact clock time, e.g. "今晚 20:15", "明早 11:30" or "周六上午 10:00".')

_CN_DIGITS = dict(
    zip("零〇一二两三四五六七八九", (0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True)
)
_N = r"(?:\d{1,2}|[零〇一二两三四五六七八九十]{1,3})"
_AFTER = r"(?:以后|之后|后)"

_VAGUE = re.compile(
    r"左右|大概|大约|大致|差不多|尽量|可能|估计|也许|或|多|几|前后|之前|以前|一会|晚点|早点|有空"
    r"|随时|再说|周末|(?<![周期拜])(?:一两|两三|二三|三四|四五|五六|六七|七八|八九)(?![十月])|\b(?:around|about|approx\w*|roughly|ish|(?<!day )after|before|by|sometime|maybe"
    r"|or|asap|soon|later|whenever|anytime|next(?! (?:mon|tue|wed|thu|fri|sat|sun))|weekend)\b"
)
_RANGE = re.compile(
    r"到|至|~|〜|—|–|\b(?:between|until|till|to)\b"
    r"|\d\s*-\s*\d{1,2}\s*(?:点|[ap]\.?m)|[:点]\s*\d{2}\s*-\s*\d|点\s*-\s*\d"
)
# A clock followed by 前/后: "3点前", "8点以后" (a duration followed by 后 is read before this).
_CLOCK_BOUND = re.compile(r"(?:点|分|钟|半|刻|整|\d|[ap]m)\s*(?:之|以)?[前后]")

_COUNT = r"(?:\d{1,4}|[零〇一二两三四五六七八九十]{1,3})"
_REL = re.compile(
    rf"^(?P<pre>再?过)?(?:(?P<hours>{_COUNT}|\d{{1,3}}\.\d{{1,2}})\s*个?\s*(?P<and_half>半)?\s*(?:小时|钟头)|(?P<half>半)\s*个?\s*(?:小时|钟头)"
    rf"|(?P<quarter>[一两三])刻钟)?\s*(?:(?P<mins>{_COUNT})\s*分钟?)?\s*(?P<after>{_AFTER})?$"
)
_REL_EN_SPAN = (
    r"(?:(?P<n>\d{1,4}|an?|one)\s*(?P<and_half>and a half\s+)?(?P<unit>minutes?|mins?|hours?|hrs?)"
    r"(?P<half_after>\s+and a half)?(?:\s+(?:and\s+)?(?P<mins>\d{1,2})\s*(?:minutes?|mins?))?"
    r"|(?P<half>half an hour))"
)
# "in 20 minutes", "20 minutes later", "an hour from now"
_REL_EN = (
    re.compile(rf"^in\s+{_REL_EN_SPAN}$"),
    re.compile(rf"^{_REL_EN_SPAN}\s+(?:later|from now)$"),
)

_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})[t ](?P<h>\d{2}):(?P<m>\d{2})(?::\d{2}(?:\.\d+)?)?$"
)
_REL_DAYS = re.compile(rf"(?P<n>{_N})\s*(?P<unit>天|个?(?:周|星期|礼拜))\s*{_AFTER}")
_FULL_DATE = re.compile(
    r"(?<!\d)(?P<y>\d{4})\s*[-/.年]\s*(?P<mo>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})(?!\d)\s*[日号]?"
)
# 12/04/2026: month first in the Americas (and in Chinese), refused as either elsewhere.
_FULL_DATE_YEAR_LAST = re.compile(r"(?<![\d/])(?P<mo>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?!\d)")
_CN_DATE = re.compile(rf"(?<!\d)(?P<mo>{_N})\s*月\s*(?P<d>{_N})\s*[日号]?")
_NEXT_MONTH = re.compile(rf"下个?月\s*(?P<d>{_N})\s*[日号]")
_SLASH_DATE = re.compile(r"(?<![\d:.])(?P<mo>\d{1,2})\s*[/-]\s*(?P<d>\d{1,2})(?![\d:.点])")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MON = r"(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_EN_DATE_DM = re.compile(rf"(?<![\d:])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s*{_MON}")
_EN_DATE_MD = re.compile(rf"\b{_MON}\s*(?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?![\d:.])")
_DAY_WORD = re.compile(
    r"大后天|后天|今天|今日|今晚|今夜|今早|明天|明日|明早|明晚|明夜"
    r"|\bday after tomorrow\b|\btoday\b|\btonight\b|\btomorrow\b|\btmrw?\b"
)
_DAY_WORDS = {
    "大后天": 3,
    "后天": 2,
    "明": 1,
    "day after tomorrow": 2,
    "tomorrow": 1,
    "tmr": 1,
    "tmrw": 1,
}
_WEEKDAY = re.compile(
    r"(?P<pre>下下个?|下个?|这个?|本)?\s*(?:周|星期|礼拜)(?P<wd>[一二三四五六日天1-7])"
)
_WEEKDAY_ABBR = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_EN = re.compile(
    r"\b(?P<next>next )?(?P<wd>mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|rs|urday)?\.?(?![a-z])"
)
_DAY_OF_MONTH = re.compile(rf"(?<![\d月/-])(?P<d>{_N})\s*[号日]")
_PERIOD = re.compile(
    r"凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜里|夜间|半夜|深夜|午夜|晚|早"
    r"|\b(?:morning|afternoon|evening|night|noon|midnight)\b"
)
_PERIODS = {
    "早晨": "早上",
    "清晨": "早上",
    "早": "早上",
    "morning": "早上",
    "noon": "中午",
    "afternoon": "下午",
    "evening": "晚上",
    "night": "晚上",
    "晚": "晚上",
    "夜间": "夜里",
    "深夜": "半夜",
    "午夜": "半夜",
    "midnight": "半夜",
}
_EVENING = {"晚上", "夜里", "半夜"}
_PM_HOURS = {("中午", h) for h in (1, 2, 3)} | {("下午", h) for h in range(1, 12)}
_PM_HOURS |= {("傍晚", h) for h in range(4, 9)}
_PERIOD_HOURS = {
    "早上": (1, 11),
    "上午": (0, 12),
    "中午": (11, 15),
    "下午": (12, 20),
    "傍晚": (16, 20),
}
_COLON_CLOCK = re.compile(
    r"(?<![\d.])(?P<h>\d{1,2})\s*[:.]\s*(?P<m>\d{2})(?::00)?(?!\d)(?:\s*(?P<ap>[ap])\.?m\b\.?)?"
)
_AP_CLOCK = re.compile(r"(?<![\d:])(?P<h>\d{1,2})\s*(?P<ap>[ap])\.?m\b\.?")
_AT_HOUR = re.compile(r"\bat\s+(?P<h>\d{1,2})\b(?![:.])")  # "tonight at 9"
_CN_CLOCK = re.compile(
    rf"(?:差(?P<before>{_N}分钟?|一刻))?(?P<h>{_N})\s*(?:点钟?|(?<!小)时)\s*"
    rf"(?:(?P<whole>整)|(?P<half>半)|过?(?P<quarter>[一三13]刻)|差(?P<to>{_N}分钟?|一刻)"
    rf"|过?(?P<m>零?{_N})\s*分?)?"
)
_CJK = re.compile(r"[\u4e00-\u9fff]")
# What may be left around a time: punctuation, little words, and what the agent will do then.
_FILLER = re.compile(
    r"[\s,，。.!！、;；()（）@]|的|在|于|给(?:买家|客户|顾客|他|她|您|你)|打电话|回电话|回电|来电|准时|准点"
    r"|(?:回访|联系|致电|打给|提醒)(?:一下)?(?:买家|客户|顾客|他|她|您|你)?|\b(?:at|on|the|this|call)\b"
)
# Spoken day words of the north (明儿, 今儿个) and English clock words, read as their plain forms
# before anything else: "quarter past 11" is 11:15, "ten to 8" 7:50 (and not a range).
_COLLOQUIAL = (
    (re.compile(r"今儿个?"), "今天"),
    (re.compile(r"明儿个?"), "明天"),
    (re.compile(r"后儿个?"), "后天"),
    (re.compile(r"\bmidday\b"), "noon"),
)
_EN_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "twenty": 20,
    "twenty-five": 25,
    "twenty five": 25,
    "quarter": 15,
    "a quarter": 15,
    "half": 30,
}
_EN_NUMBER = (
    r"(?:\d{1,2}|twenty[- ]five|a quarter|quarter|half|"
    + "|".join(
        sorted((w for w in _EN_WORDS if " " not in w and "-" not in w), key=len, reverse=True)
    )
    + ")"
)
_EN_PAST_TO = re.compile(
    rf"\b(?P<m>{_EN_NUMBER})(?:\s+minutes?)?\s+(?P<rel>past|after|to|before)\s+(?P<h>{_EN_NUMBER})(?=[ap]\.?m\b|(?![\w:.]))"
)
# "Friday 9", "tomorrow 10": a bare hour in an English phrase (after the dates are read).
_EN_BARE_HOUR = re.compile(r"(?<![\d:.])\b(?P<h>\d{1,2})\b(?![:.\d])")


def _cn_number(text: str) -> int:
    """'8', '十', '十二', '二十三', '零五' -> int; TimePhraseError for what is no number."""
    text = text.removesuffix("分钟").removesuffix("分")
    if text == "一刻":
        return 15
    if text.removeprefix("零").isdigit():  # "05", "零5"
        return int(text.removeprefix("零"))
    try:
        if "十" in text:
            tens, _sep, units = text.partition("十")
            return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)
        value = 0
        for char in text:
            value = value * 10 + _CN_DIGITS[char]
        return value
    except KeyError:
        raise TimePhraseError("invalid", _no_such_clock()) from None


def _no_such_clock():
    return _("There is no such clock time; check the hour and minute.")


def _no_such_date():
    return _("There is no such date; check the month and day.")


def _past():
    return _("That time has already passed; give a time in the future.")


def _too_far():
    return _("That is more than %(days)s days ahead; check the date.") % {"days": MAX_AHEAD.days}


def parse_time_phrase(phrase: str, *, now: datetime, tz: ZoneInfo) -> datetime:
    """The aware moment `phrase` names, in `tz`, relative to `now`; or TimePhraseError
    (TimePhraseAmbiguous when two readings are both possible)."""
    text = unicodedata.normalize("NFKC", phrase).lower()
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        raise TimePhraseError("empty", HINT)
    for pattern, plain in _COLLOQUIAL:
        text = pattern.sub(plain, text)
    text = _EN_PAST_TO.sub(_en_clock, text)
    local_now = now.astimezone(tz)
    iso = _ISO.match(text)
    if iso:
        # What a date-time picker sends: a 24-hour clock, no reading to choose.
        day = _date(int(iso["y"]), int(iso["mo"]), int(iso["d"]))
        _within_reach(day, local_now.date())
        hour, minute = int(iso["h"]), int(iso["m"])
        if hour > 23 or minute > 59:
            raise TimePhraseError("invalid", _no_such_clock())
        return _checked(_local(day, hour, minute, tz), now, f"{hour:02d}:{minute:02d}")

    if _RANGE.search(text):
        raise TimePhraseError(
            "range",
            _('That is a range of times; give the one minute the buyer agreed to, e.g. "20:15".'),
        )
    # A relative time is read whole or not at all ("20 minutes later" before "later" is vague).
    # The filler goes (联系买家, spaces), but not a decimal point: "1.5小时后" is 90 minutes.
    relative = _relative(
        _FILLER.sub("", re.sub(r"(?<=\d)\.(?=\d)", "\u2024", text)).replace("\u2024", "."), text
    )
    if relative is not None:
        result = (now.astimezone(UTC) + relative).replace(second=0, microsecond=0)
        return _checked([result.astimezone(tz)], now, "")
    vague = _VAGUE.search(text)
    if vague:
        raise TimePhraseError(
            "vague",
            _(
                '"%(word)s" is not an exact time; give the minute the buyer agreed to, e.g. '
                '"今晚 20:15" or "明天下午3点".'
            )
            % {"word": vague.group(0)},
        )
    if _CLOCK_BOUND.search(text):
        raise TimePhraseError(
            "vague",
            _(
                '"Before" or "after" a time is not an exact time; give the minute itself, '
                'e.g. "今晚 20:15".'
            ),
        )
    return _parse_moment(text, local_now, now, tz)


def _en_clock(match: re.Match) -> str:
    """ "quarter past 11" -> "11:15", "ten to 8" -> "7:50"; "half to 8" stays (no such time)."""
    value = {k: (int(v) if v.isdigit() else _EN_WORDS.get(v)) for k, v in match.groupdict().items()}
    hour, minute = value["h"], value["m"]
    if hour is None or minute is None or not 1 <= hour <= 12 or not 1 <= minute <= 59:
        return match.group(0)
    if match["rel"] in ("to", "before"):
        if match["m"] == "half" or match["m"].isdigit():
            # "5 to 8" is a range as often as 7:55: left for the range check to refuse.
            return match.group(0)
        hour, minute = (hour - 2) % 12 + 1, 60 - minute
    return f"{hour}:{minute:02d}"


def _relative(compact: str, text: str) -> timedelta | None:
    match = _REL.match(compact)
    if match and not (match["pre"] or match["after"]):
        match = None  # "20分钟" alone is a duration, not a moment
    if match and any(match.group(k) for k in ("hours", "half", "quarter", "mins")):
        minutes = _cn_number(match.group("mins")) if match.group("mins") else 0
        if match.group("hours") and "." in match.group("hours"):
            exact = float(match.group("hours")) * 60
            if exact != int(exact):
                return None  # "1.33小时后": no whole minute
            minutes += int(exact) + (30 if match.group("and_half") else 0)
        elif match.group("hours"):
            minutes += 60 * _cn_number(match.group("hours")) + (
                30 if match.group("and_half") else 0
            )
        if match.group("half"):
            minutes += 30
        if match.group("quarter"):
            minutes += 15 * _cn_number(match.group("quarter"))
        return timedelta(minutes=minutes) if minutes else None
    match = _REL_EN[0].match(text) or _REL_EN[1].match(text)
    if match:
        if match.group("half"):
            return timedelta(minutes=30)
        count = int(match.group("n")) if match.group("n").isdigit() else 1
        hours = match.group("unit").startswith("h")
        minutes = count * (60 if hours else 1)
        if match.group("and_half") or match.group("half_after"):
            if not hours:
                return None
            minutes += 30
        if match.group("mins"):
            if not hours:
                return None
            minutes += int(match.group("mins"))
        return timedelta(minutes=minutes)
    return None


def _parse_moment(text: str, local_now: datetime, now: datetime, tz: ZoneInfo) -> datetime:
    original = text  # "noon" and "midnight" name the clock as well as the part of the day
    english = not _CJK.search(text) and bool(re.search(r"[a-z]{2}", text))
    today = local_now.date()
    days: list[date] = []
    day_period = ""

    def take(pattern: re.Pattern, handle) -> None:
        nonlocal text
        while match := pattern.search(text):
            handle(match)
            text = text[: match.start()] + " " + text[match.end() :]

    take(
        _REL_DAYS,
        lambda m: days.append(
            today + timedelta(days=_cn_number(m["n"]) * (1 if m["unit"] == "天" else 7))
        ),
    )
    take(_FULL_DATE, lambda m: days.append(_date(int(m["y"]), int(m["mo"]), int(m["d"]))))
    take(_FULL_DATE_YEAR_LAST, lambda m: days.append(_slash_date(today, m, english, tz)))
    take(_NEXT_MONTH, lambda m: days.append(_next_month_day(today, _cn_number(m["d"]))))
    take(
        _CN_DATE, lambda m: days.append(_month_day(today, _cn_number(m["mo"]), _cn_number(m["d"])))
    )
    take(
        _EN_DATE_DM,
        lambda m: days.append(_month_day(today, _MONTHS.index(m["mon"]) + 1, int(m["d"]))),
    )
    take(
        _EN_DATE_MD,
        lambda m: days.append(_month_day(today, _MONTHS.index(m["mon"]) + 1, int(m["d"]))),
    )
    take(_SLASH_DATE, lambda m: days.append(_slash_date(today, m, english, tz)))

    def day_word(match: re.Match) -> None:
        nonlocal day_period
        word = match.group(0)
        offset = _DAY_WORDS.get(word, _DAY_WORDS.get(word[0], 0))
        days.append(today + timedelta(days=offset))
        if word.endswith(("晚", "夜")) or word == "tonight":
            day_period = "晚上"
        elif word.endswith("早"):
            day_period = "早上"

    take(_DAY_WORD, day_word)
    weekdays: list[int] = []  # a bare weekday: the next one, unless a date names the day

    def weekday(index: int, pre: str) -> None:
        if not pre:
            weekdays.append(index)
            return
        monday = today - timedelta(days=today.weekday())
        weeks = {"这": 0, "本": 0, "下": 1, "下下": 2}[pre]
        days.append(monday + timedelta(weeks=weeks, days=index))

    def chinese_weekday(match: re.Match) -> None:
        wd = match["wd"]
        index = int(wd) - 1 if wd.isdigit() else "一二三四五六日".find(wd.replace("天", "日"))
        weekday(index, (match["pre"] or "").removesuffix("个"))

    take(_WEEKDAY, chinese_weekday)

    def english_weekday(match: re.Match) -> None:
        index = _WEEKDAY_ABBR.index(match["wd"])
        if not match["next"]:
            weekday(index, "")
            return
        # "next Friday": the coming Friday to some, next week's to others; taken only when the
        # two are the same day.
        coming = today + timedelta(days=(index - today.weekday() - 1) % 7 + 1)
        next_week = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=index)
        if coming != next_week:
            raise TimePhraseError(
                "vague",
                _('"%(text)s" may be %(coming)s or %(later)s; give the date, e.g. "Dec 5 3pm".')
                % {"text": match.group(0).strip(), "coming": coming, "later": next_week},
            )
        days.append(coming)

    take(_WEEKDAY_EN, english_weekday)
    take(_DAY_OF_MONTH, lambda m: days.append(_day_of_month(today, _cn_number(m["d"]))))

    if (
        len(set(days)) > 1
        or len(set(weekdays)) > 1
        or (days and weekdays and days[0].weekday() != weekdays[0])
    ):
        raise TimePhraseError(
            "invalid", _("The days named do not agree; check which day the buyer meant.")
        )
    if weekdays and not days:
        days.append(today + timedelta(days=(weekdays[0] - today.weekday()) % 7))
    day = days[0] if days else None

    periods: list[str] = []
    take(_PERIOD, lambda m: periods.append(_PERIODS.get(m.group(0), m.group(0))))
    named_hour = [p for p in ("noon", "midnight") if re.search(rf"\b{p}\b", original)]
    if day_period:
        periods.append(day_period)
    if len(set(periods)) > 1 and not set(periods) <= _EVENING | {"晚上"}:
        raise TimePhraseError(
            "invalid", _("The parts of the day named do not agree; check the time.")
        )
    period = periods[0] if periods else ""

    clocks: list[tuple[int, int, str, bool]] = []

    def colon(match: re.Match) -> None:
        padded = len(match["h"]) == 2 and match["h"].startswith("0")
        clocks.append((int(match["h"]), int(match["m"]), match["ap"] or "", padded))

    def chinese(match: re.Match) -> None:
        hour, minute = _cn_number(match["h"]), 0
        if match["half"]:
            minute = 30
        elif match["quarter"]:
            minute = 15 if match["quarter"] in ("一刻", "1刻") else 45
        elif match["m"]:
            minute = _cn_number(match["m"])
        less = match["before"] or match["to"]
        if less:
            if minute:
                raise TimePhraseError("invalid", _no_such_clock())
            hour, minute = hour - 1, 60 - _cn_number(less)
        padded = hour >= 13 or match["h"] in ("0", "00") or match["h"].startswith("0")
        clocks.append((hour, minute, "", padded))

    take(_COLON_CLOCK, colon)
    take(_AP_CLOCK, lambda m: clocks.append((int(m["h"]), 0, m["ap"], False)))
    take(_AT_HOUR, lambda m: clocks.append((int(m["h"]), 0, "", False)))
    if not clocks and re.search(r"[a-z]", original) and not re.search(r"[\u4e00-\u9fff]", original):
        take(_EN_BARE_HOUR, lambda m: clocks.append((int(m["h"]), 0, "", False)))
    take(_CN_CLOCK, chinese)

    leftover = _FILLER.sub("", text)
    if leftover:
        raise TimePhraseError(
            "invalid",
            _(
                'Could not read "%(rest)s"; write the time like "明天下午3点", "12月3号 20:15" or '
                '"tomorrow 10am".'
            )
            % {"rest": leftover},
        )
    if not clocks and named_hour:
        clocks.append((12, 0, "", False))
    if len(clocks) != 1:
        raise TimePhraseError("vague", HINT)
    hour, minute, ap, padded = clocks[0]
    if not (0 <= minute <= 59):
        raise TimePhraseError("invalid", _no_such_clock())
    base = day or today
    _within_reach(base, today)
    if (
        english
        and day not in (None, today)
        and hour in (0, 12)
        and (ap == "a" or "midnight" in named_hour)
    ):
        # "tomorrow 12am", "midnight Friday": the midnight that starts the day or ends it?
        raise TimePhraseError(
            "invalid",
            _(
                'Midnight of a named day can be read two ways: write "tonight 11:59pm" or the '
                "hour after it, e.g. 12:30am with the date it falls on."
            ),
        )
    readings = _readings(hour, minute, ap, padded, period, base, day is not None, local_now)
    return _checked([_local(d, h, m, tz) for d, h, m in readings], now, f"{hour}:{minute:02d}")


def _readings(hour, minute, ap, padded, period, base, explicit_day, local_now):
    """The (day, hour, minute) readings of a clock time said with a period or am/pm."""
    next_day = base + timedelta(days=1)
    if ap:
        if not 1 <= hour <= 12:
            raise TimePhraseError("invalid", _no_such_clock())
        morning = period in ("凌晨", "早上", "上午")
        small_hours = period in _EVENING and hour <= 4
        if (ap == "p" and morning) or (ap == "a" and period and not morning and not small_hours):
            # "上午3pm", "tonight 8am": the two halves of the phrase name different hours.
            raise TimePhraseError(
                "invalid", _("The parts of the day named do not agree; check the time.")
            )
        if ap == "a" and (hour == 12 or small_hours):
            # 12am, and "tonight 1am": the small hours after this day's evening.
            return [(next_day, hour % 12, minute)]
        return [(base, hour % 12 + (12 if ap == "p" else 0), minute)]
    if period:
        if not 0 <= hour <= 23:
            raise TimePhraseError("invalid", _no_such_clock())
        if period == "凌晨":
            if hour == 12:
                return [(next_day, 0, minute)]
            if hour > 6:
                raise TimePhraseError("invalid", _no_such_clock())
            if not explicit_day and local_now.hour >= 18:
                return [(next_day, hour, minute)]
            return [(base, hour, minute)]
        if period in _EVENING:
            if hour in (0, 12):
                return [(next_day, 0, minute)]
            if hour <= 5 and period != "晚上":
                if explicit_day:
                    # "明天夜里2点": tomorrow's small hours or the night after? 凌晨 says which.
                    raise TimePhraseError(
                        "invalid",
                        _('Which night is that? Write "凌晨%(hour)s点" with the day it falls on.')
                        % {"hour": hour},
                    )
                return [(next_day, hour, minute)]
            if hour <= 4:
                # "今晚3点" may be 03:00 or a slip for 15:00: 凌晨/夜里 or 下午 says which.
                raise TimePhraseError(
                    "invalid",
                    _(
                        '"晚上%(hour)s点" could be the small hours or the afternoon: write '
                        '"凌晨%(hour)s点" or "下午%(hour)s点".'
                    )
                    % {"hour": hour},
                )
            if 5 <= hour <= 11 and (period == "晚上" or hour >= 9):
                return [(base, hour + 12, minute)]
            if 17 <= hour <= 23:
                return [(base, hour, minute)]
            raise TimePhraseError("invalid", _no_such_clock())
        # The afternoon's hours said on a 12-hour clock, then the 24-hour hours each period covers.
        if (period, hour) in _PM_HOURS:
            hour += 12
        low, high = _PERIOD_HOURS[period]
        if not low <= hour <= high:
            raise TimePhraseError("invalid", _no_such_clock())
        return [(base, hour, minute)]
    if not 0 <= hour <= 23:
        raise TimePhraseError("invalid", _no_such_clock())
    if padded or hour == 0 or hour >= 12:
        return [(base, hour, minute)]
    # Even the hour the clock shows ("7点半" at 07:00) may be this morning or tonight: when
    # both are ahead, the agent chooses (_checked drops a reading that has passed).
    return [(base, hour, minute), (base, hour + 12, minute)]


def _slash_date(today: date, match: re.Match, english: bool, tz: ZoneInfo) -> date:
    """12/3 and 12-03: month then day, as Chinese and Americans write it. In an English phrase
    for a buyer outside the Americas the day may come first (4/12 is 4 December in London):
    when both readings are dates, refused rather than guessed."""
    first, second = int(match["mo"]), int(match["d"])
    year = int(match["y"]) if "y" in match.groupdict() else None
    if first > 12 >= second:
        first, second = second, first  # 25/12: only the day can come first
    both = first != second and first <= 12 and second <= 12
    if english and both and not str(tz).startswith("America/"):
        raise TimePhraseError(
            "invalid",
            _(
                '"%(text)s" could be day/month or month/day: write the month\'s name, e.g. '
                '"Dec 4 3pm".'
            )
            % {"text": match.group(0)},
        )
    if year is not None:
        return _date(year, first, second)
    return _month_day(today, first, second)


def _within_reach(day: date, today: date) -> None:
    """Refuse a day far out of reach before it is turned into a moment: year 9999 west of UTC
    would overflow. A day's margin each way for the clock and daylight-saving changes; the
    exact limit is checked on the moment."""
    if day < today - timedelta(days=1):
        raise TimePhraseError("past", _past())
    if day > today + MAX_AHEAD + timedelta(days=1):
        raise TimePhraseError("too_far", _too_far())


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise TimePhraseError("invalid", _no_such_date()) from None


def _month_day(today: date, month: int, day: int) -> date:
    """A month and day with no year: this year's, or next year's if this year's has passed
    and next year's is within reach."""
    this_year = _date(today.year, month, day)
    if this_year >= today:
        return this_year
    try:
        next_year = date(today.year + 1, month, day)
    except ValueError:
        raise TimePhraseError("past", _past()) from None
    if next_year - today > MAX_AHEAD:
        # Out of reach both ways: whichever is nearer is what the speaker had in mind.
        if today - this_year < next_year - today:
            raise TimePhraseError("past", _past())
        raise TimePhraseError("too_far", _too_far())
    return next_year


def _next_month(today: date, day: int) -> date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return _date(year, month, day)


def _next_month_day(today: date, day: int) -> date:
    return _next_month(today, day)


def _day_of_month(today: date, day: int) -> date:
    """A day of the month alone: this month's, or next month's if it has passed or this
    month has no such day (31号 said in November)."""
    if not 1 <= day <= 31:
        raise TimePhraseError("invalid", _no_such_date())
    try:
        this_month = date(today.year, today.month, day)
    except ValueError:
        this_month = None
    if this_month is not None and this_month >= today:
        return this_month
    return _next_month(today, day)


def _local(day: date, hour: int, minute: int, tz: ZoneInfo) -> list[datetime]:
    """The moments the wall time names: one, two (a minute the clocks repeat) or a refusal
    (a minute they skip)."""
    naive = datetime.combine(day, time(hour, minute))
    first, second = naive.replace(tzinfo=tz, fold=0), naive.replace(tzinfo=tz, fold=1)
    if first.utcoffset() == second.utcoffset():
        return [first]
    if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise TimePhraseError(
            "no_such_time",
            _(
                "%(clock)s does not exist that day: the clocks jump forward an hour. Give "
                "another time."
            )
            % {"clock": f"{hour:02d}:{minute:02d}"},
        )
    return sorted((first, second), key=lambda d: d.astimezone(UTC))


def _checked(candidates: list, now: datetime, clock: str) -> datetime:
    """The one reading ahead and within MAX_AHEAD, or the choice, or why none is."""
    moments = [m for c in candidates for m in (c if isinstance(c, list) else [c])]
    now_utc = now.astimezone(UTC)
    ahead, too_far = [], False
    for moment in moments:
        elapsed = moment.astimezone(UTC) - now_utc
        if elapsed > MAX_AHEAD:
            too_far = True
        elif elapsed > timedelta(0):
            ahead.append(moment)
    if not ahead:
        if too_far:
            raise TimePhraseError("too_far", _too_far())
        raise TimePhraseError("past", _past())
    if len(ahead) == 1:
        return ahead[0]
    if ahead[0].replace(tzinfo=None) == ahead[1].replace(tzinfo=None):
        message = _("%(clock)s happens twice that night: the clocks go back an hour. Choose:")
    else:
        message = _("Is %(clock)s in the morning or the evening? Choose:")
    raise TimePhraseAmbiguous(ahead, message % {"clock": clock})
