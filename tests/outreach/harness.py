"""Real services for the scheduler tests: a redis-server, Celery workers and the dispatcher,
each a subprocess the test starts and stops (the machine's own Redis is left alone)."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def database_url() -> str:
    conf = connection.settings_dict
    if conf["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the service tests need PostgreSQL")
    auth = conf["USER"] + (f":{conf['PASSWORD']}" if conf["PASSWORD"] else "")
    return f"postgres://{auth}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
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
    """The subprocesses of one test, all stopped at the end."""

    def __init__(self, redis: RedisServer, **env) -> None:
        self.redis = redis
        self.logdir = Path(tempfile.mkdtemp(prefix="outreach-services-"))
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.outreach.service_settings",
            "DATABASE_URL": database_url(),
            "REDIS_URL": redis.url,
            "PYTHONPATH": str(ROOT),
            "OUTREACH_CLAIM_LEASE_SECONDS": "3",
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    def _spawn(self, args: list[str], name: str) -> tuple[subprocess.Popen, Path]:
        log = self.logdir / f"{name}.log"
        process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process, log

    def worker(self, name: str, concurrency: int = 1, wait: bool = True) -> subprocess.Popen:
        process, log = self._spawn(
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "worker",
                "-Q",
                "outreach",
                "-c",
                str(concurrency),
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
            name,
        )
        if wait:
            wait_for(lambda: "ready." in log.read_text(), 30, message=f"worker {name}")
        return process

    def dispatcher(self, name: str = "dispatcher", interval: float = 0.3) -> subprocess.Popen:
        process, _log = self._spawn(
            [str(BIN / "python"), "manage.py", "outreach_dispatch", "--interval", str(interval)],
            name,
        )
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL a whole worker: the main process and its pool children."""
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.logdir.glob("*.log")
        )

    def stop_all(self) -> None:
        # SIGKILL: nothing of theirs needs a graceful end, and the database is the truth.
        for process in self.processes:
            self.kill(process)
