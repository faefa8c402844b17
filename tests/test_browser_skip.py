"""A newcomer's `make test` without Chromium: the browser tests skip with one line saying how
to run them, and the run passes; where REVIEWDESK_REQUIRE_BROWSER=1 (.ci/run) it fails."""

import os
import subprocess
import sys

from .procs import ROOT

LINE = "browser tests skipped: Chromium not found at /nowhere/chromium"


def run_browser_tests(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "REVIEWDESK_REQUIRE_BROWSER"}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/browser/test_login.py"]
        + ["tests/browser/test_playbook.py"],
        cwd=ROOT,
        env={**clean, "CHROMIUM_PATH": "/nowhere/chromium", **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_skips_the_browser_tests_with_one_line_when_chromium_is_missing():
    result = run_browser_tests()
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    lines = [line for line in out.splitlines() if "Chromium" in line]
    assert len(lines) == 1, out
    assert lines[0].startswith(LINE)
    assert "apt install chromium, or set CHROMIUM_PATH" in lines[0]
    assert "ERROR" not in out and "error" not in out.splitlines()[-1]
    assert " skipped" in out.splitlines()[-1] and "passed" not in out.splitlines()[-1]


def test_it_fails_the_run_when_a_browser_is_required():
    result = run_browser_tests(REVIEWDESK_REQUIRE_BROWSER="1")
    out = result.stdout + result.stderr
    assert result.returncode != 0, out
    assert "Chromium not found at /nowhere/chromium" in out
    assert "REVIEWDESK_REQUIRE_BROWSER=1 requires the browser tests" in out
    assert "passed" not in out
