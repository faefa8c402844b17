"""The review webhook: signed JSON in, per-item results out; and its OpenAPI document.

Signature: `X-ReviewDesk-Signature: sha256=<hex>`, the HMAC-SHA256 of
`f"{timestamp}.{nonce}.{body}"` with the shop's webhook secret, where `timestamp` is the
`X-ReviewDesk-Timestamp` header (Unix seconds), `nonce` the `X-ReviewDesk-Nonce` header (a
fresh random value per call) and `body` the raw request body. Timestamps more than 5 minutes
off either way are refused, so a captured call cannot be replayed later; within the window its
nonce has been seen (`WebhookNonce`), so a replay is refused too (409) — replaying an old
state would otherwise undo later edits.

An unknown shop answers exactly as a wrong signature does, so the API does not tell which
shop names exist.
"""

import hashlib
import hmac
import json
import re
import secrets
import time
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .ingest.batches import items_import
from .models import Shop, WebhookNonce
from .openapi import document

MAX_ITEMS = 500
MAX_SKEW_S = 300
SIGNATURE_HEADER = "X-ReviewDesk-Signature"
TIMESTAMP_HEADER = "X-ReviewDesk-Timestamp"
NONCE_HEADER = "X-ReviewDesk-Nonce"
NONCE_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Compared against when the shop does not exist, so that answer takes the same path.
_NO_SHOP_SECRET = secrets.token_urlsafe(32)


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def sign(secret: str, timestamp: str, nonce: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` with `nonce`."""
    message = timestamp.encode() + b"." + nonce.encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, *, timestamp=None, nonce=None) -> dict[str, str]:
    """The three headers of a call carrying `body`: what a client (or a test) sends."""
    timestamp = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(24)
    return {
        TIMESTAMP_HEADER: timestamp,
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: sign(secret, timestamp, nonce, body),
    }


def _bad_signature() -> JsonResponse:
    return _error(
        401, "bad_signature", "The signature does not match the body and the shop's secret."
    )


def _first_use(shop: Shop, nonce: str) -> bool:
    """Remember `nonce` for the replay window; False if the shop has already seen it. Nonces
    older than the window are dropped on the way (their calls' timestamps are refused now)."""
    now = timezone.now()
    WebhookNonce.objects.filter(seen_at__lt=now - timedelta(seconds=2 * MAX_SKEW_S)).delete()
    try:
        with transaction.atomic():
            WebhookNonce.objects.create(shop=shop, nonce=nonce, seen_at=now)
    except IntegrityError:
        return False
    return True


# The only CSRF-exempt view: it is authenticated by its signature, not by a session cookie.
@csrf_exempt
@require_POST
def shop_reviews(request: HttpRequest, slug: str) -> JsonResponse:
    shop = Shop.objects.filter(slug=slug).first()
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    nonce = request.headers.get(NONCE_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not nonce or not signature:
        return _error(
            401,
            "missing_signature",
            f"Send {TIMESTAMP_HEADER}, {NONCE_HEADER} and {SIGNATURE_HEADER}.",
        )
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 12:
        return _error(401, "bad_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds.")
    if not NONCE_RE.fullmatch(nonce):
        return _error(401, "bad_nonce", f"{NONCE_HEADER} must be 16 to 64 letters, digits, - or _.")
    sent = int(timestamp)
    if abs(time.time() - sent) > MAX_SKEW_S:
        return _error(
            401, "stale_timestamp", "The timestamp is more than 5 minutes off; sign again."
        )
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_large", "The body is too large; send at most 500 reviews per call.")
    secret = shop.webhook_secret if shop else _NO_SHOP_SECRET
    expected = sign(secret, timestamp, nonce, body)
    if not hmac.compare_digest(signature.encode(), expected.encode()) or shop is None:
        return _bad_signature()
    if not _first_use(shop, nonce):
        return _error(
            409, "replayed", "This call was already received (its nonce was used); sign anew."
        )

    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # "[[[[…" nested past the stack
        return _error(400, "invalid_json", "The body is not JSON.")
    if isinstance(payload, dict) and "reviews" in payload:
        items = payload["reviews"]
        if not isinstance(items, list) or not items:
            return _error(400, "invalid_batch", "“reviews” must be a non-empty list.")
    elif isinstance(payload, dict):
        items = [payload]
    else:
        return _error(400, "invalid_body", 'Send one review object or {"reviews": [...]}.')
    if len(items) > MAX_ITEMS:
        return _error(
            413, "too_many_items", f"At most {MAX_ITEMS} reviews per call; got {len(items)}."
        )

    batch, results = items_import(shop=shop, items=items)
    return JsonResponse(
        {
            "batch": batch.pk,
            "counts": {
                "created": batch.created,
                "updated": batch.updated,
                "unchanged": batch.unchanged,
                "positive": batch.positive,
                "revised": batch.revised,
                "rejected": batch.rejected,
                "skipped": batch.skipped,
            },
            "results": [r.as_json() for r in results],
        }
    )


@require_GET
def openapi(request: HttpRequest) -> JsonResponse:
    return JsonResponse(document(), json_dumps_params={"ensure_ascii": False, "indent": 2})
