"""The import's writes: a batch per file or webhook call, rows in chunks of ~1000, each chunk
in one transaction with bulk queries (bulk_create ≈ 18k rows/s vs save() ≈ 2k on this kind of
machine — DESIGN.md's field notes)."""

import logging
import queue
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, reset_queries, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import classifier, erasure
from ..models import (
    CLASSIFICATION_FIELDS,
    Buyer,
    EventKind,
    ImportBatch,
    ImportRowError,
    ImportSource,
    ImportStatus,
    KeyKind,
    Membership,
    Platform,
    PositiveReview,
    Rating,
    Review,
    ReviewEvent,
    Shop,
    Source,
    Status,
)
from . import copy, handoff, values
from .headers import REQUIRED, HeaderMap, accepted_names, map_headers, unknown_header_message
from .readers import DamagedFile, Sheet, UnreadableFile, open_sheet
from .records import Record, Rejection, build_record, record_from_cells

logger = logging.getLogger(__name__)

CHUNK = 1000
# A chunk whose reviews a concurrent writer (a webhook, another import) stored or changed
# between its read and its write is read and written again, up to this many times.
RACE_ATTEMPTS = 4
# From this many rows on, parsing/classifying and writing overlap in two threads.
PIPELINE_MIN_ROWS = 5000

# Outcomes of one record (the webhook returns them per item).
CREATED, UPDATED, UNCHANGED, POSITIVE, REVISED, REJECTED, SKIPPED = (
    "created",
    "updated",
    "unchanged",
    "positive",
    "revised",
    "rejected",
    "skipped",
)
# Every outcome, in the order the webhook's counts list them (reviews/openapi.py documents them).
OUTCOMES = (CREATED, UPDATED, UNCHANGED, POSITIVE, REVISED, REJECTED, SKIPPED)
# Why a record was skipped (the webhook's machine-readable `reason`).
ERASED = "erased"

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
class ItemResult:
    index: int
    status: str
    key: str = ""
    review_id: int | None = None
    errors: list[dict] = field(default_factory=list)
    reason: str = ""  # skipped: why, for machines (ERASED)
    detail: str = ""  # skipped: why, in words

    def as_json(self) -> dict:
        out = {"index": self.index, "status": self.status}
        if self.key:
            out["key"] = self.key
        if self.review_id:
            out["review_id"] = self.review_id
        if self.errors:
            out["errors"] = self.errors
        if self.reason:
            out["reason"] = self.reason
            out["detail"] = self.detail
        return out


# --- entry points -------------------------------------------------------------------------


def inspect_file(path: str | Path) -> tuple[Sheet, HeaderMap]:
    """Open the file and map its header; `UnreadableFile` with one clear message when it cannot
    be imported at all. The caller closes `sheet`."""
    sheet = open_sheet(path)
    header = map_headers(sheet.header)
    missing = [name for name in REQUIRED if not header.has(name)]
    has_key = header.has("review_id") or header.has("order_id")
    if missing or not has_key:
        sheet.close()
        if missing:
            name = missing[0]
            raise UnreadableFile(
                _(
                    "No column for “%(field)s” was found (accepted names: %(names)s). Columns found: %(found)s."
                )
                % {
                    "field": name,
                    "names": accepted_names(name),
                    "found": ", ".join(sheet.header)[:500],
                }
            )
        raise UnreadableFile(
            _(
                "No column identifies the reviews: a review id (%(ids)s) or an order id (%(orders)s) is needed."
            )
            % {"ids": accepted_names("review_id"), "orders": accepted_names("order_id")}
        )
    return sheet, header


def batch_create(
    *,
    shop: Shop,
    source: str,
    platform: str = "",
    filename: str = "",
    path: str = "",
    user=None,
) -> ImportBatch:
    return ImportBatch.objects.create(
        shop=shop,
        source=source,
        platform=platform or shop.platform,
        filename=filename[:255],
        path=path,
        created_by=user,
    )


def batch_enqueue(*, batch: ImportBatch) -> None:
    """Run the batch in a worker once the batch row is committed (the sweep re-enqueues
    batches still pending a minute later, e.g. when the broker was down)."""
    transaction.on_commit(lambda: handoff.enqueue_import(batch.pk))


def batch_file_path(batch: ImportBatch) -> Path:
    path = Path(batch.path)
    return path if path.is_absolute() else Path(settings.MEDIA_ROOT) / path


