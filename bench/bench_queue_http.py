"""Issue 21: the agent's queue over HTTP (queue_http_rps, queue_http_p95_ms, queue_http_cpu_ms).

gunicorn as production runs it (config.wsgi, sync workers, access log on stdout) but with 2
workers, DEBUG off, its own SECRET_KEY / CREDENTIALS_KEY, against the 100k-review bench-queue
shop. Ten agents are logged in (their sessions stored as a login stores them) and ten
connections, one per agent, ask for their queue's first page back to back: a warm-up, then a
timed window. The figure is what two sync workers serve when the machine has nothing else to
do, so it is noisy on a shared machine: compare runs made the same minute.

Knobs (environment): BENCH_QUEUE_REVIEWS (100000), BENCH_HTTP_SECONDS (25),
BENCH_HTTP_WARMUP_SECONDS (5), BENCH_HTTP_CONNECTIONS (10), BENCH_HTTP_WORKERS (2), and
BENCH_HTTP_APP_DIR: another checkout for gunicorn to serve (same database), to compare a change
with its base in the same minute.
gunicorn's output goes to var/bench-http/gunicorn.log.
"""

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from .common import bench_shop, percentile

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
APP_DIR = Path(os.environ.get("BENCH_HTTP_APP_DIR", ROOT))
N_REVIEWS = int(os.environ.get("BENCH_QUEUE_REVIEWS", "100000"))
SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", "25"))
WARMUP_SECONDS = float(os.environ.get("BENCH_HTTP_WARMUP_SECONDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_HTTP_CONNECTIONS", "10"))
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", "2"))
# What a queue page always carries: a login page or an error page does not.
PAGE_MARK = b'id="queue-results"'


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _session_key(user) -> str:
    """A stored session of `user`, as django.contrib.auth.login leaves it (no password hash:
    ten of those would be ten seconds of CPU that is not the queue's)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.bench_settings",
        DEBUG="0",
        # The sessions were signed here: the server must share the key.
        SECRET_KEY=settings.SECRET_KEY,
        CREDENTIALS_KEY=settings.CREDENTIALS_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        # Plain HTTP on the loopback.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(APP_DIR),
    )
    return env


def _start_gunicorn(port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115 (closed with the process)
    # The Dockerfile's command, with the bench's worker count; a session of its own so its
    # workers can be stopped with it.
    return subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--access-logfile",
            "-",
        ],
        cwd=APP_DIR,
        env=_server_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()  # gunicorn stops its workers gracefully on SIGTERM
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    if proc.stdout:
        proc.stdout.close()


def _wait_healthy(port: int, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {log_path}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer /healthz within 60 s; see {log_path}")


def _worker_pids(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:  # ppid
            pids.append(int(stat.parent.name))
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime + stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Agent(threading.Thread):
    """One connection asking for one agent's queue back to back. gunicorn's sync workers
    close the connection after each answer; http.client opens the next one by itself."""

    def __init__(self, port: int, path: str, session_key: str) -> None:
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.headers = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_key}"}
        self.recording = False
        self.stop = threading.Event()
        self.samples: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                conn.request("GET", self.path, headers=self.headers)
                response = conn.getresponse()
                body = response.read()
                ok = response.status == 200 and PAGE_MARK in body
                problem = f"HTTP {response.status}"
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                ok, problem = False, repr(exc)
            elapsed = (time.perf_counter() - started) * 1000
            if not self.recording:
                continue
            if ok:
                self.samples.append(elapsed)
            else:
                self.errors.append(problem)
        conn.close()


def run() -> dict:
    _shop, users = bench_shop("bench-queue", N_REVIEWS)
    keys = [_session_key(user) for user in users]
    out = ROOT / "var" / "bench-http"
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "gunicorn.log"
    port = _free_port()
    proc = _start_gunicorn(port, log_path)
    agents: list[Agent] = []
    try:
        _wait_healthy(port, proc, log_path)
        path = reverse("queue")
        agents = [Agent(port, path, keys[i % len(keys)]) for i in range(CONNECTIONS)]
        for agent in agents:
            agent.start()
        time.sleep(WARMUP_SECONDS)
        workers = _worker_pids(proc.pid)
        cpu_before = _cpu_seconds(workers)
        for agent in agents:
            agent.recording = True
        started = time.perf_counter()
        time.sleep(SECONDS)
        for agent in agents:
            agent.recording = False
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(workers) - cpu_before
    finally:
        for agent in agents:
            agent.stop.set()
        _stop(proc)
        for agent in agents:
            agent.join(timeout=35)
        for key in keys:
            SessionStore(session_key=key).delete()

    samples = [ms for agent in agents for ms in agent.samples]
    errors = [e for agent in agents for e in agent.errors]
    if errors or not samples:
        raise RuntimeError(f"{len(errors)} failed requests (first: {errors[:3]}); see {log_path}")
    print(
        f"   {len(samples)} pages in {elapsed:.1f}s over {CONNECTIONS} connections, "
        f"{WORKERS} workers, serving {APP_DIR}; load average {Path('/proc/loadavg').read_text().split()[0]}"
    )
    return {
        "queue_http_rps": {
            "value": round(len(samples) / elapsed, 1),
            "unit": "req/s",
            "target": ">= 150",
        },
        "queue_http_p95_ms": {
            "value": round(percentile(samples, 95), 1),
            "unit": "ms",
            "target": None,
        },
        "queue_http_p50_ms": {
            "value": round(percentile(samples, 50), 1),
            "unit": "ms",
            "target": None,
        },
        # The workers' own CPU per page (user + system): what the throughput is bound by.
        "queue_http_cpu_ms": {
            "value": round(cpu * 1000 / len(samples), 1),
            "unit": "ms",
            "target": None,
        },
    }
