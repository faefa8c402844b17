"""`make load`: prepare the data, start gunicorn + Celery worker + beat, run locust headless for
a bounded time against 127.0.0.1, collect its CSV, stop everything, print the figures.

Uses DATABASE_URL (PostgreSQL) and REDIS_URL like `make bench`; give it a database of its
own, the run writes contacts, follow-ups and replies into it. Knobs (environment):
LOAD_USERS (50), LOAD_SPAWN_RATE (0.5 a second: each log-in hashes a password for a good
fraction of a second), LOAD_RUN_TIME (5m, ramp-up included), LOAD_THINK (2-6 seconds before
each click),
LOAD_WORKERS (5 gunicorn processes), LOAD_THREADS (1), LOAD_PORT (8077).
Figures go to var/load/ (locust's CSV, summary.json, the servers' logs).
"""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
TARGET_P95_MS = 300


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.bench_settings",
        DEBUG="0",
        # Plain HTTP on the loopback: cookies must travel without TLS.
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL=env.get("LOG_LEVEL", "WARNING"),
        PYTHONPATH=str(ROOT),
    )
    return env


def _start(name: str, args: list[str], env: dict) -> subprocess.Popen:
    log = open(OUT / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
    # A process group of its own, so stopping it stops its children (gunicorn's workers).
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(procs: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each main process (gunicorn and celery stop their children gracefully);
    the whole process group only if one hangs."""
    for proc in procs.values():
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + 20
    for name, proc in procs.items():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in time: killing it")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}); see {OUT / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {timeout:.0f}s")


def _stored(env: dict) -> dict[str, int]:
    out = subprocess.run(
        [BIN / "python", "-m", "loadtest.prepare", "--counts"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def cpu_yardstick_ms() -> int:
    """CPU milliseconds for one login's password hash (Django's PBKDF2 with its default
    rounds): how fast this machine's cores are, so runs on different machines compare (the
    same run was CPU-bound on a vCPU that took 1,200 ms here and idle on one that took 230)."""
    import hashlib

    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    started = time.process_time()
    hashlib.pbkdf2_hmac("sha256", b"yardstick", b"salt", PBKDF2PasswordHasher.iterations)
    return round(1000 * (time.process_time() - started))


class CpuSampler(threading.Thread):
    """The machine's conditions during the run, every 5 s: CPU busy %, load average, and whose
    CPU it was (gunicorn, Celery, locust, this database's PostgreSQL backends, everyone else:
    other people's work on the same cores shows here). Written to var/load/cpu.csv."""

    GROUPS = ("gunicorn", "celery", "locust", "postgres", "others")

    def __init__(self, groups: dict[int, str], database: str) -> None:
        super().__init__(daemon=True)
        self.groups = groups  # process group id -> name
        self.database = database
        self.stop = threading.Event()
        self.samples: list[tuple] = []
        self.tick = os.sysconf("SC_CLK_TCK")
        self.first: dict[int, int] = {}
        self.last: dict[int, tuple[str, int]] = {}

    @staticmethod
    def _machine() -> tuple[int, int]:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields[:8]), fields[3] + fields[4]

    def _group(self, pid: int, pgid: int) -> str:
        if pgid in self.groups:
            return self.groups[pgid]
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return "others"
        return (
            "postgres"
            if cmdline.startswith(b"postgres: ") and (f" {self.database} ".encode() in cmdline)
            else "others"
        )

    def _processes(self) -> None:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            pid, pgid, used = int(entry.name), int(fields[2]), int(fields[11]) + int(fields[12])
            if pid not in self.first:
                # Processes alive at the start count from then; later ones from zero.
                self.first[pid] = used if not self.last and not self.samples else 0
            group = self.last[pid][0] if pid in self.last else self._group(pid, pgid)
            self.last[pid] = (group, used)

    def cpu_seconds(self) -> dict[str, float]:
        out = dict.fromkeys(self.GROUPS, 0.0)
        for pid, (group, used) in self.last.items():
            out[group] += (used - self.first[pid]) / self.tick
        return {k: round(v, 1) for k, v in out.items()}

    def run(self) -> None:
        started = time.monotonic()
        total, idle = self._machine()
        self._processes()
        self.first_total, self.first_idle = total, idle
        while not self.stop.wait(5):
            total2, idle2 = self._machine()
            self._processes()
            busy = 100 * (1 - (idle2 - idle) / max(1, total2 - total))
            self.samples.append(
                (round(time.monotonic() - started), round(busy, 1), float(_load_average()))
            )
            total, idle = total2, idle2
        self.last_total, self.last_idle = total, idle

    def summary(self) -> dict:
        with (OUT / "cpu.csv").open("w") as f:
            f.write("seconds,cpu_busy_percent,load_average\n")
            for row in self.samples:
                f.write(",".join(map(str, row)) + "\n")
        busy = [b for _t, b, _l in self.samples] or [0.0]
        load = [x for _t, _b, x in self.samples] or [0.0]
        seconds = self.samples[-1][0] if self.samples else 0
        cpu = self.cpu_seconds()
        # Everything not ours, by difference with the machine's own count (short-lived
        # processes of other people's test runs come and go between two samples).
        busy_s = (self.last_total - self.first_total) - (self.last_idle - self.first_idle)
        cpu["others"] = round(
            busy_s / self.tick - sum(v for k, v in cpu.items() if k != "others"), 1
        )
        return {
            "seconds": seconds,
            "cpu_busy_percent_mean": round(sum(busy) / len(busy), 1),
            "cpu_busy_percent_max": max(busy),
            "load_average_max": max(load),
            "cpu_seconds": cpu,
        }


