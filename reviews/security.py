"""Login throttling: django-axes locks a username at one address; on top of that, a short
and growing delay per username, whatever the address, slows guessing from many addresses.

Axes cannot do the second: its lock-out parameters share one failure limit and one cool-off,
so locking a username alone would let anyone shut a named user out for the whole cool-off.
The delay here is capped at LOGIN_USER_DELAY_MAX_SECONDS instead, and attempts made while it
runs are refused without being counted, so the genuine user gets in once it has passed.
"""

import hashlib
import logging
import math
import time

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _keys(username: str) -> tuple[str, str]:
    """The cache keys of a username's failure count and of the time its delay ends (hashed:
    a username is whatever a caller typed)."""
    digest = hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()
    return f"login-failures:{digest}", f"login-delay-until:{digest}"


def login_delay(username: str) -> int:
    """Seconds left before `username` may try a password again (0: now)."""
    try:
        until = cache.get(_keys(username)[1])
    except RedisError as error:
        # Logging in must not depend on Redis: without it only the per-address lock-out holds.
        log.warning("Login delay not checked, the cache is unavailable: %s", error)
        return 0
    return math.ceil(until - time.time()) if until and until > time.time() else 0


def login_failure_record(username: str) -> None:
    """Counts one more wrong password for `username`; from LOGIN_USER_FAILURE_LIMIT failures
    on, each one starts a delay of 1, 2, 4, … seconds, at most LOGIN_USER_DELAY_MAX_SECONDS.
    The count is forgotten after the axes cool-off without a failure."""
    count_key, until_key = _keys(username)
    window = int(get_cool_off().total_seconds())
    try:
        # add + incr: concurrent failures from many addresses are all counted (incr is atomic
        # in Redis).
        cache.add(count_key, 0, window)
        try:
            failures = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.add(count_key, 1, window)
            failures = 1
        cache.touch(count_key, window)
        over = failures - settings.LOGIN_USER_FAILURE_LIMIT
        if over >= 0:
            delay = min(2 ** min(over, 16), settings.LOGIN_USER_DELAY_MAX_SECONDS)
            cache.set(until_key, time.time() + delay, delay + 60)
    except RedisError as error:
        log.warning("Login failure not counted, the cache is unavailable: %s", error)


def login_failures_reset(username: str) -> None:
    try:
        cache.delete_many(_keys(username))
    except RedisError as error:
        log.warning("Login failures not reset, the cache is unavailable: %s", error)


def on_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs):
    # A refused attempt (either lock-out) tested no password, so it is not counted: counting it
    # would let anyone keep a named user delayed by trying during the delay.
    if request is None or getattr(request, "axes_locked_out", False):
        return
    username = credentials.get("username")
    if username:
        login_failure_record(username)


def on_logged_in(sender, request: HttpRequest | None, user, **kwargs):
    login_failures_reset(user.get_username())


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lock-out check for logins over HTTP (the login page and the admin's both pass the
    request), then the username's delay. authenticate() without a request comes from our own
    code — the test client, a shell — where there is no remote caller to throttle; axes would
    refuse it outright."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        super().authenticate(request, username=username, password=password, **kwargs)
        delay = login_delay(username) if username else 0
        if delay:
            # The same path as an axes lock-out: AxesMiddleware answers with lockout_response.
            request.axes_locked_out = True
            request.login_delay = delay
            raise AxesBackendPermissionDenied("the username is delayed after failed logins")
        return None


def _lockout_left(request: HttpRequest, credentials: dict | None) -> int:
    """Seconds until axes' lock-out of this username at this address ends: the cool-off runs
    from the failure that reached the limit (tries while locked out are not counted)."""
    cool_off = get_cool_off(request)
    last = AccessAttempt.objects.filter(
        username=(credentials or {}).get("username"),
        ip_address=getattr(request, "axes_ip_address", None),
    ).aggregate(last=Max("attempt_time"))["last"]
    if last is None:
        return math.ceil(cool_off.total_seconds())
    return max(1, math.ceil((last + cool_off - timezone.now()).total_seconds()))


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The login page again, with the lock-out or delay said plainly (429 and Retry-After, so
    scripts see it too)."""
    delay = getattr(request, "login_delay", 0)
    if delay:
        retry_after = delay
        message = ngettext(
            "Too many failed logins for this account. Try again in %(seconds)d second.",
            "Too many failed logins for this account. Try again in %(seconds)d seconds.",
            delay,
        ) % {"seconds": delay}
    else:
        retry_after = _lockout_left(request, credentials)
        minutes = max(1, math.ceil(retry_after / 60))
        message = ngettext(
            "Too many failed logins for this account from your address. Logging in is blocked "
            "for %(minutes)d minute; try again after that.",
            "Too many failed logins for this account from your address. Logging in is blocked "
            "for %(minutes)d minutes; try again after that.",
            minutes,
        ) % {"minutes": minutes}
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    response: HttpResponse = render(
        request,
        "registration/login.html",
        {"form": form, "locked_out": message, "next": request.POST.get("next", "")},
        status=429,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response