def import_batch_run(*, batch_id: int) -> ImportBatch | None:
    """Import a file batch, or resume one whose worker died (handoff.handoff_sweep re-queues
    it). The run holds the batch's lease (handoff.run_lease) while it works, and claims the
    batch by a conditional update, so a redelivered task is a no-op."""
    with handoff.run_lease(batch_id) as leased:
        if not leased:
            return None  # another worker is running it right now
        return _run(batch_id)


def _run(batch_id: int) -> ImportBatch | None:
    run = timezone.now()  # this run's token: a newer run's claim fences this one out
    claimed = ImportBatch.objects.filter(id=batch_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, started_at=run
    )
    if claimed != 1:
        return None
    batch = ImportBatch.objects.select_related("shop").get(id=batch_id)
    try:
        sheet, header = inspect_file(batch_file_path(batch))
    except UnreadableFile as exc:
        _finish(batch, ImportStatus.FAILED, str(exc), run=run)
        return batch
    try:
        ImportBatch.objects.filter(id=batch.id).update(total_rows=sheet.estimated_rows)
        writer = _Writer(batch, run=run)
        tz = batch.shop.tz
        month_first = batch.platform == Platform.EBAY
        parsed = (
            record_from_cells(number, cells, header, tz, month_first=month_first)
            for number, cells in sheet.rows
        )
        parsed = writer.skip_done(p for p in parsed if p is not None)
        chunks = _chunks(parsed, CHUNK)
        if sheet.estimated_rows >= PIPELINE_MIN_ROWS:
            _write_pipelined(chunks, writer)
        else:
            for chunk in chunks:
                writer.write(chunk)
                # With DEBUG on, Django keeps every query's SQL (a 1,000-row insert is ~1 MB
                # of text): forget them per chunk so memory stays bounded.
                reset_queries()
    except LeaseLost:
        logger.warning("import batch %s is run by a newer run; this one stops", batch.id)
        return None
    except DamagedFile as exc:
        # Damage found part way (an XLSX's XML): the rows before it are stored and counted;
        # the batch fails saying where and why, not with a stack trace.
        _finish(batch, ImportStatus.FAILED, str(exc), run=run)
        return batch
    except Exception as exc:
        logger.exception("import batch %s failed", batch.id)
        _finish(
            batch,
            ImportStatus.FAILED,
            _("The import stopped: %(error)s") % {"error": exc},
            run=run,
        )
        raise
    finally:
        sheet.close()
    notes = [unknown_header_message(name) for name in header.unknown]
    notes += [
        _("Column “%(header)s” repeats another column and was ignored.") % {"header": name}
        for name in header.duplicates
    ]
    _finish(batch, ImportStatus.DONE, "\n".join(notes), key_kinds=writer.key_kinds, run=run)
    return batch


def items_import(*, shop: Shop, items: list, user=None) -> tuple[ImportBatch, list[ItemResult]]:
    """The webhook's JSON items (generic field names), as one batch; results per item. One
    transaction: a call cut off half-way (the database connection lost) leaves nothing, not
    even a batch stuck "running", and the sender's retry starts clean."""
    with transaction.atomic():
        return _items_import(shop=shop, items=items, user=user)


def _items_import(*, shop: Shop, items: list, user) -> tuple[ImportBatch, list[ItemResult]]:
    batch = batch_create(shop=shop, source=ImportSource.WEBHOOK, user=user)
    ImportBatch.objects.filter(id=batch.id).update(
        status=ImportStatus.RUNNING, started_at=timezone.now(), total_rows=len(items)
    )
    parsed: list[Record | Rejection] = []
    tz = shop.tz
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            parsed.append(
                Rejection(index, [("", _("An item must be a JSON object."))], str(item)[:480])
            )
            continue
        names = {name: name for name in item}
        parsed.append(build_record(index, item, names, tz, raw=str(item)[:480]))
    writer = _Writer(batch)
    results = writer.write(parsed)
    _finish(batch, ImportStatus.DONE, "", key_kinds=writer.key_kinds)
    return batch, results


