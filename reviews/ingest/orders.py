"""Order/logistics exports: who bought what for how much, and when it was delivered.

Read with the review importer's readers (CSV in UTF-8 or GBK/GB18030, XLSX, the same archive
and line limits) and its value parsers; each row becomes an order or a rejection naming its
column and reason, so one bad row never costs the good ones. An order is keyed by its
platform order id within the shop: a re-import updates it (a delivery time that arrived
later, a changed status). Each stored order with a delivery goes to the planner
settings.REVIEWS_ORDER_PLANNER names (outreach's care call), in the same transaction.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from ..erasure import erased_nicks
from ..models import Buyer, Order, Shop
from . import values
from .headers import ALIASES, normalise
from .readers import BrokenRow, DamagedFile, UnreadableFile, open_sheet
from .records import raw_snippet

# field -> accepted header names. Taobao/Tmall (千牛 订单报表: 订单编号, 买家会员名,
# 买家实际支付金额, 订单状态, 联系手机, 确认收货时间) and JD (京麦 订单导出: 订单号, 下单帐号,
# 应付金额, 订单状态, 联系电话, 完成时间) as the review exports' table has them, plus the
# order exports' own names.
ORDER_ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ALIASES["order_id"],
    "buyer_nick": ALIASES["buyer_nick"] + ("下单帐号", "下单账号", "客户账号"),
    "buyer_phone": ALIASES["buyer_phone"] + ("联系手机", "收货人手机号", "收货人联系方式"),
    "amount": ALIASES["amount"]
    + ("买家实际支付金额", "买家应付货款", "应付金额", "订单应付金额", "总金额"),
    "status": ("status", "订单状态", "交易状态", "Order status", "Status"),
    "delivered_at": ALIASES["delivered_at"] + ("完成时间", "订单完成时间", "交易成功时间"),
}
REQUIRED = ("order_id", "buyer_nick")
MAX_ORDER_ID = 100
MAX_NICK = 100
CHUNK = 1000


@cache
def _lookup() -> dict[str, str]:
    table: dict[str, str] = {}
    for name, headers in ORDER_ALIASES.items():
        for header in headers:
            table.setdefault(normalise(header), name)
    return table


@dataclass
class OrderRow:
    number: int
    order_id: str
    buyer_nick: str
    buyer_phone: str = ""
    amount: Decimal | None = None
    status: str = ""
    delivered_at: datetime | None = None


@dataclass
class RowError:
    number: int
    column: str
    reason: str
    raw: str = ""


@dataclass
class OrderImport:
    """What an order import did, for the page and the command."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_erased: int = 0
    care_calls: int = 0
    errors: list[RowError] = field(default_factory=list)
    problem: str = ""  # the file could not be read (at all, or past some row)

    @property
    def rejected(self) -> int:
        return len({error.number for error in self.errors})


def map_order_headers(header: list) -> tuple[dict[int, str], dict[str, str]]:
    """column index -> field, and field -> the header as the file writes it."""
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    for index, raw in enumerate(header):
        text = str(raw or "").strip()
        name = _lookup().get(normalise(text)) if text else None
        if name and name not in names:  # the first column of a field wins
            columns[index] = name
            names[name] = text
    return columns, names


def order_from_cells(
    number: int, cells, columns: dict[int, str], names: dict[str, str], tz
) -> OrderRow | list[RowError] | None:
    """One row: an order, its errors, or None for a blank row. Pure: no ORM."""
    if isinstance(cells, BrokenRow):
        return [RowError(number, "", cells.reason, cells.raw[:480])]
    if not any(c not in (None, "") and str(c).strip() for c in cells):
        return None
    raw = raw_snippet(cells)
    items = {name: cells[index] for index, name in columns.items() if index < len(cells)}
    errors: list[RowError] = []
    data: dict = {}

    def error(name: str, reason: str) -> None:
        errors.append(RowError(number, names.get(name, name), reason, raw))

    for name, limit in (("order_id", MAX_ORDER_ID), ("buyer_nick", MAX_NICK)):
        text = values.clean_text(items.get(name))
        if "\ufffd" in text or not values.encodable(text):
            error(name, _("Contains characters that could not be decoded."))
        elif not text:
            error(
                name,
                _("The order id is missing.") if name == "order_id" else _("The buyer is missing."),
            )
        elif len(text) > limit:
            error(name, _("Longer than %(n)s characters.") % {"n": limit})
        else:
            data[name] = text
    for name, limit in (("buyer_phone", 32), ("status", 40)):
        text = values.clean_text(items.get(name))
        if "\ufffd" in text or not values.encodable(text):
            error(name, _("Contains characters that could not be decoded."))
        else:
            data[name] = text[:limit]
    if (amount := items.get("amount")) not in (None, ""):
        try:
            data["amount"] = values.parse_amount(amount)
        except ValueError as exc:
            error("amount", str(exc))
    if (delivered := items.get("delivered_at")) not in (None, ""):
        try:
            data["delivered_at"] = values.parse_datetime(delivered, tz)
        except ValueError as exc:
            error("delivered_at", str(exc))
    if errors:
        return errors
    return OrderRow(number=number, **data)


