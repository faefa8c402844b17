"""`make run`'s stack on the embedded defaults: SQLite file, filesystem broker, real processes.

Runs migrate and seed_demo into a private var/ folder, starts the web server and a worker the
way Procfile.dev does, logs in as the demo agent over HTTP and sees the queue; a task sent
through the serverless broker is run by the worker.
"""

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from .procs import ROOT, free_port, wait_for

pytestmark = pytest.mark.services


def embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(DEBUG="1", REVIEWDESK_VAR_DIR=str(var_dir), DEMO_PASSWORD="smoke-pass-1")
    return env


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_runs_the_embedded_stack_end_to_end(tmp_path):
    env = embedded_env(tmp_path)
    for args in (["migrate", "--noinput"], ["seed_demo", "--reviews", "30"]):
        result = manage(env, *args)
        assert result.returncode == 0, result.stdout + result.stderr
    assert "agent" in result.stdout and "smoke-pass-1" in result.stdout  # logins are printed
    assert (tmp_path / "reviewdesk.sqlite3").exists()
    # The demo shop's report roll-ups are built before the first look.
    counted = manage(
        env, "shell", "-c",
        "from django.db.models import Sum; from reports.models import ReportDay; "
        "print(ReportDay.objects.aggregate(n=Sum('handled'))['n'])",
    )  # fmt: skip
    assert counted.stdout.strip().splitlines()[-1] == "30", counted.stdout + counted.stderr

    port = free_port()
    bindir = Path(sys.executable).parent
    web = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        [
            str(bindir / "celery"),
            "-A",
            "config",
            "worker",
            "--queues",
            "default,outreach,imports",
            "--concurrency",
            "1",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def up():
            try:
                return opener.open(base + "/healthz", timeout=2).status == 200
            except OSError:
                return False

        wait_for(up, 60, message="the web server to start")
        login_page = opener.open(base + "/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)
        data = urllib.parse.urlencode(
            {"username": "agent", "password": "smoke-pass-1", "csrfmiddlewaretoken": token}
        )
        request = urllib.request.Request(
            base + "/login/", data=data.encode(), headers={"Referer": base + "/login/"}
        )
        queue = opener.open(request).read().decode()
        assert "我的待办" in queue
        assert 'href="/reviews/' in queue  # the demo queue has reviews in it

        sent = manage(
            env, "shell", "-c", "from reviews.tasks import heartbeat_task; heartbeat_task.delay()"
        )
        assert sent.returncode == 0, sent.stderr

        def worker_seen():
            body = opener.open(base + "/healthz", timeout=2).read().decode()
            return '"worker_seen_s_ago": null' not in body

        wait_for(worker_seen, 60, message="the worker to run the task (filesystem broker)")
    finally:
        for proc in (web, worker):
            proc.kill()
            proc.wait(timeout=10)
