"""Column names as the platforms export them, mapped to ReviewDesk's fields.

The generic format (documented in docs of the import page and the OpenAPI document) uses
the field names themselves as headers: `review_id, order_id, buyer_nick, ...`. The webhook's
JSON items use the same names.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# field -> accepted header names (the first one is the generic name). Taobao/Tmall (千牛
# 评价管理 exports), JD (京麦 商品评价 exports) and eBay (Feedback / Seller Hub reports)
# call the same column differently; matching ignores case, spaces, "_" and "-".
ALIASES: dict[str, tuple[str, ...]] = {
    "review_id": (
        "review_id",
        "评价ID",
        "评价编号",
        "评价id",
        "评论ID",
        "评论编号",
        "评价单号",
        "Review ID",
        "Feedback ID",
        "Feedback number",
    ),
    "order_id": (
        "order_id",
        "订单编号",
        "订单号",
        "订单ID",
        "子订单编号",
        "主订单编号",
        "订单id",
        "Order ID",
        "Order number",
        "Order no",
        "Sales record number",
        "Transaction ID",
    ),
    "buyer_nick": (
        "buyer_nick",
        "买家昵称",
        "会员名",
        "买家会员名",
        "买家",
        "买家账号",
        "用户昵称",
        "用户名",
        "用户账号",
        "评价人",
        "Buyer",
        "Buyer username",
        "Buyer user ID",
        "Buyer ID",
        "Left by",
    ),
    "buyer_phone": (
        "buyer_phone",
        "手机号",
        "联系电话",
        "手机",
        "手机号码",
        "收货人手机",
        "买家手机号",
        "收货人电话",
        "Phone",
        "Phone number",
        "Buyer phone",
    ),
    "buyer_timezone": ("buyer_timezone", "买家时区", "时区", "Buyer time zone", "Time zone"),
    "product_name": (
        "product_name",
        "宝贝名称",
        "商品名称",
        "宝贝标题",
        "商品标题",
        "商品",
        "宝贝",
        "Item title",
        "Item",
        "Product",
        "Product name",
        "Title",
    ),
    "sku": (
        "sku",
        "SKU",
        "商家编码",
        "商品编码",
        "商品SKU",
        "SKU编码",
        "商品编号",
        "SKU ID",
        "商品ID",
        "宝贝ID",
        "销售属性",
        "Custom label",
        "Custom label (SKU)",
        "Item number",
    ),
    "amount": (
        "amount",
        "实付金额",
        "订单金额",
        "实付款",
        "买家实付金额",
        "支付金额",
        "成交金额",
        "实付金额(元)",
        "订单金额(元)",
        "Amount",
        "Total",
        "Total price",
        "Sale price",
        "Price",
        "Paid amount",
    ),
    "rating": (
        "rating",
        "评价等级",
        "评分",
        "星级",
        "评价结果",
        "评价类型",
        "商品评分",
        "评价星级",
        "Rating",
        "Feedback type",
        "Feedback rating",
        "Score",
        "Stars",
    ),
    "text": (
        "text",
        "评价内容",
        "评论内容",
        "初评内容",
        "首次评价内容",
        "评价",
        "评论",
        "评价详情",
        "Comment",
        "Feedback",
        "Feedback comment",
        "Review",
        "Review text",
    ),
    "followup_text": (
        "followup_text",
        "追评内容",
        "追加评论",
        "追评",
        "追加评价",
        "追加评论内容",
        "Follow-up",
        "Follow-up comment",
        "Followup",
        "Additional comment",
    ),
    "reviewed_at": (
        "reviewed_at",
        "评价时间",
        "评论时间",
        "评价日期",
        "初评时间",
        "评论日期",
        "Date",
        "Review date",
        "Feedback date",
        "Left at",
        "Date left",
    ),
    "followup_at": (
        "followup_at",
        "追评时间",
        "追加评论时间",
        "追加评价时间",
        "Follow-up date",
        "Followup date",
    ),
    "courier": (
        "courier",
        "物流公司",
        "快递公司",
        "承运商",
        "配送方式",
        "Carrier",
        "Shipping carrier",
        "Shipping service",
    ),
    "tracking_no": (
        "tracking_no",
        "运单号",
        "物流单号",
        "快递单号",
        "运单编号",
        "Tracking number",
        "Tracking no",
    ),
    "shipped_at": ("shipped_at", "发货时间", "出库时间", "Shipped", "Shipped on", "Ship date"),
    "delivered_at": (
        "delivered_at",
        "签收时间",
        "确认收货时间",
        "收货时间",
        "妥投时间",
        "Delivered",
        "Delivered on",
        "Delivery date",
    ),
    "dsr_description": (
        "dsr_description",
        "宝贝与描述相符",
        "描述相符",
        "商品描述评分",
        "描述相符评分",
        "Item as described",
    ),
    "dsr_service": (
        "dsr_service",
        "卖家的服务态度",
        "服务态度",
        "卖家服务评分",
        "服务态度评分",
        "Communication",
    ),
    "dsr_logistics": (
        "dsr_logistics",
        "物流服务的质量",
        "物流服务",
        "物流服务评分",
        "物流速度评分",
        "Shipping time",
        "Shipping speed",
    ),
}

# Without these a file cannot be imported at all: it is refused whole, naming the missing
# column, rather than every row rejected for the same reason.
REQUIRED = ("text", "rating", "reviewed_at")
DSR_FIELDS = {
    "dsr_description": "description",
    "dsr_service": "service",
    "dsr_logistics": "logistics",
}

_PUNCT = re.compile(r"[\s_\-:：（）()·.]+")


def normalise(header: str) -> str:
    """'评价内容：' / ' Review_Text ' / 'Review-text' all compare equal."""
    return _PUNCT.sub("", header.replace("\ufeff", "")).casefold()


_LOOKUP: dict[str, str] = {}
for _field, _names in ALIASES.items():
    for _name in _names:
        _LOOKUP.setdefault(normalise(_name), _field)


@dataclass
class HeaderMap:
    columns: dict[int, str]  # column index -> field
    names: dict[str, str]  # field -> header as written in the file (for error reports)
    unknown: list[str]
    duplicates: list[str]

    def has(self, field: str) -> bool:
        return field in self.names


def accepted_names(field: str) -> str:
    return ", ".join(ALIASES[field])


def map_headers(headers: list[str]) -> HeaderMap:
    columns: dict[int, str] = {}
    names: dict[str, str] = {}
    unknown: list[str] = []
    duplicates: list[str] = []
    for index, raw in enumerate(headers):
        header = (raw or "").strip() if isinstance(raw, str) else str(raw or "").strip()
        if not header:
            continue
        field = _LOOKUP.get(normalise(header))
        if field is None:
            unknown.append(header)
        elif field in names:
            duplicates.append(header)  # the first column of a field wins
        else:
            columns[index] = field
            names[field] = header
    return HeaderMap(columns, names, unknown, duplicates)


def unknown_header_message(header: str) -> str:
    """Names the column and every accepted name, so the user can rename it."""
    accepted = "; ".join(f"{field}: {accepted_names(field)}" for field in ALIASES)
    return _(
        "Column “%(header)s” is not recognised and was ignored. Accepted columns — %(accepted)s"
    ) % {
        "header": header,
        "accepted": accepted,
    }