def orders_import(*, shop: Shop, path: str | Path, max_rows: int | None = None) -> OrderImport:
    """Import an order export into `shop`. Never raises for the file's content: an unreadable
    file, a missing column or a damaged tail is reported in `problem`, bad rows in `errors`,
    and every good row before a damaged tail is kept."""
    result = OrderImport()
    try:
        sheet = open_sheet(path)
    except UnreadableFile as exc:
        result.problem = str(exc)
        return result
    try:
        columns, names = map_order_headers(sheet.header)
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            result.problem = _(
                "The file has no column for %(fields)s. Accepted names: %(accepted)s"
            ) % {
                "fields": ", ".join(missing),
                "accepted": "; ".join(
                    f"{name}: {', '.join(ORDER_ALIASES[name])}" for name in missing
                ),
            }
            return result
        if max_rows is not None and sheet.estimated_rows > max_rows:
            result.problem = _(
                "The file has about %(n)s rows; at most %(max)s are imported on this page. "
                "Split it, or import it with the import_orders command."
            ) % {"n": f"{sheet.estimated_rows:,}", "max": f"{max_rows:,}"}
            return result
        _import_rows(shop, sheet.rows, columns, names, result)
    except DamagedFile as exc:
        result.problem = str(exc)
    finally:
        sheet.close()
    return result


def _import_rows(shop, rows, columns, names, result: OrderImport) -> None:
    tz = zoneinfo.ZoneInfo(shop.timezone)
    seen: dict[str, int] = {}
    chunk: list[OrderRow] = []
    for number, cells in rows:
        row = order_from_cells(number, cells, columns, names, tz)
        if row is None:
            continue
        if isinstance(row, list):
            result.errors.extend(row)
            continue
        if row.order_id in seen:
            result.errors.append(
                RowError(
                    number,
                    names["order_id"],
                    _("Order %(id)s is already in row %(row)s of this file; this row was skipped.")
                    % {"id": row.order_id, "row": seen[row.order_id]},
                    raw_snippet(cells),
                )
            )
            continue
        seen[row.order_id] = number
        chunk.append(row)
        if len(chunk) >= CHUNK:
            _write_chunk(shop, chunk, result)
            chunk = []
    if chunk:
        _write_chunk(shop, chunk, result)


def _planner():
    return import_string(settings.REVIEWS_ORDER_PLANNER)


@transaction.atomic
def _write_chunk(shop: Shop, rows: list[OrderRow], result: OrderImport) -> None:
    # Seed 002 Q4: a buyer erased on request is not brought back by an order export.
    erased = erased_nicks(shop.id, {row.buyer_nick for row in rows})
    if erased:
        result.skipped_erased += sum(1 for row in rows if row.buyer_nick in erased)
        rows = [row for row in rows if row.buyer_nick not in erased]
    buyers = _buyers(shop, rows)
    existing = {
        order.order_id: order
        for order in Order.objects.select_for_update().filter(
            shop=shop, order_id__in=[row.order_id for row in rows]
        )
    }
    touched: list[Order] = []
    new: list[Order] = []
    for row in rows:
        order = existing.get(row.order_id)
        wanted = {
            "buyer": buyers[row.buyer_nick],
            "amount": row.amount,
            "status": row.status,
            "delivered_at": row.delivered_at,
        }
        if order is None:
            new.append(Order(shop=shop, order_id=row.order_id, **wanted))
            continue
        # A later export may leave a cell blank that an earlier one filled: keep what is known.
        changed = [
            name
            for name, value in wanted.items()
            if value not in (None, "") and getattr(order, name) != value
        ]
        if not changed:
            result.unchanged += 1
            continue
        for name in changed:
            setattr(order, name, wanted[name])
        order.save(update_fields=[*changed, "updated_at"])
        result.updated += 1
        touched.append(order)
    Order.objects.bulk_create(new)
    result.created += len(new)
    planner = _planner()
    for order in [*new, *touched]:
        if order.delivered_at is not None and planner(order=order) is not None:
            result.care_calls += 1


def _buyers(shop: Shop, rows: list[OrderRow]) -> dict[str, Buyer]:
    """The rows' buyers by nick, created when new; a phone fills a buyer who had none."""
    nicks = {row.buyer_nick for row in rows}
    known = {b.nick: b for b in Buyer.objects.filter(shop=shop, nick__in=nicks)}
    phones = {row.buyer_nick: row.buyer_phone for row in rows if row.buyer_phone}
    Buyer.objects.bulk_create(
        [Buyer(shop=shop, nick=nick, phone=phones.get(nick, "")) for nick in nicks - set(known)],
        ignore_conflicts=True,  # a concurrent import created it: fetched again below
    )
    for buyer in known.values():
        if not buyer.phone and phones.get(buyer.nick):
            buyer.phone = phones[buyer.nick]
            buyer.save(update_fields=["phone"])
    return {b.nick: b for b in Buyer.objects.filter(shop=shop, nick__in=nicks)}
