"""An import batch's life: created for an uploaded file or a command-line file and enqueued
to a worker, or created and written at once for the webhook's items; a file run claims its
batch, holds its run lease, resumes after the chunks already committed, cuts the rows into
chunks that `write.Writer` decides and writes (two threads for big files, `pipeline`), and
finishes the batch with its notes; `batch_summary` puts a batch in words. Beat's sweep
(`batches_requeue_stalled`) queues again the uploads whose task was lost and the runs whose
worker died, told by the run lease."""

import logging
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection, reset_queries, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import ImportBatch, ImportSource, ImportStatus, KeyKind, Platform, Shop
from . import handoff, write
from .headers import REQUIRED, HeaderMap, accepted_names, map_headers, unknown_header_message
from .outcomes import ItemResult
from .pipeline import write_pipelined
from .readers import DamagedFile, Sheet, UnreadableFile, open_sheet
from .records import Record, Rejection, build_record, record_from_cells
from .write import LeaseLost, Writer

logger = logging.getLogger(__name__)

# The import task's registered name: it is sent by name (reviews.tasks registers it under
# this name), so this module never imports the tasks that adapt it.
IMPORT_TASK = "reviews.tasks.import_batch_task"
# From this many rows on, parsing/classifying and writing overlap in two threads.
PIPELINE_MIN_ROWS = 5000
# A batch still pending this long after its upload lost its task (the broker was down).
REQUEUE_AFTER = timedelta(minutes=1)
# A running import holds a PostgreSQL advisory lock (IMPORT_LEASE, batch id) on its worker's
# connection: when the worker dies, even by SIGKILL, PostgreSQL drops the connection and the
# lock with it, so the sweep knows at once that a "running" batch has no worker and re-queues
# it; the next run resumes after the rows already committed (import_batch_run).
# Uploads are stored under MEDIA_ROOT/imports/<shop>/ (relative paths in ImportBatch.path).
UPLOADS_DIR = "imports"
IMPORT_LEASE = 0x52440001  # "RD" 1: the advisory lock namespace of import runs
# Without PostgreSQL (the SQLite first look) there are no such locks: a batch still "running"
# this long after its last progress lost its worker (the task time limit is 30 minutes).
STUCK_AFTER = timedelta(minutes=35)


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
    transaction.on_commit(lambda: enqueue_import(batch.pk))


def enqueue_import(batch_id: int) -> None:
    """Send the batch's run to a worker now; with the broker down, nothing is sent (the sweep
    re-enqueues the still pending batch)."""
    handoff.send(IMPORT_TASK, (batch_id,))


def batch_file_path(batch: ImportBatch) -> Path:
    path = Path(batch.path)
    return path if path.is_absolute() else Path(settings.MEDIA_ROOT) / path


def _remove_upload(batch: ImportBatch) -> None:
    """An uploaded file holds buyers' names, phones and addresses: kept only while its batch
    may still run. A command-line file (an absolute path) is the operator's own and stays."""
    if batch.path and not Path(batch.path).is_absolute():
        batch_file_path(batch).unlink(missing_ok=True)


def uploads_remove_stale(*, now: datetime | None = None) -> int:
    """Beat's daily job: remove uploaded files older than IMPORT_UPLOAD_RETENTION_DAYS that a
    failed or abandoned import left behind (a finished batch removes its own at once). A batch
    still waiting or running on such a file lost its worker days ago: it is marked failed so
    the sweep stops re-queueing it. Returns how many files were removed."""
    now = now or timezone.now()
    days = settings.IMPORT_UPLOAD_RETENTION_DAYS
    cutoff = (now - timedelta(days=days)).timestamp()
    root = Path(settings.MEDIA_ROOT)
    removed = 0
    for path in (root / UPLOADS_DIR).rglob("*"):
        try:
            if not path.is_file() or path.stat().st_mtime >= cutoff:
                continue
        except OSError:
            continue  # removed meanwhile
        ImportBatch.objects.filter(
            path=str(path.relative_to(root)),
            status__in=[ImportStatus.PENDING, ImportStatus.RUNNING],
        ).update(
            status=ImportStatus.FAILED,
            finished_at=now,
            message=_(
                "The uploaded file was removed after %(days)s days without the import "
                "finishing; upload it again."
            )
            % {"days": days},
        )
        path.unlink(missing_ok=True)
        removed += 1
    return removed