def batch_summary(batch: ImportBatch) -> str:
    """What the command prints and the batch page shows in words."""
    lines = [
        _("Batch #%(id)s (%(shop)s, %(name)s): %(status)s")
        % {
            "id": batch.pk,
            "shop": batch.shop.slug,
            "name": batch.filename or batch.get_source_display(),
            "status": batch.get_status_display(),
        },
        _(
            "rows %(rows)s · created %(created)s · updated %(updated)s · unchanged %(unchanged)s · positive counted %(positive)s · revised %(revised)s · rejected %(rejected)s"
        )
        % {
            "rows": batch.processed_rows,
            "created": batch.created,
            "updated": batch.updated,
            "unchanged": batch.unchanged,
            "positive": batch.positive,
            "revised": batch.revised,
            "rejected": batch.rejected,
        },
    ]
    if batch.skipped:
        lines.append(
            _("skipped %(skipped)s: buyers whose personal data was erased at their request")
            % {"skipped": batch.skipped}
        )
    if batch.key_kind:
        lines.append(_("Review key: %(kind)s") % {"kind": batch.get_key_kind_display()})
    if batch.message:
        lines.append(batch.message)
    return "\n".join(lines)


# --- internals ----------------------------------------------------------------------------


def _write_pipelined(chunks: Iterator[list], writer: "_Writer") -> None:
    """Big files in two stages: this thread parses, reads and classifies chunk N+1 while a
    second thread writes chunk N. The writer mostly waits on PostgreSQL (deferred foreign-key
    checks at commit, COPY), and psycopg2 releases the GIL meanwhile, so classification — the
    CPU-heavy part — overlaps those waits. Each thread has its own database connection; at
    most two prepared chunks wait in the queue, so memory stays bounded.

    A review inserted by someone else (a webhook) between a chunk's read and its write makes
    that chunk's insert fail on the unique key; the writer then reads and writes that chunk
    again (_Writer.write_prepared), as the sequential path does."""
    pending: queue.Queue = queue.Queue(maxsize=2)
    failure: list[BaseException] = []

    def write_stage() -> None:
        try:
            while True:
                plan = pending.get()
                try:
                    if plan is None:
                        return
                    if not failure:
                        writer.write_prepared(plan)
                        reset_queries()
                except BaseException as exc:
                    failure.append(exc)  # the rest is drained unwritten; the batch fails
                finally:
                    pending.task_done()
        finally:
            connection.close()

    thread = threading.Thread(target=write_stage, name="import-writer", daemon=True)
    thread.start()
    # Keys of the chunks that may not be written yet (two queued + one being written): a
    # review repeated within that distance must see the earlier row stored, as it would in
    # the sequential path, so the reader waits for the writer to catch up (rare).
    unwritten: deque[set] = deque(maxlen=3)
    try:
        for chunk in chunks:
            if failure:
                break
            keys = {r.key for r in chunk if isinstance(r, Record)}
            if any(keys & earlier for earlier in unwritten):
                pending.join()
                unwritten.clear()
            pending.put(writer.prepare(chunk))
            unwritten.append(keys)
            reset_queries()
    finally:
        pending.put(None)
        thread.join()
    if failure:
        raise failure[0]


def _chunks(iterable: Iterable, size: int) -> Iterator[list]:
    iterator = iter(iterable)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _finish(
    batch: ImportBatch,
    status: str,
    message: str,
    key_kinds: Counter | None = None,
    run: datetime | None = None,
) -> None:
    fields = {"status": status, "finished_at": timezone.now(), "message": message[:10000]}
    if key_kinds:
        main_kind = key_kinds.most_common(1)[0][0]
        fields["key_kind"] = main_kind
        if len(key_kinds) > 1:
            mix = ", ".join(f"{KeyKind(kind).label} ×{n}" for kind, n in key_kinds.most_common())
            note = _("Review keys used: %(mix)s") % {"mix": mix}
            fields["message"] = "\n".join(filter(None, [note, fields["message"]]))
    if status == ImportStatus.DONE:
        fields["total_rows"] = F("processed_rows")
    batches = ImportBatch.objects.filter(id=batch.id)
    if run is not None:  # only the run that holds the batch finishes it
        batches = batches.filter(status=ImportStatus.RUNNING, started_at=run)
    batches.update(**fields)
    batch.refresh_from_db()


def _classify(review: Review, shop: Shop, now: datetime, aliases: tuple[str, ...] = ()) -> None:
    """Classify the review's words (with its 追评) and store the result on it."""
    result = classifier.classify(
        review.words,
        amount=review.amount,
        high_value_threshold=shop.high_value_threshold,
        shop_id=shop.id,
    )
    review.set_classification(result, now=now, aliases=aliases)


def _event_row(now: datetime, *, review: Review, kind: str, message: str, data: dict) -> tuple:
    """A timeline event as a row for copy.insert_values (review_id, kind, message, data, at)."""
    return (review.pk, kind, message[:500], data, now)


def _jsonable(value) -> object:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value[:200] if isinstance(value, str) else value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@dataclass
class _Plan:
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


