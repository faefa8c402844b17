"""Where an audit line comes from: the caller's address, and the names of the actions.

The address is remembered per request by `ClientIPMiddleware`, so the services that write
audit lines (reviews.services.audit_record) record it without every caller passing it on.
"""

import functools
import ipaddress
from contextvars import ContextVar

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_request_ip: ContextVar[str | None] = ContextVar("audit_request_ip", default=None)


def _address(value: str) -> IPAddress | None:
    """`value` as an address, an IPv4 address mapped into IPv6 as plain IPv4; None if it is
    not one (a forwarded entry can be anything a client cared to send)."""
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


@functools.cache
def _networks(proxies: tuple) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _is_trusted_proxy(address: IPAddress) -> bool:
    return any(address in network for network in _networks(tuple(settings.TRUSTED_PROXIES)))


def _from_trusted_proxy(request: HttpRequest) -> bool:
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    return remote is not None and _is_trusted_proxy(remote)


class ForwardedHeadersMiddleware:
    """First in the chain: a request that does not come from one of TRUSTED_PROXIES loses its
    X-Forwarded-* headers, so nothing after (the HTTPS redirect and secure cookies through
    SECURE_PROXY_SSL_HEADER, the caller's address) believes what a client claims."""

    HEADERS = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_HOST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if not _from_trusted_proxy(request):
            for header in self.HEADERS:
                request.META.pop(header, None)
        return self.get_response(request)


def client_ip(request: HttpRequest) -> str | None:
    """The caller's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXIES. Then the
    X-Forwarded-For entries are read from the right (each was appended by the proxy to its
    right) past every trusted proxy, and the first other address is the caller; everything
    left of it is whatever the client claimed and is never believed. An entry that is not an
    address ends the walk at the last proxy known to be ours."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    if not _is_trusted_proxy(remote):
        return str(remote)
    nearest = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        if not entry.strip():
            continue
        address = _address(entry)
        if address is None:
            break
        nearest = address
        if not _is_trusted_proxy(address):
            break
    return str(nearest)


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
    "classifier_activated": _("Classifier model made live"),
    "reply_approved": _("Reply approved"),
    "reply_rejected": _("Reply sent back"),
    "reply_published": _("Reply posted through the platform"),
    "reply_publish_refused": _("Reply refused by the platform"),
    "reply_publish_unknown": _("Reply posting outcome unknown"),
    "compensation_approved": _("Compensation approved"),
    "compensation_rejected": _("Compensation refused"),
    "compensation_with_revision": _("Compensation logged with an agreement to revise"),
    "buyer_do_not_contact": _("Buyer asked not to be contacted"),
    "message_sent_by_hand": _("Message sent by hand"),
    "message_by_hand_failed": _("Message could not be sent by hand"),
    "sms_unknown_resent": _("SMS of unknown outcome sent again"),
    "sms_unknown_by_hand": _("SMS of unknown outcome left to send by hand"),
    "review_revised": _("Buyer's changed rating recorded"),
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