def import_batch_run(*, batch_id: int) -> ImportBatch | None:
    """Import a file batch, or resume one whose worker died (batches_requeue_stalled re-queues
    it). The run holds the batch's lease (run_lease) while it works, and claims the batch by a
    conditional update, so a redelivered task is a no-op."""
    with run_lease(batch_id) as leased:
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
        writer = Writer(batch, run=run)
        tz = batch.shop.tz
        month_first = batch.platform == Platform.EBAY
        parsed = (
            record_from_cells(number, cells, header, tz, month_first=month_first)
            for number, cells in sheet.rows
        )
        parsed = writer.skip_done(p for p in parsed if p is not None)
        chunks = _chunks(parsed, write.CHUNK)
        if sheet.estimated_rows >= PIPELINE_MIN_ROWS:
            write_pipelined(chunks, writer)
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


def items_import(
    *, shop: Shop, items: list, user=None, source: str = ImportSource.WEBHOOK
) -> tuple[ImportBatch, list[ItemResult]]:
    """The webhook's JSON items (generic field names), as one batch; results per item. One
    transaction: a call cut off half-way (the database connection lost) leaves nothing, not
    even a batch stuck "running", and the sender's retry starts clean. A platform connector
    stores each page it pulls the same way (`source` CONNECTOR)."""
    with transaction.atomic():
        return _items_import(shop=shop, items=items, user=user, source=source)


def _items_import(
    *, shop: Shop, items: list, user, source: str
) -> tuple[ImportBatch, list[ItemResult]]:
    batch = batch_create(shop=shop, source=source, user=user)
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
    writer = Writer(batch)
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
    if batches.update(**fields):
        _remove_upload(batch)
    batch.refresh_from_db()


@contextmanager
def run_lease(batch_id: int) -> Iterator[bool]:
    """Hold the batch's run lease while the block runs; False when another run holds it.
    Taken before the batch is marked running, so a running batch without the lease is dead."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [IMPORT_LEASE, batch_id])
        leased = cursor.fetchone()[0]
    try:
        yield leased
    finally:
        if leased:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [IMPORT_LEASE, batch_id])
            except DatabaseError:  # the connection is gone, and the lock with it
                logger.warning("could not release the lease of batch %s", batch_id)


def _dead_runs(now) -> list[int]:
    """Running batches whose worker is gone (see IMPORT_LEASE)."""
    running = ImportBatch.objects.filter(status=ImportStatus.RUNNING).exclude(path="")
    if connection.vendor != "postgresql":
        return list(running.filter(updated_at__lt=now - STUCK_AFTER).values_list("id", flat=True))
    dead = []
    with connection.cursor() as cursor:
        for batch_id in running.values_list("id", flat=True):
            # Held until the sweep's transaction ends: no new run starts in between.
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [IMPORT_LEASE, batch_id])
            if cursor.fetchone()[0]:
                dead.append(batch_id)
    return dead


def batches_requeue_stalled(*, now=None) -> dict[str, int]:
    """Beat's periodic job, with the hand-off sweep: re-enqueue uploads whose task a broker
    outage swallowed, and queue again the runs whose worker died."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = _dead_runs(now)
        if stuck:
            # Queued again with their counts and errors: the next run resumes after the rows
            # the committed chunks hold (each chunk commits its rows and counts together).
            ImportBatch.objects.filter(id__in=stuck, status=ImportStatus.RUNNING).update(
                status=ImportStatus.PENDING, updated_at=now
            )
        batches = list(
            ImportBatch.objects.filter(
                status=ImportStatus.PENDING, created_at__lt=now - REQUEUE_AFTER
            )
            .exclude(path="")
            .values_list("id", flat=True)[:100]
        )
        batches += [batch_id for batch_id in stuck if batch_id not in batches]
        for batch_id in batches:
            transaction.on_commit(lambda b=batch_id: enqueue_import(b))
    return {"batches": len(batches)}
