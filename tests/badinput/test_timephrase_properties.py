"""The agreed-time parser against any string: a future aware moment within MAX_AHEAD, or a
TimePhraseError with a message — never another exception. Phrases built from known parts
come back as the moment they name."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from outreach.timephrase import MAX_AHEAD, TimePhraseError, parse_time_phrase

ZONES = [ZoneInfo(name) for name in ("Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC")]
CODES = {"empty", "vague", "invalid", "past", "too_far"}

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


def check(phrase: str, now: datetime, tz: ZoneInfo):
    try:
        result = parse_time_phrase(phrase, now=now, tz=tz)
    except TimePhraseError as exc:
        assert exc.code in CODES, exc.code
        assert str(exc.message).strip()
        return None
    assert result.tzinfo is not None and result.utcoffset() is not None
    # Elapsed time, in UTC: Python subtracts and adds datetimes of one zone by wall clock, an
    # hour off across a daylight-saving change.
    elapsed = result.astimezone(UTC) - now.astimezone(UTC)
    assert timedelta(0) < elapsed <= MAX_AHEAD, (phrase, now, result)
    # A wall time that exists: converting through UTC gives it back unchanged.
    assert result.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == result.replace(tzinfo=None)
    assert result.second == 0 and result.microsecond == 0
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
    # 02:30 does not exist in Berlin on 2027-03-28 (clocks jump 02:00 -> 03:00).
    berlin = ZONES[1]
    result = parse_time_phrase(
        "2027-03-28 02:30", now=datetime(2027, 3, 20, tzinfo=berlin), tz=berlin
    )
    assert (result.hour, result.minute, result.utcoffset()) == (3, 30, timedelta(hours=2))


@example(
    now=datetime(2001, 1, 1, 23, 45, tzinfo=ZONES[2]), tz=ZONES[2], ahead=129_570, sep=" "
)  # 90 days less 30 min ahead, across New York's spring-forward: 91 calendar days (was refused)
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
    result = check(text, now, tz)
    if wanted <= now or wanted.fold:  # the minute just passed, or an ambiguous hour
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
    result = check(phrase, now, tz)
    if expected <= now:
        assert result is None
    else:
        assert result == expected, phrase
