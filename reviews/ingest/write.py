"""Writing one decided chunk (a `plan.Plan`) in one transaction: the checks that this run
still holds its batch and that nobody changed the chunk's reviews since they were read (the
chunk is decided and written again when they did), the reviews by COPY and bulk updates, the
buyers upserted, the timeline events, the row errors, the positive-review counts, the
batch's counts, and the hand-off mark with its enqueue on commit.

A chunk is a transaction of bulk queries: bulk_create stores ≈ 18k rows/s where save() row by
row stores ≈ 2k on a small server, and COPY (`copy`) more still."""

import logging
from collections import Counter
from collections.abc import Iterator
from datetime import datetime

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .. import classifier, timeline
from ..models import (
    CLASSIFICATION_FIELDS,
    Buyer,
    ImportBatch,
    ImportRowError,
    ImportStatus,
    Membership,
    PositiveReview,
    Review,
    ReviewEvent,
    Status,
)
from . import copy, handoff
from .outcomes import CREATED, POSITIVE, REJECTED, REVISED, SKIPPED, UNCHANGED, UPDATED, ItemResult
from .plan import RECLASSIFY_ON, Plan, decide
from .records import Record, Rejection

logger = logging.getLogger(__name__)

# Rows per chunk: each chunk is read, decided and written as one transaction.
CHUNK = 1000
# After this many new reviews, a run checks once that PostgreSQL's statistics know the tables
# it fills are not empty (see Writer._check_stats).
STATS_AFTER = 2000
# A chunk whose reviews a concurrent writer (a webhook, another import) stored or changed
# between its read and its write is read and written again, up to this many times.
RACE_ATTEMPTS = 4


class LeaseLost(Exception):
    """A newer run of the batch took it over (this run's worker was taken for dead)."""


class _Race(Exception):
    """A review this chunk changes was changed by someone else since the chunk read it."""


def _is_race(exc: Exception) -> bool:
    if isinstance(exc, IntegrityError | _Race):
        return True
    return getattr(exc.__cause__, "pgcode", None) == "40P01"  # deadlock_detected


