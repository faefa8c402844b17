"""The two-thread writer of big files: decided chunks queue for a second thread that writes
them while this one decides the next."""

import queue
import threading
from collections import deque
from collections.abc import Iterator

from django.db import connection, reset_queries

from .records import Record
from .write import Writer


def write_pipelined(chunks: Iterator[list], writer: Writer) -> None:
    """Big files in two stages: this thread parses, reads and classifies chunk N+1 while a
    second thread writes chunk N. The writer mostly waits on PostgreSQL (deferred foreign-key
    checks at commit, COPY), and psycopg2 releases the GIL meanwhile, so classification — the
    CPU-heavy part — overlaps those waits. Each thread has its own database connection; at
    most two prepared chunks wait in the queue, so memory stays bounded.

    A review inserted by someone else (a webhook) between a chunk's read and its write makes
    that chunk's insert fail on the unique key; the writer then reads and writes that chunk
    again (Writer.write_prepared), as the sequential path does."""
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
