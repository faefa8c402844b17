"""The agreed-time parser against any string: a future aware moment within MAX_AHEAD, or a
TimePhraseError with a message — never another exception. Phrases built from known parts
come back as the moment they name, or as a choice that includes it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from outreach.timephrase import (
    MAX_AHEAD,
    TimePhraseAmbiguous,
    TimePhraseError,
    parse_time_phrase,
)

ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC")]
CODES = {"empty", "vague", "range", "invalid", "past", "too_far", "ambiguous", "no_such_time"}

nows = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.sampled_from(ZONES)
)
fragments = st.sampled_from(
    [
        "今天",
        "今日",
        "今晚",
        "今早",
        "明天",
        "明日",
        "明早",
        "明晚",
        "后天",
        "大后天",
        "下",
        "个",
        "周",
        "星期",
        "礼拜",
        "一",
        "二",
        "两",
        "三",
        "五",
        "六",
        "七",
        "九",
        "十",
        "日",
        "天",
        "末",
        "零",
        "〇",
        "点",
        "钟",
        "半",
        "一刻",
        "三刻",
        "分",
        ":",
        "：",
        "凌晨",
        "早上",
        "上午",
        "中午",
        "下午",
        "傍晚",
        "晚上",
        "夜里",
        "晚",
        "早",
        "0",
        "00",
        "8",
        "08",
        "12",
        "15",
        "23",
        "24",
        "59",
        "60",
        "99",
        "2026-",
        "11-",
        "12-31",
        "T",
        "-",
        "9999-",
        "0001-",
        "\t",
        "\n",
        "\u3000",
    ]
)
phrases = st.one_of(
    st.text(max_size=40),
    st.lists(fragments, max_size=10).map("".join),
    st.text(alphabet="0123456789:-T 十点半分", max_size=25),
)


def valid_moment(result: datetime, phrase: str, now: datetime, tz: ZoneInfo) -> None:
    assert result.tzinfo is not None and result.utcoffset() is not None
    # Elapsed time, in UTC: Python subtracts and adds datetimes of one zone by wall clock, an
    # hour off across a daylight-saving change.
    elapsed = result.astimezone(UTC) - now.astimezone(UTC)
    assert timedelta(0) < elapsed <= MAX_AHEAD, (phrase, now, result)
    assert result.second == 0 and result.microsecond == 0


def check(phrase: str, now: datetime, tz: ZoneInfo, readings: list | None = None):
    """The moment, or None when refused; a choice's readings are appended to `readings`."""
    try:
        result = parse_time_phrase(phrase, now=now, tz=tz)
    except TimePhraseAmbiguous as exc:
        assert len(exc.readings) == 2
        for reading in exc.readings:
            valid_moment(reading, phrase, now, tz)
        assert exc.readings[0].astimezone(UTC) < exc.readings[1].astimezone(UTC)
        assert str(exc.message).strip()
        if readings is not None:
            readings.extend(exc.readings)
        return None
    except TimePhraseError as exc:
        assert exc.code in CODES, exc.code
        assert str(exc.message).strip()
        return None
    valid_moment(result, phrase, now, tz)
    # A wall time that exists: converting through UTC gives it back unchanged.
    assert result.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == result.replace(tzinfo=None)
    return result


@given(phrase=phrases, now=nows, tz=st.sampled_from(ZONES))
@example(phrase="十十十点", now=datetime(2026, 11, 25, 10, tzinfo=ZONES[0]), tz=ZONES[0])
@example(phrase="明天十二十点", now=datetime(2026, 11, 25, 10, tzinfo=ZONES[0]), tz=ZONES[0])
@example(phrase="9999-12-31 23:59", now=datetime(2026, 11, 25, 10, tzinfo=ZONES[2]), tz=ZONES[2])
@example(phrase="0001-01-01 00:00", now=datetime(2026, 11, 25, 10, tzinfo=ZONES[1]), tz=ZONES[1])
@example(phrase="2027-03-28 02:30", now=datetime(2027, 3, 20, 10, tzinfo=ZONES[1]), tz=ZONES[1])
def test_any_phrase_is_a_future_moment_or_a_clear_refusal(phrase, now, tz):
    check(phrase, now, tz)


