"""What the fault tests share besides the processes (tests/procs.py): other PostgreSQL
sessions, which hold locks or kill backends, and the CSV files they import."""

import contextlib
import csv
from pathlib import Path

import psycopg2
from django.db import connection


def other_connection():
    """A psycopg2 connection of its own to the test database, in autocommit."""
    conn = psycopg2.connect(**connection.get_connection_params())
    conn.autocommit = True
    return conn


class Blocker:
    """Another session holding an uncommitted buyer row: whoever inserts the same buyer
    (the import's chunk that names it) waits right there until `release`."""

    def __init__(self, *, shop_id: int, nick: str) -> None:
        self.conn = psycopg2.connect(**connection.get_connection_params())
        with self.conn.cursor() as cursor:  # psycopg2 opens the transaction; it stays open
            cursor.execute(
                "INSERT INTO reviews_buyer (shop_id, nick, phone, timezone, created_at)"
                " VALUES (%s, %s, '', '', now())",
                [shop_id, nick],
            )

    def waiters(self) -> int:
        """Sessions waiting for a lock this session holds."""
        with contextlib.closing(other_connection()) as conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.conn.get_backend_pid()],
            )
            return cursor.fetchone()[0]

    def release(self) -> None:
        if not self.conn.closed:
            self.conn.rollback()
            self.conn.close()


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