class Writer:
    """Writes chunks of records for one batch; each chunk is one transaction."""

    def __init__(self, batch: ImportBatch, run: datetime | None = None) -> None:
        self.batch = batch
        self.shop = batch.shop
        self.key_kinds: Counter = Counter()
        # A file run's token and the rows its batch holds: each chunk checks both under the
        # batch row's lock before it writes (see _hold).
        self.run = run
        self.done = batch.processed_rows
        self.aliases = Membership.objects.aliases(self.shop.pk)
        # The run's classifier: a text repeated across the file is classified once.
        self.classify = classifier.Memo().classify
        self.created = 0
        self.stats_checked = False

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

    def write_prepared(self, plan: Plan) -> list[ItemResult]:
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
            self.created += len(plan.new_reviews)
            if self.created >= STATS_AFTER and not self.stats_checked:
                self.stats_checked = True
                _check_stats(self.created)
            return results
        raise AssertionError("unreachable")

    def _hold(self, plan: Plan) -> None:
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

    def prepare(self, parsed: list[Record | Rejection]) -> Plan:
        """Decide the chunk: reads and classification only, before its write transaction.
        On PostgreSQL the new reviews and their "imported" events are turned into COPY text
        here too (ids drawn from the sequence): in a big import this runs in the reading
        thread, so the writing thread only sends it."""
        plan = decide(parsed, batch=self.batch, aliases=self.aliases, classify=self.classify)
        if plan.new_reviews and connection.vendor == "postgresql":
            reviews = [review for _rec, review in plan.new_reviews]
            for review in reviews:
                review.handoff_pending_at = plan.now
            plan.staged = copy.stage(Review, reviews, last="buyer_id")
            events = [
                timeline.imported(review, batch=self.batch.pk, source=review.source, commit=False)
                for review in reviews
            ]
            plan.imported_events = copy.lines(
                ReviewEvent, timeline.COPY_COLUMNS, timeline.copy_rows(events, at=plan.now)
            )
        return plan

    def apply(self, plan: Plan) -> list[ItemResult]:
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
        created = [rev for _rec, rev in plan.new_reviews]
        if plan.staged is not None:  # PostgreSQL: COPY text built by prepare()
            text = copy.finish(plan.staged, [review.buyer_id for review in created])
            copy.copy_text(Review, plan.staged.columns, text)
            for review in created:
                review._state.adding = False
                review._state.db = connection.alias
            events = []
        else:
            created = copy.insert(Review, created)
            events = [
                timeline.imported(review, batch=self.batch.pk, source=review.source, commit=False)
                for review in created
            ]
        for (record, _r), review in zip(plan.new_reviews, created, strict=True):
            results[record.number] = ItemResult(record.number, CREATED, record.key, review.pk)
            erased_at = plan.erased.get(record.buyer_nick)
            if erased_at is not None and review.buyer_id in do_not_contact:
                # A newer review of a buyer erased on request: say on its page why nobody
                # may contact them (the planner then plans nothing).
                day = erased_at.astimezone(shop.tz).date()
                events.append(timeline.buyer_erased(review, erased_on=day, commit=False))

        # Changed: updated (deciding applied the diff and re-classified when the words
        # changed), with what changed on the timeline.
        update_fields = set()
        to_update = []
        for record, review, diff in plan.changed:
            update_fields.update(diff)
            if "rating" in diff:
                # 差评 → 中评: the buyer used a change (some platforms allow only one).
                review.rating_changed_at = now
                update_fields.add("rating_changed_at")
            if RECLASSIFY_ON & diff.keys():
                update_fields.update(CLASSIFICATION_FIELDS)
            if record.buyer_nick and review.buyer_id is None:
                review.buyer_id = buyers.get(record.buyer_nick)
                update_fields.add("buyer")
            review.handoff_pending_at = now
            review.updated_at = now
            to_update.append(review)
            events.append(
                timeline.updated(
                    review,
                    batch=self.batch.pk,
                    changes=_changes(diff),
                    reclassified=bool(RECLASSIFY_ON & diff.keys()),
                    commit=False,
                )
            )
            results[record.number] = ItemResult(record.number, UPDATED, record.key, review.pk)

        # Came back positive (the buyer revised the review): the best outcome there is.
        # Everything still planned for it stops in this transaction (handoff.stop_revised,
        # below): a reminder must not reach a buyer who already revised. It is handed off too,
        # as any changed review is.
        for record, review, diff in plan.revised:
            for name, (_old, new) in diff.items():
                setattr(review, name, new)
            update_fields.update(diff)
            update_fields.update({"status", "status_changed_at", "version", "rating_changed_at"})
            old_status = review.status
            review.status = Status.REVISED
            review.status_changed_at = now
            review.rating_changed_at = now
            review.version += 1
            review.handoff_pending_at = now
            review.updated_at = now
            to_update.append(review)
            events.append(
                timeline.updated(review, batch=self.batch.pk, changes=_changes(diff), commit=False)
            )
            events.append(
                timeline.status_changed(
                    review, old=old_status, new=Status.REVISED, batch=self.batch.pk, commit=False
                )
            )
            results[record.number] = ItemResult(record.number, REVISED, record.key, review.pk)
        if to_update:
            update_fields.update({"handoff_pending_at", "updated_at"})
            Review.objects.bulk_update(to_update, sorted(update_fields), batch_size=CHUNK)

        if connection.vendor == "postgresql":
            text = plan.imported_events + copy.lines(
                ReviewEvent, timeline.COPY_COLUMNS, timeline.copy_rows(events, at=now)
            )
            copy.copy_text(ReviewEvent, timeline.COPY_COLUMNS, text)
        else:
            rows = timeline.copy_rows(events, at=now)
            copy.insert_values(ReviewEvent, timeline.COPY_COLUMNS, rows)
        handoff.stop_revised([rev.pk for _rec, rev, _d in plan.revised])
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
        pending += [rev.pk for _rec, rev, _d in plan.changed + plan.revised]
        if pending:
            handoff.enqueue_on_commit(pending)
        return sorted(results.values(), key=lambda r: r.index)

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
            # ignore_conflicts: a concurrent import may insert the same buyer; the rows it
            # inserted come back (PostgreSQL), the others are read.
            inserted = copy.insert_values(
                Buyer,
                ["shop_id", "nick", "phone", "timezone", "created_at", "do_not_contact_at"],
                missing,
                ignore_conflicts=True,
                returning=["nick", "id", "do_not_contact_at"],
            )
            for nick, pk, dnc in inserted or ():
                ids[nick] = pk
                if dnc is not None:
                    do_not_contact.add(pk)
            unread = [row[1] for row in missing if row[1] not in ids]
            if unread:
                for nick, pk, dnc in Buyer.objects.filter(shop=shop, nick__in=unread).values_list(
                    "nick", "id", "do_not_contact_at"
                ):
                    ids[nick] = pk
                    if dnc is not None:
                        do_not_contact.add(pk)
        if stale:
            Buyer.objects.bulk_update(stale, ["phone", "timezone"], batch_size=CHUNK)
        return ids, do_not_contact


def _check_stats(created: int) -> None:
    """The foreign-key checks of each chunk's commit (event -> review, review -> buyer) are
    queries planned once per connection from the tables' statistics. A table that was empty
    at its last ANALYZE (a new install, a first shop, the bench's emptied shop) is planned as
    a sequential scan, each check reading the whole table: the commits grew to seconds per
    chunk (100k rows at ~600 reviews/s). When the statistics still count fewer rows than this
    run created, ANALYZE them (tens of milliseconds at this size): the checks become index
    lookups from the next chunk on."""
    if connection.vendor != "postgresql":
        return
    tables = [Review._meta.db_table, Buyer._meta.db_table, ReviewEvent._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE oid = ANY(%s::regclass[]) AND reltuples < %s",
            [tables, created],
        )
        stale = [name for (name,) in cursor.fetchall()]
        for name in stale:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(name)}")
    if stale:
        logger.info("statistics of %s were behind the import: analyzed", ", ".join(stale))


def _changes(diff: dict[str, tuple]) -> dict[str, list]:
    """What an import changed, as the timeline keeps it: {field: [old, new]}."""
    return {name: [_jsonable(old), _jsonable(new)] for name, (old, new) in diff.items()}


def _jsonable(value) -> object:
    if value is None or isinstance(value, str | int | float | bool | dict | list):
        return value[:200] if isinstance(value, str) else value
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
