"""Deciding one chunk of records, with reads only: which reviews exist, which rows an
erasure forbids, and for each record whether it creates, updates, revises, counts a positive
review or changes nothing; new and re-worded reviews are classified here, so the writing
transaction holds no CPU-heavy work. The result is a `Plan` that `write` stores."""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .. import classifier, erasure
from ..models import (
    Buyer,
    ImportBatch,
    ImportRowError,
    ImportSource,
    PositiveReview,
    Rating,
    Review,
    Shop,
    Source,
    Status,
)
from . import values
from .matching import same_reviews
from .outcomes import ERASED, POSITIVE, REJECTED, SKIPPED, UNCHANGED, ItemResult
from .records import Record, Rejection

# Compared on re-import; a field the incoming record leaves empty never wipes a stored value.
COMPARED = (
    "rating",
    "text",
    "followup_text",
    "followup_at",
    "amount",
    "product_name",
    "sku",
    "order_id",
    "courier",
    "tracking_no",
    "shipped_at",
    "delivered_at",
    "dsr",
)
RECLASSIFY_ON = {"rating", "text", "followup_text", "amount"}


@dataclass
class Plan:
    """One chunk, decided: what to create, update, mark revised, count — and the results."""

    now: datetime
    results: dict[int, ItemResult] = field(default_factory=dict)
    errors: list[ImportRowError] = field(default_factory=list)
    new_reviews: list[tuple[Record, Review]] = field(default_factory=list)
    changed: list[tuple[Record, Review, dict]] = field(default_factory=list)
    revised: list[tuple[Record, Review, dict]] = field(default_factory=list)
    new_positive: list[tuple] = field(default_factory=list)  # (shop_id, key, day, created_at)
    drop_positive: list[str] = field(default_factory=list)
    # Nicks of erased buyers seen in rows newer than the erasure -> when they were erased:
    # the buyer records those rows create start as do-not-contact.
    erased: dict[str, datetime] = field(default_factory=dict)
    parsed: list = field(default_factory=list)  # the chunk itself, to decide it again
    key_kinds: Counter = field(default_factory=Counter)
    # PostgreSQL: the new reviews' COPY lines (ids drawn, all but the buyer) and their
    # "imported" events' COPY text, built by Writer.prepare in the reading thread.
    staged: object = None
    imported_events: str = ""


def decide(
    parsed: list[Record | Rejection],
    *,
    batch: ImportBatch,
    aliases: tuple[str, ...],
    classify: Callable[..., classifier.Classification] = classifier.classify,
) -> Plan:
    """Decide what each record of the chunk does and classify what needs it (reads only).
    `aliases`: the names the shop's agents go by, to spot a review that names one;
    `classify`: classifier.classify, or a run's classifier.Memo (a text classified once)."""
    shop, now = batch.shop, timezone.now()
    source = {
        ImportSource.WEBHOOK: Source.WEBHOOK,
        ImportSource.CONNECTOR: Source.CONNECTOR,
    }.get(batch.source, Source.IMPORT)
    plan = Plan(now=now, parsed=parsed)
    records: dict[str, Record] = {}
    for item in parsed:
        if isinstance(item, Rejection):
            plan.results[item.number] = ItemResult(
                item.number,
                REJECTED,
                errors=[
                    {"field": values.storable(c), "reason": values.storable(r)}
                    for c, r in item.errors
                ],
            )
            plan.errors += [
                ImportRowError(
                    batch=batch,
                    row=item.number,
                    column=values.storable(c)[:100],
                    reason=values.storable(r)[:300],
                    raw=values.storable(item.raw)[:500],
                )
                for c, r in item.errors
            ]
            continue
        plan.key_kinds[item.key_kind] += 1
        earlier = records.pop(item.key, None)
        if earlier is not None:
            # The same review twice in one chunk: the later row wins, as it would across
            # chunks; the earlier one is accounted for as unchanged.
            plan.results[earlier.number] = ItemResult(earlier.number, UNCHANGED, earlier.key)
        records[item.key] = item

    keys = list(records)
    existing = {r.external_key: r for r in Review.objects.filter(shop=shop, external_key__in=keys)}
    unmatched = [record for key, record in records.items() if key not in existing]
    existing |= same_reviews(shop, unmatched, {r.pk for r in existing.values()})
    erased = erasure.erased_nicks(shop.pk, {r.buyer_nick for r in records.values()})
    erased_buyers = _erased_buyers(existing.values())
    for key, record in list(records.items()):
        erased_at = erased.get(record.buyer_nick)
        review = existing.get(key)
        if erased_at is not None and record.reviewed_at <= erased_at:
            day = erased_at.astimezone(shop.tz).date().isoformat()
            detail = _(
                "This buyer's personal data was erased at their request on %(date)s; this row was not imported."
            ) % {"date": day}
        elif review is not None and review.buyer_id in erased_buyers:
            # A row without the nick (or with another) for a review of an erased buyer:
            # storing it would put back the details the erasure took out of its text.
            detail = _(
                "This review's buyer had their personal data erased at their request; this row was not imported."
            )
        else:
            if erased_at is not None:
                plan.erased[record.buyer_nick] = erased_at
            continue
        del records[key]
        _skip(plan, batch, record.number, detail)
        for number, result in list(plan.results.items()):
            if result.key == key and result.status == UNCHANGED:
                _skip(plan, batch, number, detail)  # the same review earlier in the chunk
    keys = list(records)
    positive_keys = set(
        PositiveReview.objects.filter(shop=shop, external_key__in=keys).values_list(
            "external_key", flat=True
        )
    )
    for key, record in records.items():
        review = existing.get(key)
        if record.rating == Rating.POSITIVE:
            if key not in positive_keys:
                plan.new_positive.append(
                    (shop.pk, key, record.reviewed_at.astimezone(shop.tz).date(), now)
                )
            if review is not None and review.rating != Rating.POSITIVE:
                plan.revised.append((record, review, _diff(record, review)))
            elif review is None and key not in positive_keys:
                plan.results[record.number] = ItemResult(record.number, POSITIVE, key)
            else:
                plan.results[record.number] = ItemResult(
                    record.number, UNCHANGED, key, getattr(review, "pk", None)
                )
            continue
        if review is None:
            if key in positive_keys:
                plan.drop_positive.append(key)  # a positive review turned negative (rare)
            review = _new_review(record, shop, source)
            _classify(review, shop, now, aliases, classify)
            plan.new_reviews.append((record, review))
            continue
        diff = _diff(record, review)
        if not diff:
            plan.results[record.number] = ItemResult(record.number, UNCHANGED, key, review.pk)
            continue
        for name, (_old, new) in diff.items():
            setattr(review, name, new)
        if RECLASSIFY_ON & diff.keys():
            _classify(review, shop, now, aliases, classify)
        plan.changed.append((record, review, diff))
    return plan


