"""The server-error page, built to work when the database is what failed: no context
processors, no session, no user, no query — only the template and the active language."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import get_language

# While the database is unreachable, ask clients to come back after this many seconds.
RETRY_AFTER_S = 30


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: 503 with Retry-After when the database connection failed (lost, refused,
    terminated: retrying later is the right advice), a plain 500 for anything else."""
    error = sys.exc_info()[1]
    unavailable = isinstance(error, OperationalError | InterfaceError)
    status = 503 if unavailable else 500
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "error": "unavailable" if unavailable else "server_error",
                "detail": "The database is unavailable; nothing was stored. Send again later."
                if unavailable
                else "An unexpected error; nothing was stored. Send again later.",
            },
            status=status,
        )
    else:
        body = loader.get_template("500.html").render(
            {"unavailable": unavailable, "LANGUAGE_CODE": get_language()}
        )
        response = HttpResponse(body, status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response