def _percentile(ordered: list[float], p: float) -> float:
    """Nearest rank, as bench.common.percentile."""
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summarise(request_log: Path) -> dict:
    """Per action: requests, errors, requests/s, p50/p95/p99/max in ms — over the whole run
    (ramp-up and log-ins included) and over the steady state (every agent logged in)."""
    rows = []
    spawned = None
    with request_log.open(newline="") as f:
        for row in csv.DictReader(f):
            if row["action"] == "steady":
                spawned = float(row["time"])
            else:
                rows.append((float(row["time"]), row["action"], float(row["ms"]), row["error"]))
    if not rows:
        return {}
    end = max(t for t, *_ in rows)
    windows = {"whole_run": min(t for t, *_ in rows)}
    if spawned is not None:
        windows["steady_state"] = spawned
    out = {}
    for window, start in windows.items():
        seconds = max(1.0, end - start)
        by_action: dict[str, list[tuple[float, str]]] = {}
        for t, action, ms, error in rows:
            if t >= start:
                by_action.setdefault(action, []).append((ms, error))
                by_action.setdefault("all", []).append((ms, error))
        out[window] = {"seconds": round(seconds)}
        for action, samples in sorted(by_action.items()):
            ordered = sorted(ms for ms, _e in samples)
            out[window][action] = {
                "requests": len(samples),
                "errors": sum(e == "1" for _ms, e in samples),
                "rps": round(len(samples) / seconds, 2),
                "p50_ms": round(_percentile(ordered, 50)),
                "p95_ms": round(_percentile(ordered, 95)),
                "p99_ms": round(_percentile(ordered, 99)),
                "max_ms": round(ordered[-1]),
            }
    return out


_ACCESS = re.compile(r'"(GET|POST) (/[^ ?"]*)[^"]*" (\d{3}) \S+ (\d+)ms')
_SERVER_ACTIONS = [
    ("POST", re.compile(r"^/login/$"), "login"),
    ("GET", re.compile(r"^/queue/$"), "open queue"),
    ("GET", re.compile(r"^/reviews/\d+/$"), "open review"),
    ("POST", re.compile(r"^/reviews/\d+/contact/$"), "log contact + follow-up"),
    ("GET", re.compile(r"^/reviews/\d+/reply/suggest/$"), "compose reply"),
    ("POST", re.compile(r"^/reviews/\d+/reply/$"), "draft reply"),
]


