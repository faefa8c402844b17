"""Login throttling (django-axes)."""

import math

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext


class LoginThrottleBackend(AxesStandaloneBackend):
    """Axes' lock-out check for logins over HTTP (the login page and the admin's both pass the
    request). authenticate() without a request comes from our own code — the test client, a
    shell — where there is no remote caller to throttle; axes would refuse it outright."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """The login page again, with the lock-out said plainly (429, so scripts see it too)."""
    cool_off = get_cool_off(request)
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60)) if cool_off else 0
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
    return response
