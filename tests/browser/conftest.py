"""Real headless Chromium (Debian's package) driven by Playwright; never Playwright's download."""

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
# .ci/run sets this: there a missing Chromium fails the run instead of skipping the tests.
REQUIRE = "REVIEWDESK_REQUIRE_BROWSER"
_SKIPPED = pytest.StashKey[int]()  # how many browser tests this run skipped


def chromium_path() -> str:
    """CHROMIUM_PATH when set (and only it), else `chromium` on PATH, else Debian's path."""
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def _missing_line() -> str:
    return (
        f"browser tests skipped: Chromium not found at {chromium_path()} — "
        f"apt install chromium, or set CHROMIUM_PATH ({REQUIRE}=1 makes this an error)"
    )


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what they will
def pytest_collection_modifyitems(config, items):
    """Without Chromium a newcomer's `make test` still passes: the browser tests skip and the
    run says so once, at its end. Where a browser is required (CI) the run stops at once."""
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items or Path(chromium_path()).exists():
        return
    if os.environ.get(REQUIRE) == "1":
        raise pytest.UsageError(
            f"Chromium not found at {chromium_path()}, and {REQUIRE}=1 requires the browser "
            "tests — apt install chromium, or set CHROMIUM_PATH"
        )
    skip = pytest.mark.skip(reason="Chromium not found (see the line at the end of the run)")
    for item in browser_items:
        item.add_marker(skip)
    config.stash[_SKIPPED] = len(browser_items)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if skipped := config.stash.get(_SKIPPED, 0):
        terminalreporter.write_line(f"{_missing_line()} [{skipped} tests]", yellow=True)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the tests are
    # still synchronous and safe. Only while browsers run, so other tests keep the check.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),  # present: checked at collection
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Any script error on any page fails the test: a broken static/js file must not pass
    # unnoticed just because the server-side part of the page still works.
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Server errors, and any asset that fails to load; 4xx answers of the app are deliberate.
    page.on(
        "response",
        lambda r: (
            (r.status >= 500 or (r.status >= 400 and "/static/" in r.url))
            and errors.append(f"{r.status} {r.url}")
        ),
    )
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


@pytest.fixture
def screenshot(page):
    def take(name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