def _skip(plan: Plan, batch: ImportBatch, number: int, detail: str) -> None:
    """Skip a row of an erased buyer: reported by its number and why, and nothing else of
    it — no key (it may hold the nick), no raw text — in the results and the report."""
    plan.results[number] = ItemResult(number, SKIPPED, reason=ERASED, detail=detail)
    plan.errors.append(ImportRowError(batch=batch, row=number, reason=detail[:300]))


def _erased_buyers(reviews: Iterable[Review]) -> set[int]:
    """Of these stored reviews' buyers, the erased ones (one query, when there are any)."""
    ids = {r.buyer_id for r in reviews if r.buyer_id}
    if not ids:
        return set()
    rows = Buyer.objects.filter(pk__in=ids, nick__startswith="erased-")
    return {pk for pk, nick in rows.values_list("pk", "nick") if nick == f"erased-{pk}"}


def _new_review(record: Record, shop: Shop, source: str) -> Review:
    return Review(
        shop=shop,
        external_key=record.key,
        key_kind=record.key_kind,
        platform_review_id=record.review_id,
        order_id=record.order_id,
        product_name=record.product_name,
        sku=record.sku,
        amount=record.amount,
        rating=record.rating,
        text=record.text,
        followup_text=record.followup_text,
        reviewed_at=record.reviewed_at,
        followup_at=record.followup_at,
        courier=record.courier,
        tracking_no=record.tracking_no,
        shipped_at=record.shipped_at,
        delivered_at=record.delivered_at,
        dsr=record.dsr,
        source=source,
    )


def _diff(record: Record, review: Review) -> dict[str, tuple]:
    diff = {}
    for name in COMPARED:
        new = getattr(record, name)
        if new in (None, "", {}):
            continue
        if name == "rating" and review.status == Status.REVISED:
            continue  # an older export re-imported must not undo a revision
        old = getattr(review, name)
        if old != new:
            diff[name] = (old, new)
    if record.review_id and not review.platform_review_id:
        # Matched under another key (matching.py): the platform's id, found from now on.
        diff["platform_review_id"] = ("", record.review_id)
    return diff


def _classify(
    review: Review,
    shop: Shop,
    now: datetime,
    aliases: tuple[str, ...] = (),
    classify: Callable[..., classifier.Classification] = classifier.classify,
) -> None:
    """Classify the review's words (with its 追评) and store the result on it."""
    result = classify(
        review.words,
        amount=review.amount,
        high_value_threshold=shop.high_value_threshold,
        shop_id=shop.id,
    )
    review.set_classification(result, now=now, aliases=aliases)
