"""The shop's working calendar: which days and minutes the shop's people work (pure).

A day is a working day by these rules, the first that applies winning:
1. the shop's own local days (its table in the admin): an extra day off, or an extra working
   day — the shop knows best (the warehouse shut after 双十一, a stock-take Sunday);
2. if the shop observes public holidays: the national calendar from the `chinesecalendar`
   package — a public holiday is a day off (its weekend days too), an adjusted working day
   (调休, a Saturday or Sunday worked to make up for a holiday) is a working day even for a
   shop that does not work weekends;
3. Saturday and Sunday are working days only if the shop works weekends (most Chinese
   e-commerce service desks do: on by default); Monday to Friday always are.

A working minute is a minute of a working day inside the playbook's working hours, in the
shop's time zone. The package knows the years the State Council has published; for a year it
does not know (it covers 2004–2026 in 1.11.0; 2027's holidays are announced late in 2026) no
day is a public holiday and no weekend an adjusted working day: the shop's local days fill the
gap until the package is updated, and the playbook page says so (`national_calendar_known`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from django.utils.translation import gettext_lazy as _

# The package's holiday names, as the desk says them (the reason a plan waits).
HOLIDAY_NAMES = {
    "New Year's Day": _("New Year's Day holiday"),
    "Spring Festival": _("Spring Festival holiday"),
    "Tomb-sweeping Day": _("Qingming Festival holiday"),
    "Labour Day": _("Labour Day holiday"),
    "Dragon Boat Festival": _("Dragon Boat Festival holiday"),
    "National Day": _("National Day holiday"),
    "Mid-autumn Festival": _("Mid-Autumn Festival holiday"),
    "Anti-Fascist 70th Day": _("Victory Day holiday"),
}

# Why a minute is not a working minute (codes stored on a waiting plan's data).
HOLIDAY, WEEKEND, SHOP_DAY_OFF, AFTER_HOURS = "holiday", "weekend", "shop_day_off", "after_hours"

_KNOWN_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)

# A calendar with no working day at all (every local day off for years) must not loop forever.
MAX_DAYS_AHEAD = 400


@dataclass(frozen=True)
class ShopCalendar:
    """What decides a shop's working minutes: the playbook's settings and the shop's local
    days ({date: True for an extra working day, False for an extra day off})."""

    tz: ZoneInfo
    work_start: time = time(9, 0)
    work_end: time = time(21, 30)
    works_weekends: bool = True
    observes_public_holidays: bool = True
    local_days: Mapping[date, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class Day:
    working: bool
    why: str = ""  # for a day off: HOLIDAY, WEEKEND or SHOP_DAY_OFF
    holiday: str = ""  # the package's name of the holiday, or of the one a 调休 day makes up for
    adjusted: bool = False  # a weekend day worked for a public holiday (调休)


def national_calendar_known(year: int) -> bool:
    return year in _KNOWN_YEARS


def national_years() -> range:
    return _KNOWN_YEARS


def holiday_label(name: str) -> str:
    return str(HOLIDAY_NAMES.get(name, name))


def day(cal: ShopCalendar, on: date) -> Day:
    """Whether `on` is a working day of the shop, and why not."""
    local = cal.local_days.get(on)
    if local is not None:
        return Day(working=local, why="" if local else SHOP_DAY_OFF)
    if cal.observes_public_holidays and national_calendar_known(on.year):
        if on in chinese_calendar.holidays:
            return Day(working=False, why=HOLIDAY, holiday=chinese_calendar.holidays[on] or "")
        if on in chinese_calendar.workdays:
            return Day(working=True, holiday=chinese_calendar.workdays[on] or "", adjusted=True)
    if on.weekday() >= 5 and not cal.works_weekends:
        return Day(working=False, why=WEEKEND)
    return Day(working=True)


def is_working_day(cal: ShopCalendar, on: date) -> bool:
    return day(cal, on).working


def _hours(cal: ShopCalendar, on: date) -> tuple[datetime, datetime]:
    start = datetime.combine(on, cal.work_start, tzinfo=cal.tz)
    if cal.work_start < cal.work_end:
        return start, datetime.combine(on, cal.work_end, tzinfo=cal.tz)
    # The lead's form refuses hours past midnight; an admin-made one counts as the whole day.
    return datetime.combine(on, time(0), tzinfo=cal.tz), datetime.combine(
        on + timedelta(days=1), time(0), tzinfo=cal.tz
    )


def is_working_minute(cal: ShopCalendar, moment: datetime) -> bool:
    local = moment.astimezone(cal.tz)
    start, end = _hours(cal, local.date())
    return is_working_day(cal, local.date()) and start <= local < end


def next_working_minute(cal: ShopCalendar, after: datetime) -> datetime:
    """The first working minute at or after `after` (itself if it is one), in the shop's zone."""
    local = after.astimezone(cal.tz)
    on = local.date()
    for _day in range(MAX_DAYS_AHEAD):
        start, end = _hours(cal, on)
        if local < end and is_working_day(cal, on):
            return max(local, start)
        on += timedelta(days=1)
    return local


