"""Real processes for tests: Celery workers and the outreach dispatcher against the test
database, and a private redis-server (never the machine's own) a test stops and starts. Each
is a subprocess the test starts, SIGKILLs and cleans up itself."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SERVICE_SETTINGS = "tests.outreach.service_settings"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(
    predicate: Callable[[], Any],
    timeout: float = 30,
    *,
    interval: float = 0.1,
    message: str = "condition",
) -> Any:
    """The predicate's first truthy result, polled every `interval` s; AssertionError naming
    `message` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def database_url() -> str:
    """DATABASE_URL for a subprocess, so that it uses the database this test runs in."""
    conf = connection.settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def point_app(url: str | None) -> None:
    """Send this process's tasks to `url` (None: back to the settings' broker). The app and
    kombu cache connections per URL, so the pools are dropped when it changes."""
    from django.conf import settings
    from kombu import pools

    from config.celery import app
    from reviews.ingest import handoff

    app.conf.broker_url = url or settings.CELERY_BROKER_URL
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None
    handoff._broker_down_until = 0.0


class RedisServer:
    """A redis-server of one test on a free port, without persistence: started again after
    `stop`, it is empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
            + ["--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._pings, 10, message="redis-server to start")

    def _pings(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


class Processes:
    """The worker and dispatcher subprocesses of one test, each logging to a file of its own
    (`process.log`), all SIGKILLed by `stop_all` (or at the end of a `with` block).

    They use the test's database, `redis` as broker if given (else the settings' broker) and
    `settings` (the service tests' by default: a 3 s claim lease, see service_settings.py)."""

    def __init__(
        self, redis: RedisServer | None = None, *, settings: str = SERVICE_SETTINGS, **env: str
    ) -> None:
        self.redis = redis
        self.logdir = Path(tempfile.mkdtemp(prefix="test-procs-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": settings,
            "DATABASE_URL": database_url(),
            "PYTHONPATH": str(ROOT),
            "OUTREACH_CLAIM_LEASE_SECONDS": "3",  # read by service_settings only
            **({"REDIS_URL": redis.url} if redis else {}),
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> "Processes":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop_all()

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = self.logdir / f"{name}.log"
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a group of its own, for `kill`
        )
        process.log = log
        self.processes.append(process)
        return process

    def worker(
        self, name: str, queues: str = "outreach", concurrency: int = 1, wait: bool = True
    ) -> subprocess.Popen:
        """A `celery worker` named `name` consuming `queues`; ready when returned, unless not
        `wait` (then `wait_ready`)."""
        process = self._spawn(
            [str(BIN / "celery"), "-A", "config", "worker", "-Q", queues, "-n", f"{name}@%h"]
            + ["-c", str(concurrency), "-P", "prefork", "-l", "info"]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            name,
        )
        if wait:
            self.wait_ready(process)
        return process

    def wait_ready(self, process: subprocess.Popen) -> None:
        self.wait_for(
            lambda: "ready." in process.log.read_text(),
            60,
            message=f"worker {process.log.stem} to be ready",
        )

    def dispatcher(self, name: str = "dispatcher", interval: float = 0.3) -> subprocess.Popen:
        """The outreach dispatcher (manage.py outreach_dispatch), polling every `interval` s."""
        return self._spawn(
            [str(BIN / "python"), "manage.py", "outreach_dispatch", "--interval", str(interval)],
            name,
        )

    def wait_for(self, predicate: Callable[[], Any], timeout: float, **kwargs: Any) -> Any:
        """`wait_for`, with the processes' logs in the failure."""
        try:
            return wait_for(predicate, timeout, **kwargs)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole process group (a worker's pool children too): nothing runs after."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-4000:]}" for p in sorted(self.logdir.glob("*.log"))
        )

    def stop_all(self) -> None:
        # SIGKILL: nothing of theirs needs a graceful end, and the database is the truth.
        for process in self.processes:
            self.kill(process)


def start_services(testcase, **env: str) -> Processes:
    """A private redis-server started for `testcase`, and its Processes using it; the test
    process's Celery app sends there too. All stopped at the end of the test."""
    redis = RedisServer()
    redis.start()
    testcase.addCleanup(redis.stop)
    processes = Processes(redis, **env)
    testcase.addCleanup(processes.stop_all)
    point_app(redis.url)
    testcase.addCleanup(point_app, None)
    return processes
