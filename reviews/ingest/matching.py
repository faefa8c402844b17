"""The same review under another key. A review's idempotency key is the platform's review id
when the input has one, else its order line (records.derive_key). Taobao's 千牛 export has no
review id (订单编号 + 商家编码 or 宝贝名称), TOP's rates have one (the child order, oid); a
webhook may send either. So a record whose key is not stored yet is matched to a stored
review of the same shop keyed the other way:

- a record with a review id: a review with that platform review id, or one without any whose
  order is the record's order (or the record's id: an export's 子订单编号 is the oid);
- a record without one: a review with a platform review id whose order, or id, is the
  record's order.

Several candidates are narrowed by the product (the product line's name) and then by the
review time; a match must be the only candidate left, else the record stays a review of its
own (a wrong merge would lose a review, a missed one shows twice). The review keeps its first
key; deciding records the platform review id on it, so later pulls find it by that."""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q

from ..models import Review, Shop
from .records import Record


def same_reviews(shop: Shop, records: Iterable[Record], taken: set[int]) -> dict[str, Review]:
    """record key -> the stored review it is, for records whose key no review has; `taken`
    holds the ids of reviews already matched by key (never matched twice)."""
    records = [r for r in records if r.order_id or r.review_id]
    if not records:
        return {}
    ids = {r.review_id for r in records if r.review_id}
    orders = {r.order_id for r in records if r.order_id}
    # An id may be an export's order (子订单编号), an order a pulled review's id.
    keys = ids | orders
    query = Q(platform_review_id__in=keys) | Q(order_id__in=keys)
    stored = Review.objects.filter(query, shop=shop).exclude(id__in=taken)
    by_id: dict[str, list[Review]] = defaultdict(list)
    by_order: dict[str, list[Review]] = defaultdict(list)
    for review in stored.select_related(None):
        if review.platform_review_id:
            by_id[review.platform_review_id].append(review)
        if review.order_id:
            by_order[review.order_id].append(review)
    found: dict[str, Review] = {}
    claimed = set(taken)
    for record in records:
        if record.review_id:
            keyed = by_id.get(record.review_id, [])
            candidates = keyed or [
                r
                for order in {record.order_id, record.review_id} - {""}
                for r in by_order.get(order, [])
                if not r.platform_review_id
            ]
        else:
            candidates = [
                r
                for r in by_order.get(record.order_id, []) + by_id.get(record.order_id, [])
                if r.platform_review_id
            ]
        review = _only(record, list({r.pk: r for r in candidates}.values()))
        if review is not None and review.pk not in claimed:
            claimed.add(review.pk)
            found[record.key] = review
    return found


def _only(record: Record, candidates: list[Review]) -> Review | None:
    if len(candidates) > 1 and record.product_name:
        candidates = [r for r in candidates if r.product_name == record.product_name]
    if len(candidates) > 1:
        candidates = [r for r in candidates if r.reviewed_at == record.reviewed_at]
    if len(candidates) == 1 and _compatible(record, candidates[0]):
        return candidates[0]
    return None


def _compatible(record: Record, review: Review) -> bool:
    """A single candidate of another product line is another review of the same order."""
    return not (
        record.product_name and review.product_name and record.product_name != review.product_name
    )