class LeaseLost(Exception):
    """A newer run of the batch took it over (this run's worker was taken for dead)."""


class _Race(Exception):
    """A review this chunk changes was changed by someone else since the chunk read it."""


def _is_race(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError | _Race):
        return True
    return getattr(exc.__cause__, "pgcode", None) == "40P01"  # deadlock_detected


class _Writer:
    """Writes chunks of records for one batch; each chunk is one transaction."""

    def __init__(self, batch: ImportBatch, run: datetime | None = None) -> None:
        self.batch = batch
        self.shop = batch.shop
        self.source = Source.WEBHOOK if batch.source == ImportSource.WEBHOOK else Source.IMPORT
        self.key_kinds: Counter = Counter()
        # A file run's token and the rows its batch holds: each chunk checks both under the
        # batch row's lock before it writes (see _hold).
        self.run = run
        self.done = batch.processed_rows
        self.aliases = Membership.objects.aliases(self.shop.pk)

    def skip_done(self, parsed: Iterator) -> Iterator:
        """Resuming: pass over the rows the batch's committed chunks already hold. They are a
        prefix of the file — chunks commit in order, each with its counts — so the counts and
        errors stored so far stay right and no row is written twice."""
        for _done in range(self.done):
            item = next(parsed, None)
            if item is None:
                break
            if isinstance(item, Record):
                self.key_kinds[item.key_kind] += 1
        return parsed

    def write(self, parsed: list[Record | Rejection]) -> list[ItemResult]:
        return self.write_prepared(self.prepare(parsed))

    def write_prepared(self, plan: _Plan) -> list[ItemResult]:
        """Write a prepared chunk in one transaction. When a concurrent writer (the same
        webhook delivered twice, a webhook during a file import) stored or changed one of its
        reviews after the chunk read them, the unique key refuses the insert (or _hold sees the
        change): the chunk is decided again and written again, so those rows count as unchanged
        or updated instead of failing the batch or doubling a change."""
        for attempt in range(1, RACE_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    results = self.apply(plan)
            except (DatabaseError, _Race) as exc:
                if attempt == RACE_ATTEMPTS or not _is_race(exc):
                    raise
                logger.info("batch %s: a concurrent write, chunk retried (%s)", self.batch.pk, exc)
                plan = self.prepare(plan.parsed)
                continue
            self.done += len(results)
            self.key_kinds.update(plan.key_kinds)
            return results
        raise AssertionError("unreachable")

    def _hold(self, plan: _Plan) -> None:
        """Inside the chunk's transaction, before its writes: lock the batch row and check
        this run still holds the batch at the row count it expects (a run taken for dead and
        replaced must not write on), and lock the reviews the chunk changes, checking nobody
        changed them since they were read."""
        if self.run is not None:
            held = ImportBatch.objects.select_for_update().filter(
                id=self.batch.id,
                status=ImportStatus.RUNNING,
                started_at=self.run,
                processed_rows=self.done,
            )
            if not list(held.values_list("id", flat=True)):
                raise LeaseLost(self.batch.pk)
        seen = {
            review.pk: (review.updated_at, review.version)
            for _rec, review, _diff in plan.changed + plan.revised
        }
        if seen:
            rows = (
                Review.objects.select_for_update()
                .filter(id__in=list(seen))
                .order_by("id")
                .values_list("id", "updated_at", "version")
            )
            if {pk: (updated, version) for pk, updated, version in rows} != seen:
                raise _Race()

    def prepare(self, parsed: list[Record | Rejection]) -> _Plan:
        """Decide what each record does and classify what needs it (reads only)."""
        shop, now = self.shop, timezone.now()
        plan = _Plan(now=now, parsed=parsed)
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
                        batch=self.batch,
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
        existing = {
            r.external_key: r for r in Review.objects.filter(shop=shop, external_key__in=keys)
        }
        erased = erasure.erased_nicks(shop.pk, {r.buyer_nick for r in records.values()})
        erased_buyers = self._erased_buyers(existing.values())
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
            self._skip(plan, record.number, detail)
            for number, result in list(plan.results.items()):
                if result.key == key and result.status == UNCHANGED:
                    self._skip(plan, number, detail)  # the same review earlier in the chunk
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
                    plan.revised.append((record, review, self._diff(record, review)))
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
                review = self._new_review(record)
                _classify(review, shop, now, self.aliases)
                plan.new_reviews.append((record, review))
                continue
            diff = self._diff(record, review)
            if not diff:
                plan.results[record.number] = ItemResult(record.number, UNCHANGED, key, review.pk)
                continue
            for name, (_old, new) in diff.items():
                setattr(review, name, new)
            if RECLASSIFY_ON & diff.keys():
                _classify(review, shop, now, self.aliases)
            plan.changed.append((record, review, diff))
        return plan

    def _skip(self, plan: _Plan, number: int, detail: str) -> None:
        """Skip a row of an erased buyer: reported by its number and why, and nothing else of
        it — no key (it may hold the nick), no raw text — in the results and the report."""
        plan.results[number] = ItemResult(number, SKIPPED, reason=ERASED, detail=detail)
        plan.errors.append(ImportRowError(batch=self.batch, row=number, reason=detail[:300]))

    @staticmethod
    def _erased_buyers(reviews: Iterable[Review]) -> set[int]:
        """Of these stored reviews' buyers, the erased ones (one query, when there are any)."""
        ids = {r.buyer_id for r in reviews if r.buyer_id}
        if not ids:
            return set()
        rows = Buyer.objects.filter(pk__in=ids, nick__startswith="erased-")
        return {pk for pk, nick in rows.values_list("pk", "nick") if nick == f"erased-{pk}"}

    def apply(self, plan: _Plan) -> list[ItemResult]:
        """Write a prepared chunk: call inside a transaction."""
        self._hold(plan)
        shop, now, results = self.shop, plan.now, plan.results
        buyers, do_not_contact = self._buyers(
            [rec for rec, _rev in plan.new_reviews]
            + [rec for rec, _rev, _d in plan.changed]
            + [rec for rec, _rev, _d in plan.revised],
            erased=plan.erased,
        )

        # New neutral/negative reviews: classified, stored, on their timeline, handed off.
        for record, review in plan.new_reviews:
            review.buyer_id = buyers.get(record.buyer_nick)
            review.handoff_pending_at = now
        created = copy.insert(Review, [rev for _rec, rev in plan.new_reviews])
        events = [
            _event_row(
                now,
                review=review,
                kind=EventKind.IMPORTED,
                message=_("Imported (batch #%(id)s)") % {"id": self.batch.pk},
                data={
                    "batch": self.batch.pk,
                    "classification": {
                        "cause": review.cause,
                        "subcause": review.subcause,
                        "severity": review.severity,
                        "confidence": round(review.confidence, 3),
                        "model_version": review.model_version,
                    },
                },
            )
            for review in created
        ]
        for (record, _r), review in zip(plan.new_reviews, created, strict=True):
            results[record.number] = ItemResult(record.number, CREATED, record.key, review.pk)
            erased_at = plan.erased.get(record.buyer_nick)
            if erased_at is not None and review.buyer_id in do_not_contact:
                # A newer review of a buyer erased on request: say on its page why nobody
                # may contact them (the planner then plans nothing).
                day = erased_at.astimezone(shop.tz).date().isoformat()
                events.append(
                    _event_row(
                        now,
                        review=review,
                        kind=EventKind.NOTE,
                        message=str(erasure.ERASED_NOTE % {"date": day}),
                        data={"buyer_erased_on": day},  # the page says it in the reader's words
                    )
                )

        # Changed: updated (prepare applied the diff and re-classified when the words
        # changed), with what changed on the timeline.
        update_fields = set()
        to_update = []
        for record, review, diff in plan.changed:
            update_fields.update(diff)
            if RECLASSIFY_ON & diff.keys():
                update_fields.update(CLASSIFICATION_FIELDS)
            if record.buyer_nick and review.buyer_id is None:
                review.buyer_id = buyers.get(record.buyer_nick)
                update_fields.add("buyer")
            review.handoff_pending_at = now
            review.updated_at = now
            to_update.append(review)
            events.append(
                _event_row(
                    now,
                    review=review,
                    kind=EventKind.UPDATED,
                    message=_("Changed: %(fields)s") % {"fields": ", ".join(sorted(diff))},
                    data={
                        "batch": self.batch.pk,
                        "changes": {k: [_jsonable(o), _jsonable(n)] for k, (o, n) in diff.items()},
                    },
                )
            )
            results[record.number] = ItemResult(record.number, UPDATED, record.key, review.pk)

        # Came back positive: the best outcome there is (DESIGN.md, "The life of a review").
        for record, review, diff in plan.revised:
            for name, (_old, new) in diff.items():
                setattr(review, name, new)
            update_fields.update(diff)
            update_fields.update({"status", "status_changed_at", "version"})
            old_status = review.status
            review.status = Status.REVISED
            review.status_changed_at = now
            review.version += 1
            review.handoff_pending_at = None
            review.updated_at = now
            to_update.append(review)
            events.append(
                _event_row(
                    now,
                    review=review,
                    kind=EventKind.STATUS,
                    message=_("Revised to positive by the buyer (seen in batch #%(id)s)")
                    % {"id": self.batch.pk},
                    data={
                        "batch": self.batch.pk,
                        "from": old_status,
                        "to": Status.REVISED,
                        "changes": {k: [_jsonable(o), _jsonable(n)] for k, (o, n) in diff.items()},
                    },
                )
            )
            results[record.number] = ItemResult(record.number, REVISED, record.key, review.pk)
        if to_update:
            update_fields.update({"handoff_pending_at", "updated_at"})
            Review.objects.bulk_update(to_update, sorted(update_fields), batch_size=CHUNK)

        copy.insert_values(
            ReviewEvent, ["review_id", "kind", "message", "data", "created_at"], events
        )
        ImportRowError.objects.bulk_create(plan.errors, batch_size=CHUNK)
        copy.insert_values(
            PositiveReview,
            ["shop_id", "external_key", "day", "created_at"],
            plan.new_positive,
            ignore_conflicts=True,
        )
        if plan.drop_positive:
            PositiveReview.objects.filter(shop=shop, external_key__in=plan.drop_positive).delete()

        counts = Counter(r.status for r in results.values())
        ImportBatch.objects.filter(id=self.batch.id).update(
            processed_rows=F("processed_rows") + len(results),
            created=F("created") + counts[CREATED],
            updated=F("updated") + counts[UPDATED],
            unchanged=F("unchanged") + counts[UNCHANGED],
            positive=F("positive") + counts[POSITIVE],
            revised=F("revised") + counts[REVISED],
            rejected=F("rejected") + counts[REJECTED],
            skipped=F("skipped") + counts[SKIPPED],
            updated_at=now,
        )
        pending = [rev.pk for _rec, rev in plan.new_reviews]
        pending += [rev.pk for _rec, rev, _d in plan.changed]
        if pending:
            handoff.enqueue_on_commit(pending)
        return sorted(results.values(), key=lambda r: r.index)

    def _new_review(self, record: Record) -> Review:
        return Review(
            shop=self.shop,
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
            source=self.source,
        )

    @staticmethod
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
        return diff

    def _buyers(
        self, records: list[Record], erased: dict[str, datetime]
    ) -> tuple[dict[str, int], set[int]]:
        """Upsert the buyers of these records per shop by nick; nick -> id, and the ids of
        those of them not to be contacted. A buyer created for a nick in `erased` (a newer
        review of a buyer erased on request) starts as do-not-contact: the request stands."""
        wanted: dict[str, Record] = {r.buyer_nick: r for r in records if r.buyer_nick}
        if not wanted:
            return {}, set()
        shop = self.shop
        ids: dict[str, int] = {}
        do_not_contact: set[int] = set()
        stale = []
        for pk, nick, phone, tz, dnc in Buyer.objects.filter(
            shop=shop, nick__in=list(wanted)
        ).values_list("id", "nick", "phone", "timezone", "do_not_contact_at"):
            ids[nick] = pk
            if dnc is not None:
                do_not_contact.add(pk)
            record = wanted[nick]
            if (record.buyer_phone and record.buyer_phone != phone) or (
                record.buyer_timezone and record.buyer_timezone != tz
            ):
                stale.append(
                    Buyer(
                        id=pk,
                        phone=record.buyer_phone or phone,
                        timezone=record.buyer_timezone or tz,
                    )
                )
        now = timezone.now()
        missing = [
            (shop.pk, nick, r.buyer_phone, r.buyer_timezone, now, now if nick in erased else None)
            for nick, r in wanted.items()
            if nick not in ids
        ]
        if missing:
            # ignore_conflicts: a concurrent import may insert the same buyer.
            copy.insert_values(
                Buyer,
                ["shop_id", "nick", "phone", "timezone", "created_at", "do_not_contact_at"],
                missing,
                ignore_conflicts=True,
            )
            for nick, pk, dnc in Buyer.objects.filter(
                shop=shop, nick__in=[row[1] for row in missing]
            ).values_list("nick", "id", "do_not_contact_at"):
                ids[nick] = pk
                if dnc is not None:
                    do_not_contact.add(pk)
        if stale:
            Buyer.objects.bulk_update(stale, ["phone", "timezone"], batch_size=CHUNK)
        return ids, do_not_contact

