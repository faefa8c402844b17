"""Refuse an oversized request body from its declared length, before anything reads it.

The import view checks the length too, but it runs after CsrfViewMiddleware, which reads
`request.POST` — and for a multipart upload that parses the whole body into a temporary
file. Without this a 1 GB POST was read and written to disk in full before being refused.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _


def body_limit_bytes() -> int:
    """The largest body accepted: the import limit plus room for the form's other fields."""
    return (settings.IMPORT_MAX_UPLOAD_MB + 1) * 1024 * 1024


class UploadLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > body_limit_bytes():
            message = _("The file is larger than the upload limit of %(limit)s MB.") % {
                "limit": settings.IMPORT_MAX_UPLOAD_MB
            }
            if request.path.startswith("/api/"):
                response = JsonResponse({"error": "too_large", "detail": message}, status=413)
            else:
                response = HttpResponse(
                    format_html(
                        '<!doctype html><meta charset="utf-8"><title>413</title><p>{}</p>',
                        message,
                    ),
                    status=413,
                )
            # The rest of the body is never read: the connection cannot be reused.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