def test_the_examples_above_are_refused_or_normalised_as_they_should():
    now = datetime(2026, 11, 25, 10, tzinfo=ZONES[0])
    for phrase, code in (("十十十点", "invalid"), ("9999-12-31 23:59", "too_far")):
        try:
            parse_time_phrase(phrase, now=now, tz=ZONES[2])
        except TimePhraseError as exc:
            assert exc.code == code
        else:
            raise AssertionError(phrase)
    # 02:30 does not exist in Berlin on 2027-03-28 (clocks jump 02:00 -> 03:00): refused,
    # not moved to 03:30, a minute the buyer did not name.
    berlin = ZONES[1]
    try:
        parse_time_phrase("2027-03-28 02:30", now=datetime(2027, 3, 20, tzinfo=berlin), tz=berlin)
    except TimePhraseError as exc:
        assert exc.code == "no_such_time"
    else:
        raise AssertionError("02:30 on the spring-forward day")


@example(
    now=datetime(2001, 1, 1, 23, 45, tzinfo=ZONES[2]), tz=ZONES[2], ahead=129_570, sep=" "
)  # 90 days less 30 min ahead, across New York's spring-forward: 91 calendar days (was refused)
@example(
    now=datetime(2026, 11, 1, 1, 45, tzinfo=ZONES[2]), tz=ZONES[2], ahead=30, sep=" "
)  # said at 01:45 EDT for 01:15 EST: the first 01:15 has passed, the second is the answer
@given(
    now=nows,
    tz=st.sampled_from(ZONES),
    ahead=st.integers(min_value=1, max_value=int(MAX_AHEAD.total_seconds() // 60)),
    sep=st.sampled_from([" ", "T"]),
)
def test_a_datetime_local_value_comes_back_as_written(now, tz, ahead, sep):
    # Added as elapsed time (in UTC): wall-clock arithmetic across a DST change is an hour off.
    wanted = (now.astimezone(UTC) + timedelta(minutes=ahead)).astimezone(tz)
    wanted = wanted.replace(second=0, microsecond=0)
    text = wanted.strftime(f"%Y-%m-%d{sep}%H:%M")
    readings: list = []
    result = check(text, now, tz, readings)
    if wanted <= now:  # the minute just passed
        return
    other = wanted.replace(fold=1 - wanted.fold)
    if other.utcoffset() != wanted.utcoffset():
        # A minute the clocks repeat: both are offered, this one among them — unless the other
        # has passed already (said during the repeated hour), when this one is the answer.
        if other.astimezone(UTC) <= now.astimezone(UTC):
            assert result is not None and result.astimezone(UTC) == wanted.astimezone(UTC)
            return
        assert result is None and wanted.astimezone(UTC) in [r.astimezone(UTC) for r in readings]
        return
    assert result is not None and result.replace(tzinfo=None) == wanted.replace(tzinfo=None)


CN = "零一二三四五六七八九"


def cn(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, units = divmod(n, 10)
    return (CN[tens] if tens > 1 else "") + "十" + (CN[units] if units else "")


DAY_WORDS = {"今天": 0, "明天": 1, "后天": 2, "大后天": 3}


@given(
    now=nows,
    tz=st.sampled_from([ZoneInfo("Asia/Shanghai"), ZoneInfo("Asia/Tokyo"), ZoneInfo("UTC")]),
    word=st.sampled_from(sorted(DAY_WORDS)),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    style=st.sampled_from(["colon", "full-width", "chinese", "afternoon"]),
)
def test_a_day_word_and_clock_come_back_as_the_moment_they_name(now, tz, word, hour, minute, style):
    if style == "colon":
        phrase = f"{word} {hour}:{minute:02d}"
    elif style == "full-width":
        phrase = f"{word}{hour:02d}：{minute:02d}"
    elif style == "chinese":
        phrase = f"{word}{cn(hour)}点{cn(minute)}分" if minute else f"{word}{cn(hour)}点"
    else:
        if not 13 <= hour <= 23:
            hour = 13 + hour % 11
        phrase = f"{word}{'下午' if hour < 18 else '晚上'}{hour - 12}点{cn(minute)}分"
    local_now = now.astimezone(tz)
    expected = datetime.combine(
        local_now.date() + timedelta(days=DAY_WORDS[word]), time(hour, minute), tzinfo=tz
    )
    readings: list = []
    result = check(phrase, now, tz, readings)
    padded = style == "full-width" and hour < 10
    if style == "afternoon" or not 1 <= hour <= 11 or padded:
        if expected <= now:
            assert result is None
        else:
            assert result == expected, phrase
        return
    # A bare hour from 1 to 11 is morning or evening: one of the two that is ahead, or the
    # choice of both — never another minute.
    ahead = [m for m in (expected, expected.replace(hour=hour + 12)) if m > now]
    if result is None:
        assert readings == ahead if readings else not ahead, (phrase, now, readings)
    else:
        assert result in ahead, (phrase, now, result)


FORMS = [
    "{y}-{m:02d}-{d:02d} {clock}",
    "{y}/{m:02d}/{d:02d} {clock}",
    "{y}/{m}/{d} {clock}",
    "{y}年{m}月{d}日 {clock}",
    "{y}年{m}月{d}号{clock}",
    "{m}月{d}号 {clock}",
    "{m}月{d}日{clock}",
    "{m}/{d} {clock}",
    "{m:02d}-{d:02d} {clock}",
    "{cm}月{cd}号{clock}",
]


@given(
    now=nows,
    tz=st.sampled_from(ZONES),
    days_ahead=st.integers(0, MAX_AHEAD.days),
    hour=st.integers(0, 23),
    minute=st.integers(0, 59),
    form=st.sampled_from(FORMS),
    clock_style=st.sampled_from(["24h", "chinese", "period"]),
)
@example(
    now=datetime(2026, 12, 31, 21, tzinfo=ZONES[0]),
    tz=ZONES[0],
    days_ahead=5,
    hour=15,
    minute=0,
    form="{m}月{d}号 {clock}",
    clock_style="period",
)
def test_an_explicit_date_that_is_accepted_is_that_date_and_minute(
    now, tz, days_ahead, hour, minute, form, clock_style
):
    day = now.astimezone(tz).date() + timedelta(days=days_ahead)
    if clock_style == "24h":
        clock = f"{hour:02d}:{minute:02d}"
    elif clock_style == "chinese":
        clock = f"{cn(hour)}点{cn(minute)}分" if minute else f"{cn(hour)}点整"
    else:
        period = "凌晨" if hour < 5 else "上午" if hour < 12 else "下午" if hour < 18 else "晚上"
        clock = f"{period}{hour % 12 if hour > 12 else hour}点{cn(minute)}分"
    phrase = form.format(
        y=day.year, m=day.month, d=day.day, cm=cn(day.month), cd=cn(day.day), clock=clock
    )
    readings: list = []
    result = check(phrase, now, tz, readings)
    # A bare hour from 1 to 11 written without a period ("二点", "10:15") may be the evening's.
    bare = clock_style != "period" and 1 <= hour <= 11 and not clock.startswith("0")
    hours = {hour, hour + 12} if bare else {hour}
    for moment in ([result] if result is not None else []) + readings:
        assert (moment.year, moment.month, moment.day, moment.minute) == (
            day.year,
            day.month,
            day.day,
            minute,
        ), (phrase, moment)
        assert moment.hour in hours, (phrase, moment)
