"""Where an audit line comes from: the caller's address, and the names of the actions.

The address is remembered per request by `ClientIPMiddleware`, so the services that write
audit lines (reviews.services.audit_record) record it without every caller passing it on.
"""

import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address. Behind our TLS proxy REMOTE_ADDR is the proxy itself, so the
    address the proxy appended last to X-Forwarded-For is used (earlier entries are whatever
    the client claimed and are never trusted)."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            try:
                return str(ipaddress.ip_address(forwarded))
            except ValueError:
                pass
    return request.META.get("REMOTE_ADDR") or None


def current_client_ip() -> str | None:
    """The address of the request being served (None in a worker or a command)."""
    return _request_ip.get()


class ClientIPMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _request_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            _request_ip.reset(token)


# Every action the audit log records, as the audit page shows it (and offers in its filter):
# reviews.services.audit_record refuses any other, so no line is ever written that the page
# cannot filter for.
ACTIONS = {
    "phone_revealed": _("Phone number revealed"),
    "review_assigned": _("Review assigned"),
    "followup_reassigned": _("Follow-up re-assigned"),
    "classification_corrected": _("Classification corrected"),
    "reply_approved": _("Reply approved"),
    "reply_rejected": _("Reply sent back"),
    "compensation_approved": _("Compensation approved"),
    "compensation_rejected": _("Compensation refused"),
    "buyer_do_not_contact": _("Buyer asked not to be contacted"),
    "report_exported": _("Report exported"),
    "spike_acknowledged": _("Spike alert acknowledged"),
    "import_errors_exported": _("Import error report downloaded"),
    "webhook_secret_rotated": _("Webhook secret rotated"),
    "settings_added": _("Settings added"),
    "settings_changed": _("Settings changed"),
    "settings_deleted": _("Settings deleted"),
    "buyer_erased": _("Buyer's personal data erased"),
    "user_added": _("Account created"),
    "user_changed": _("Account changed"),
    "user_deleted": _("Account deleted"),
}
