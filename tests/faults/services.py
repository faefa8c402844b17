"""Real services for the fault tests: a private redis-server (never the machine's own), Celery
workers, other PostgreSQL connections that hold locks or kill backends — all things a test
starts, stops and kills itself. Built on the outreach harness (tests/outreach/harness.py)."""

import contextlib
import csv
import os
import signal
import subprocess
import tempfile
from pathlib import Path

import psycopg2
from django.db import connection

from config.celery import app
from reviews.ingest import handoff

from ..outreach.harness import BIN, ROOT, RedisServer, database_url, wait_for

__all__ = ["Services", "Blocker", "wait_for", "write_csv", "other_connection"]


def other_connection():
    """A psycopg2 connection of its own to the test database, in autocommit."""
    conn = psycopg2.connect(**connection.get_connection_params())
    conn.autocommit = True
    return conn


class Services:
    """One test's redis-server and workers; the test process's Celery app sends to that
    redis-server too. Everything is killed at the end."""

    def __init__(self, testcase) -> None:
        self.redis = RedisServer()
        self.redis.start()
        testcase.addCleanup(self.redis.stop)
        self.logdir = Path(tempfile.mkdtemp(prefix="faults-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.outreach.service_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "PYTHONPATH": str(ROOT),
            "OUTREACH_CLAIM_LEASE_SECONDS": "3",
        }
        self.processes: list[subprocess.Popen] = []
        testcase.addCleanup(self.stop_all)
        self._point_app(self.redis.url)
        testcase.addCleanup(self._point_app, None)

    @staticmethod
    def _point_app(url: str | None) -> None:
        """Send this process's tasks to `url` (None: back to the settings' broker). The app
        and kombu cache connections per URL, so the pools are dropped when it changes."""
        from django.conf import settings
        from kombu import pools

        app.conf.broker_url = url or settings.CELERY_BROKER_URL
        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
        handoff._broker_down_until = 0.0

    def worker(
        self, name: str, queues: str = "imports,default", wait: bool = True, **env
    ) -> subprocess.Popen:
        log = self.logdir / f"{name}.log"
        process = subprocess.Popen(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                queues,
                "-c",
                "1",
                "-P",
                "prefork",
                "-n",
                f"{name}@%h",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env={**self.env, **env},
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log = log
        self.processes.append(process)
        if wait:
            self.wait_ready(process)
        return process

    @staticmethod
    def wait_ready(process: subprocess.Popen) -> None:
        wait_for(lambda: "ready." in process.log.read_text(), 60, message=f"{process.log.name}")

    def dispatcher(self, name: str = "dispatcher") -> subprocess.Popen:
        """The outreach dispatcher (manage.py outreach_dispatch), polling every 0.3 s."""
        log = self.logdir / f"{name}.log"
        process = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "outreach_dispatch", "--interval", "0.3"],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole worker: main process and pool children, nothing runs after."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.logdir.glob("*.log"))
        )

    def stop_all(self) -> None:
        for process in self.processes:
            self.kill(process)


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
