"""Values as the platforms write them -> Python values. Pure functions, no ORM.

Each parser returns the value or raises `ValueError` with a message fit for the error report.
"""

import re
import zoneinfo
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

POSITIVE, NEUTRAL, NEGATIVE = "positive", "neutral", "negative"

_RATINGS = {
    "好评": POSITIVE,
    "好": POSITIVE,
    "中评": NEUTRAL,
    "中": NEUTRAL,
    "差评": NEGATIVE,
    "差": NEGATIVE,
    "positive": POSITIVE,
    "neutral": NEUTRAL,
    "negative": NEGATIVE,
    "pos": POSITIVE,
    "neu": NEUTRAL,
    "neg": NEGATIVE,
}
_STARS = re.compile(r"^([1-5])(?:\.0+)?\s*(?:星|分|stars?)?$")


def parse_rating(value) -> str:
    """好评/中评/差评, eBay's Positive/Neutral/Negative, or 1–5 stars (1–2 negative, 3 neutral,
    4–5 positive; also "5星", "4分", "★★★★☆")."""
    if isinstance(value, bool):
        raise ValueError(_("“%(value)s” is not a rating.") % {"value": value})
    if isinstance(value, int | float) and float(value).is_integer() and 1 <= value <= 5:
        return _stars(int(value))
    text = str(value).strip()
    if not text:
        raise ValueError(_("The rating is missing."))
    rating = _RATINGS.get(text.casefold())
    if rating:
        return rating
    if set(text) <= {"★", "☆"} and "★" in text:
        return _stars(text.count("★"))
    match = _STARS.match(text.casefold())
    if match:
        return _stars(int(match.group(1)))
    raise ValueError(
        _(
            "“%(value)s” is not a rating: use 好评/中评/差评, Positive/Neutral/Negative or 1–5 stars."
        )
        % {"value": text[:40]}
    )


def _stars(n: int) -> str:
    if not 1 <= n <= 5:
        raise ValueError(_("A star rating must be between 1 and 5."))
    return NEGATIVE if n <= 2 else NEUTRAL if n == 3 else POSITIVE


_DATE_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y年%m月%d日",
    "%b-%d-%y %H:%M:%S",
    "%b-%d-%y %H:%M",
    "%b-%d-%y",
    "%b %d, %Y %H:%M",
    "%b %d, %Y",
    "%d %b %Y %H:%M",
    "%d %b %Y",
    "%d-%b-%Y",
)
# Month-first slashes are eBay's (US) habit; elsewhere 12/11/2024 is day first.
_US_FORMATS = ("%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y %H:%M", "%m/%d/%y")
_EU_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")
# eBay writes its zone as an abbreviation; these are the ones its reports use.
_ZONE_SUFFIX = re.compile(r"\s+(PST|PDT|MST|MDT|CST|CDT|EST|EDT|GMT|UTC|BST|CET|CEST)$")
_ZONES = {
    "PST": "America/Los_Angeles",
    "PDT": "America/Los_Angeles",
    "MST": "America/Denver",
    "MDT": "America/Denver",
    "CST": "America/Chicago",
    "CDT": "America/Chicago",
    "EST": "America/New_York",
    "EDT": "America/New_York",
    "GMT": "UTC",
    "UTC": "UTC",
    "BST": "Europe/London",
    "CET": "Europe/Paris",
    "CEST": "Europe/Paris",
}


# The longest format above written out is ~30 characters; anything much longer is not a time
# (and the zone-suffix search would cost quadratic time on a long run of spaces).
MAX_DATETIME_CHARS = 64


def parse_datetime(value, tz: zoneinfo.ZoneInfo, *, month_first: bool = False) -> datetime:
    """A time as exports write it; a time without zone is in the shop's zone `tz`."""
    if isinstance(value, datetime):
        parsed = value if value.tzinfo else value.replace(tzinfo=tz)
        if not 2000 <= parsed.year <= 2100:
            raise ValueError(_("“%(value)s” is out of range.") % {"value": value})
        return parsed
    if isinstance(value, date):
        if not 2000 <= value.year <= 2100:
            raise ValueError(_("“%(value)s” is out of range.") % {"value": value})
        return datetime.combine(value, time(0), tzinfo=tz)
    text = str(value).strip()
    if not text:
        raise ValueError(_("The time is missing."))
    if len(text) > MAX_DATETIME_CHARS:
        raise ValueError(
            _("“%(value)s” is not a date and time (e.g. 2024-11-12 10:31:07).")
            % {"value": text[:40]}
        )
    try:
        # The common case ("2024-11-12 10:31:07", ISO 8601 with or without offset) is fast.
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        parsed = None
    if parsed is None:
        zone_match = _ZONE_SUFFIX.search(text)
        if zone_match:
            tz = zoneinfo.ZoneInfo(_ZONES[zone_match.group(1)])
            text = text[: zone_match.start()]
        formats = _DATE_FORMATS + (_US_FORMATS + _EU_FORMATS if month_first else _EU_FORMATS)
        for fmt in formats:
            try:
                parsed = datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added below
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(
            _("“%(value)s” is not a date and time (e.g. 2024-11-12 10:31:07).")
            % {"value": text[:40]}
        )
    if not 2000 <= parsed.year <= 2100:
        raise ValueError(_("“%(value)s” is out of range.") % {"value": text[:40]})
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


_AMOUNT_NOISE = re.compile(r"(?i)^(?:us\s*\$|rmb|cny|usd|[¥￥$€£])|(?:元|rmb|cny|usd)$")
MAX_AMOUNT = Decimal("9999999999.99")


def parse_amount(value) -> Decimal:
    """ "¥1,299.00", "1299元", "US $12.50", 1299.0 -> Decimal('1299.00')."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        amount = Decimal(str(value))
    else:
        text = str(value).strip().replace(",", "").replace("，", "").replace(" ", "")
        text = _AMOUNT_NOISE.sub("", text).strip()
        text = _AMOUNT_NOISE.sub("", text).strip()  # "¥1299元"
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(
                _("“%(value)s” is not an amount (e.g. ¥1,299.00).") % {"value": str(value)[:40]}
            ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise ValueError(_("“%(value)s” is not a valid amount.") % {"value": str(value)[:40]})
    return amount.quantize(Decimal("0.01"))


def parse_score(value) -> float:
    """A DSR score (1–5, decimals allowed)."""
    try:
        score = float(str(value).strip().rstrip("分星"))
    except ValueError:
        raise ValueError(
            _("“%(value)s” is not a score from 1 to 5.") % {"value": str(value)[:40]}
        ) from None
    if not 0 <= score <= 5:
        raise ValueError(_("“%(value)s” is not a score from 1 to 5.") % {"value": str(value)[:40]})
    return score


def encodable(text: str) -> bool:
    """False for text holding lone surrogates (JSON's "\\ud800"), which no database or
    encoder accepts: the row is rejected like one with undecodable bytes."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def storable(text: str) -> str:
    """Text fit for any database column: no NUL (PostgreSQL refuses it), lone surrogates
    replaced. For what is shown back about a rejected row (its reason and raw data)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def clean_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # ids typed as numbers in a spreadsheet
    return str(value).replace("\x00", "").strip()