def server_times(access_log: Path) -> dict:
    """Time inside gunicorn per action (its access log): the rest of what locust measured was
    waiting for a free worker (or for the CPU)."""
    samples: dict[str, list[int]] = {}
    for line in access_log.read_text().splitlines():
        found = _ACCESS.search(line)
        if not found:
            continue
        method, path, _status, ms = found.groups()
        for want, pattern, action in _SERVER_ACTIONS:
            if method == want and pattern.match(path):
                samples.setdefault(action, []).append(int(ms))
                break
    out = {}
    for action, values in samples.items():
        values.sort()
        out[action] = {
            "requests": len(values),
            "p50_ms": _percentile(values, 50),
            "p95_ms": _percentile(values, 95),
        }
    return out


def _table(figures: dict) -> str:
    lines = [
        f"{'action':20} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50':>6} {'p95':>6} "
        f"{'p99':>6} {'max':>6}  (ms)"
    ]
    for name, f in figures.items():
        if name != "seconds":
            lines.append(
                f"{name:20} {f['requests']:>8} {f['errors']:>6} {f['rps']:>7} "
                f"{f['p50_ms']:>6} {f['p95_ms']:>6} {f['p99_ms']:>6} {f['max_ms']:>6}"
            )
    return "\n".join(lines)


def main() -> int:
    db = os.environ.get("DATABASE_URL", "")
    if not db.startswith("postgres") or not os.environ.get("REDIS_URL"):
        print("make load needs DATABASE_URL (PostgreSQL) and REDIS_URL: see docs/load.md")
        return 2
    users = int(os.environ.get("LOAD_USERS", "50"))
    spawn_rate = os.environ.get("LOAD_SPAWN_RATE", "0.5")
    run_time = os.environ.get("LOAD_RUN_TIME", "5m")
    workers = os.environ.get("LOAD_WORKERS", "5")
    threads = os.environ.get("LOAD_THREADS", "1")
    port = os.environ.get("LOAD_PORT", "8077")
    think = os.environ.get("LOAD_THINK", "2-6")
    host = f"http://127.0.0.1:{port}"
    OUT.mkdir(parents=True, exist_ok=True)
    for old in ("access.log", "requests.csv", "summary.json"):
        (OUT / old).unlink(missing_ok=True)
    env = _env()
    yardstick = cpu_yardstick_ms()

    print("== data", flush=True)
    subprocess.run([BIN / "python", "-m", "loadtest.prepare"], cwd=ROOT, env=env, check=True)

    before = _stored(env)
    procs: dict[str, subprocess.Popen] = {}
    try:
        print(
            f"== servers: gunicorn {workers} workers x {threads} threads, worker, beat", flush=True
        )
        procs["gunicorn"] = _start(
            "gunicorn",
            [
                BIN / "gunicorn",
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                workers,
                "--threads",
                threads,
                "--timeout",
                "60",
                "--access-logfile",
                str(OUT / "access.log"),
                "--access-logformat",
                '%(t)s "%(r)s" %(s)s %(b)s %(M)sms',
            ],
            env,
        )
        procs["worker"] = _start(
            "worker",
            [
                BIN / "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                "default,outreach,imports",
                "--concurrency",
                "1",
                "--hostname",
                f"load@127.0.0.1-{port}",
                "--loglevel",
                "WARNING",
            ],
            env,
        )
        procs["beat"] = _start(
            "beat",
            [
                BIN / "celery",
                "-A",
                "config",
                "beat",
                "--loglevel",
                "WARNING",
                "--schedule",
                str(OUT / "celerybeat-schedule"),
            ],
            env,
        )
        _wait_healthy(f"{host}/healthz", procs["gunicorn"])
        print(
            f"== locust: {users} agents, {spawn_rate}/s, {run_time}, {think} s before each click "
            f"(load average "
            f"{_load_average()} before; one password hash {yardstick} ms of CPU)",
            flush=True,
        )
        started = time.time()
        locust = subprocess.Popen(
            [
                BIN / "locust",
                "-f",
                str(ROOT / "loadtest" / "locustfile.py"),
                "--headless",
                "--users",
                str(users),
                "--spawn-rate",
                spawn_rate,
                "--run-time",
                run_time,
                "--stop-timeout",
                "10",
                "--host",
                host,
                "--csv",
                str(OUT / "locust"),
                "--only-summary",
                "--exit-code-on-error",
                "0",
            ],
            cwd=ROOT,
            env={**env, "LOAD_THINK": think, "LOAD_REQUEST_LOG": str(OUT / "requests.csv")},
            start_new_session=True,
        )
        sampler = CpuSampler(
            {
                procs["gunicorn"].pid: "gunicorn",
                procs["worker"].pid: "celery",
                procs["beat"].pid: "celery",
                locust.pid: "locust",
            },
            database=db.rsplit("/", 1)[-1].split("?")[0],
        )
        procs["locust"] = locust
        sampler.start()
        locust.wait()
        sampler.stop.set()
        sampler.join()
    finally:
        print("== stopping servers", flush=True)
        _stop(procs)

    after = _stored(env)
    figures = summarise(OUT / "requests.csv")
    run = figures.get("whole_run", {})

    def ok(action: str) -> int:
        return run.get(action, {}).get("requests", 0) - run.get(action, {}).get("errors", 0)

    # Every contact post that succeeded is one attempt; every agreement plans one follow-up.
    stored = {
        "contact_attempts": {
            "succeeded": ok("log contact") + ok("schedule follow-up"),
            "stored": after["contact_attempts"] - before["contact_attempts"],
        },
        "revise_followups": {
            "succeeded": ok("schedule follow-up"),
            "stored": after["revise_followups"] - before["revise_followups"],
        },
    }
    summary = {
        "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "users": users,
        "spawn_rate": spawn_rate,
        "run_time": run_time,
        "think_s": think,
        "gunicorn": f"{workers} workers x {threads} threads",
        "cores": os.cpu_count(),
        "password_hash_cpu_ms": yardstick,
        **sampler.summary(),
        **figures,
        "server_time_whole_run": server_times(OUT / "access.log"),
        "writes": stored,
    }
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    missed = []
    for window, title in (("whole_run", "whole run"), ("steady_state", "steady state")):
        if window in figures:
            print(f"\n{title} ({figures[window]['seconds']} s):\n{_table(figures[window])}")
    print("\ntime inside gunicorn, whole run (ms):")
    for action, f in summary["server_time_whole_run"].items():
        print(f"{action:24} {f['requests']:>6} p50 {f['p50_ms']:>6} p95 {f['p95_ms']:>6}")
    steady = figures.get("steady_state", {})
    for name, f in steady.items():
        if name not in ("seconds", "all", "login") and (
            f["errors"] or f["p95_ms"] >= TARGET_P95_MS
        ):
            missed.append(name)
    errors = run.get("all", {}).get("errors", 0)
    print("\nwrites the agents saw succeed / rows stored:")
    for what, f in stored.items():
        print(f"{what:24} {f['succeeded']:>6} / {f['stored']:>6}")
        # Fewer rows than successes would be a lost write; more can be a post cut off by the
        # end of the run after the server committed it.
        if f["stored"] < f["succeeded"]:
            errors += f["succeeded"] - f["stored"]
            print(f"   {f['succeeded'] - f['stored']} {what} lost")
    print(
        f"\nmachine ({os.cpu_count()} cores, shared; one password hash {yardstick} ms of CPU): "
        f"CPU busy {summary['cpu_busy_percent_mean']}% "
        f"on average, {summary['cpu_busy_percent_max']}% at most; load average up to "
        f"{summary['load_average_max']}"
    )
    cpu = summary["cpu_seconds"]
    served = figures.get("whole_run", {}).get("all", {}).get("requests", 0)
    print(
        "CPU seconds: "
        + ", ".join(f"{k} {v}" for k, v in cpu.items())
        + f" (of {summary['seconds'] * (os.cpu_count() or 1)} available); web + its database "
        f"{1000 * (cpu['gunicorn'] + cpu['postgres']) / max(1, served):.0f} ms a request"
    )
    print(f"figures in {OUT.relative_to(ROOT)}/ (summary.json, locust_*.csv, failures)")
    if missed or errors or not steady or locust.returncode:
        print(
            f"target (no errors, p95 < {TARGET_P95_MS} ms) missed: {errors} errors in the run; "
            f"steady-state misses: {', '.join(missed) or 'none'}"
        )
        return 1
    print(f"target met: no errors, every action's p95 < {TARGET_P95_MS} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