@dataclass(frozen=True)
class Wait:
    """Why a plan asked for at some minute waits, and until when."""

    why: str  # HOLIDAY, WEEKEND, SHOP_DAY_OFF or AFTER_HOURS
    holiday: str = ""
    until: datetime | None = None


def why_waiting(cal: ShopCalendar, moment: datetime) -> Wait | None:
    """None when `moment` is a working minute; else the reason of the first day off on the
    way to the next working minute (a holiday beats the evening before it), and that minute."""
    if is_working_minute(cal, moment):
        return None
    until = next_working_minute(cal, moment)
    local = moment.astimezone(cal.tz)
    on = local.date()
    if local >= _hours(cal, on)[1] or is_working_day(cal, on):
        on += timedelta(days=1)  # after hours: the days that follow say why it waits longer
    while on < until.date():
        info = day(cal, on)
        if not info.working:
            return Wait(why=info.why, holiday=info.holiday, until=until)
        on += timedelta(days=1)
    info = day(cal, local.date())
    if not info.working:
        return Wait(why=info.why, holiday=info.holiday, until=until)
    return Wait(why=AFTER_HOURS, until=until)


def describe_wait(why: str, holiday: str = "") -> str:
    """The reason in the desk's words: 「国庆节假期」, 「周末休息」…"""
    if why == HOLIDAY:
        return holiday_label(holiday) if holiday else str(_("Public holiday"))
    return str(
        {
            WEEKEND: _("Weekend, the shop does not work"),
            SHOP_DAY_OFF: _("The shop's day off"),
            AFTER_HOURS: _("Outside working hours"),
        }.get(why, "")
    )


def off_days(cal: ShopCalendar, start: date, days: int) -> list[tuple[date, Day]]:
    """The days off and adjusted working days among the `days` days from `start` (the
    playbook page lists what is coming)."""
    out = []
    for offset in range(days):
        on = start + timedelta(days=offset)
        info = day(cal, on)
        if not info.working or info.adjusted or on in cal.local_days:
            out.append((on, info))
    return out


def wait_text(why: str, holiday: str, due: datetime, tz: ZoneInfo) -> str:
    """「国庆节假期，10月8日 09:00 起联系」: why a plan waits and when it will happen."""
    local = due.astimezone(tz)
    return _("%(why)s: contact from %(month)d/%(day)d %(time)s") % {
        "why": describe_wait(why, holiday),
        "month": local.month,
        "day": local.day,
        "time": f"{local:%H:%M}",
    }


def day_label(info: Day) -> str:
    """What the playbook page says of a listed day."""
    if not info.working:
        return describe_wait(info.why, info.holiday)
    if info.adjusted:
        return _("Adjusted working day (for the %(holiday)s)") % {
            "holiday": holiday_label(info.holiday)
        }
    return str(_("The shop's extra working day"))
