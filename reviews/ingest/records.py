"""One file row or webhook item -> a validated `Record` with its idempotency key, or the
reasons it was rejected (column and reason each). Pure: no ORM."""

import hashlib
import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import KeyKind, known_timezones
from . import values
from .headers import DSR_FIELDS, HeaderMap
from .readers import BrokenRow

LIMITS = {"review_id": 100, "order_id": 100, "buyer_nick": 100, "sku": 100}
TRUNCATE = {"product_name": 255, "courier": 50, "tracking_no": 64, "buyer_phone": 32}
TIME_FIELDS = ("reviewed_at", "followup_at", "shipped_at", "delivered_at")
TEXT_FIELDS = (
    "review_id",
    "order_id",
    "buyer_nick",
    "buyer_phone",
    "buyer_timezone",
    "product_name",
    "sku",
    "text",
    "followup_text",
    "courier",
    "tracking_no",
)


@dataclass
class Record:
    number: int  # spreadsheet row number, or the webhook item's index
    key: str
    key_kind: str
    rating: str
    text: str
    reviewed_at: datetime
    review_id: str = ""
    order_id: str = ""
    buyer_nick: str = ""
    buyer_phone: str = ""
    buyer_timezone: str = ""
    product_name: str = ""
    sku: str = ""
    amount: Decimal | None = None
    followup_text: str = ""
    followup_at: datetime | None = None
    courier: str = ""
    tracking_no: str = ""
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    dsr: dict = field(default_factory=dict)


@dataclass
class Rejection:
    number: int
    errors: list[tuple[str, str]]  # (column as named in the input, reason)
    raw: str


def raw_snippet(cells) -> str:
    text = " | ".join("" if c is None else str(c) for c in cells)
    return text[:480]


def derive_key(data: dict) -> tuple[str, str] | None:
    """The review's idempotency key: platform review id; else order id + product line (SKU,
    else product name); else order id + buyer + review time."""
    if data.get("review_id"):
        return f"id:{data['review_id']}", KeyKind.REVIEW_ID
    order = data.get("order_id")
    if order and data.get("sku"):
        return f"ol:{order}:{data['sku']}", KeyKind.ORDER_LINE
    if order and data.get("product_name"):
        digest = hashlib.sha1(data["product_name"].encode()).hexdigest()[:16]
        return f"ol:{order}:p{digest}", KeyKind.ORDER_LINE
    if order and data.get("buyer_nick") and data.get("reviewed_at"):
        when = data["reviewed_at"].astimezone(zoneinfo.ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%S")
        return f"obt:{order}:{data['buyer_nick']}:{when}", KeyKind.ORDER_BUYER_TIME
    return None


def build_record(
    number: int,
    items: dict,
    names: dict[str, str],
    tz: zoneinfo.ZoneInfo,
    *,
    month_first: bool = False,
    raw: str = "",
) -> Record | Rejection:
    """`items` maps field -> raw value; `names` field -> how the input calls it."""
    errors: list[tuple[str, str]] = []
    data: dict = {}

    for name in TEXT_FIELDS:
        text = values.clean_text(items.get(name))
        if "\ufffd" in text or not values.encodable(text):
            errors.append(
                (names.get(name, name), _("Contains characters that could not be decoded."))
            )
            continue
        limit = LIMITS.get(name)
        if limit and len(text) > limit:
            errors.append(
                (names.get(name, name), _("Longer than %(n)s characters.") % {"n": limit})
            )
            continue
        if name in TRUNCATE:
            text = text[: TRUNCATE[name]]
        data[name] = text

    if "text" in data and not data["text"]:
        errors.append((names.get("text", "text"), _("The review text is missing.")))

    try:
        data["rating"] = values.parse_rating(
            items.get("rating") if items.get("rating") is not None else ""
        )
    except ValueError as exc:
        errors.append((names.get("rating", "rating"), str(exc)))

    for name in TIME_FIELDS:
        value = items.get(name)
        if value is None or value == "":
            if name == "reviewed_at":
                errors.append((names.get(name, name), _("The review time is missing.")))
            continue
        try:
            data[name] = values.parse_datetime(value, tz, month_first=month_first)
        except ValueError as exc:
            errors.append((names.get(name, name), str(exc)))

    amount = items.get("amount")
    if amount is not None and amount != "":
        try:
            data["amount"] = values.parse_amount(amount)
        except ValueError as exc:
            errors.append((names.get("amount", "amount"), str(exc)))

    dsr = {}
    for name, label in DSR_FIELDS.items():
        score = items.get(name)
        if score is None or score == "":
            continue
        try:
            dsr[label] = values.parse_score(score)
        except ValueError as exc:
            errors.append((names.get(name, name), str(exc)))
    data["dsr"] = dsr

    if data.get("buyer_timezone") and data["buyer_timezone"] not in known_timezones():
        errors.append(
            (
                names.get("buyer_timezone", "buyer_timezone"),
                _("Not a known time zone (e.g. Asia/Shanghai)."),
            )
        )

    if errors:
        return Rejection(number, errors, raw)
    keyed = derive_key(data)
    if keyed is None:
        return Rejection(
            number,
            [
                (
                    names.get("order_id", "order_id"),
                    _(
                        "The review cannot be identified: it needs a review id, or an order id with the product or buyer."
                    ),
                )
            ],
            raw,
        )
    data["key"], data["key_kind"] = keyed
    return Record(number=number, **data)


def record_from_cells(
    number: int, cells: list, header: HeaderMap, tz: zoneinfo.ZoneInfo, *, month_first: bool
) -> Record | Rejection | None:
    """A file row; None for a blank row (skipped, not counted)."""
    if isinstance(cells, BrokenRow):
        return Rejection(number, [("", cells.reason)], cells.raw[:480])
    items = {}
    for index, name in header.columns.items():
        if index < len(cells):
            items[name] = cells[index]
    if not any(c not in (None, "") and str(c).strip() for c in cells):
        return None
    return build_record(
        number, items, header.names, tz, month_first=month_first, raw=raw_snippet(cells)
    )
