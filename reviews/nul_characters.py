"""Refuse a request whose query string or form holds a NUL character, before any view.

PostgreSQL stores no NUL in text and psycopg refuses to send one, so a view that filters on
such a value or saves it would answer 500. No field of the desk has a use for one.
"""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.utils.html import format_html
from django.utils.translation import gettext as _


def _holds_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists())


class NulCharacterMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # After CsrfViewMiddleware, which has parsed the form already (uploads included).
        if _holds_nul(request.GET) or _holds_nul(request.POST):
            message = _("The request contains a NUL character (\\0), which no field accepts.")
            return HttpResponseBadRequest(
                format_html(
                    '<!doctype html><meta charset="utf-8"><title>400</title><p>{}</p>', message
                )
            )
        return self.get_response(request)
