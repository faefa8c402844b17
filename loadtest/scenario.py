"""What the load test plays, without importing locust: the agents, the actions with their
URLs, and how a page is read (tests/test_loadtest.py replays it through Django's test client,
so a renamed URL or a changed form breaks a fast test, not the next load run)."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

SHOP = "load"
REVIEWS = 100_000
AGENTS = 50
PASSWORD = "bench-password"  # bench.common.BENCH_PASSWORD: the users bench_shop makes


THINK_S = (2.0, 6.0)


def think_time(value: str) -> tuple[float, float]:
    """ "2-6" → (2.0, 6.0): the pause before each click, drawn uniformly (default THINK_S)."""
    if not value:
        return THINK_S
    low, _sep, high = value.partition("-")
    bounds = (float(low), float(high or low))
    if not 0 <= bounds[0] <= bounds[1]:
        raise ValueError(f"LOAD_THINK must look like 2-6 (seconds), not {value!r}")
    return bounds


def agent_username(index: int) -> str:
    """bench_shop names its agents `<shop>-agent<i>`."""
    return f"{SHOP}-agent{index}"


# Each action: the Django URL name it requests and its path (tests check them with reverse).
ACTIONS: dict[str, tuple[str, str]] = {
    "login": ("login", "/login/"),
    "open queue": ("queue", "/queue/"),
    "open review": ("review_detail", "/reviews/{pk}/"),
    "log contact": ("review_contact", "/reviews/{pk}/contact/"),
    "schedule follow-up": ("review_contact", "/reviews/{pk}/contact/"),
    "compose reply": ("review_reply_suggest", "/reviews/{pk}/reply/suggest/"),
    "draft reply": ("review_reply", "/reviews/{pk}/reply/"),
}

# What a good answer contains: the page's own markers (ids of the queue table, the work panel).
EXPECT: dict[str, str] = {
    "open queue": 'id="queue-results"',
    "open review": 'id="log-contact"',
    "compose reply": 'id="reply-composer"',
    "log contact": "msg-success",
    "schedule follow-up": "msg-success",
    "draft reply": "msg-success",
}


def path(action: str, **kwargs) -> str:
    return ACTIONS[action][1].format(**kwargs)


def agreed_phrase(now: datetime, tz: ZoneInfo, n: int) -> str:
    """An agreed time as agents type it, always in the future and outside the default quiet
    hours (21:30–09:00): "今晚 20:15" while the evening is ahead, else later days' times."""
    local = now.astimezone(tz)
    phrases = ["明早 11:30", "明天 15:45", "明晚 20:15"]
    if local.hour < 19:
        phrases.append("今晚 20:15")
    phrases.append(f"{local + timedelta(days=2):%Y-%m-%d} {10 + n % 10}:{(n * 7) % 60:02d}")
    return phrases[n % len(phrases)]


# Reading pages.

_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')
_REVIEW_LINK = re.compile(r'href="/reviews/(\d+)/" class="row-link"')
_NEXT_PAGE = re.compile(r'href="(/queue/[^"]*after=[^"]+)"[^>]*data-next-page')
_REPLY_TEXT = re.compile(r'<textarea name="text"[^>]*>(.*?)</textarea>', re.S)
_ALERT = re.compile(r'role="alert">([^<]*)<')


def unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#x27;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def csrf_token(html: str) -> str | None:
    found = _CSRF.search(html)
    return found.group(1) if found else None


def form_version(html: str) -> str | None:
    """The review's version as the contact form posts it (optimistic lock)."""
    found = _VERSION.search(html)
    return found.group(1) if found else None


def review_ids(html: str) -> list[int]:
    """The reviews listed on a queue page."""
    return [int(pk) for pk in _REVIEW_LINK.findall(html)]


def next_page(html: str) -> str | None:
    found = _NEXT_PAGE.search(html)
    return unescape(found.group(1)) if found else None


def reply_text(html: str) -> str:
    """The composer's suggested wording, as the textarea holds it."""
    found = _REPLY_TEXT.search(html)
    return unescape(found.group(1)).strip() if found else ""


def alert(html: str) -> str:
    """The work panel's error message, for the failure report."""
    found = _ALERT.search(html)
    return found.group(1).strip() if found else html[:160]
