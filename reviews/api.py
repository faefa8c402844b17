"""The review webhook: signed JSON in, per-item results out; and its OpenAPI document.

Signature: `X-ReviewDesk-Signature: sha256=<hex>`, the HMAC-SHA256 of `f"{timestamp}.{body}"`
with the shop's webhook secret, where `timestamp` is the `X-ReviewDesk-Timestamp` header (Unix
seconds) and `body` the raw request body. Timestamps more than 5 minutes off either way are
refused, so a captured request cannot be replayed later; within the window a replay is
harmless because imports are idempotent.
"""

import hashlib
import hmac
import json
import time

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .ingest.batches import items_import
from .models import Shop
from .openapi import document

MAX_ITEMS = 500
MAX_SKEW_S = 300
SIGNATURE_HEADER = "X-ReviewDesk-Signature"
TIMESTAMP_HEADER = "X-ReviewDesk-Timestamp"


def _error(status: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value for `body` sent at `timestamp` (also used by tests)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


# The only CSRF-exempt view: it is authenticated by its signature, not by a session cookie.
@csrf_exempt
@require_POST
def shop_reviews(request: HttpRequest, slug: str) -> JsonResponse:
    shop = Shop.objects.filter(slug=slug).first()
    if shop is None:
        return _error(404, "unknown_shop", f"No shop “{slug}”.")
    timestamp = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not timestamp or not signature:
        return _error(401, "missing_signature", f"Send {TIMESTAMP_HEADER} and {SIGNATURE_HEADER}.")
    try:
        sent = int(timestamp)
    except ValueError:
        return _error(401, "bad_timestamp", f"{TIMESTAMP_HEADER} must be Unix seconds.")
    if abs(time.time() - sent) > MAX_SKEW_S:
        return _error(
            401, "stale_timestamp", "The timestamp is more than 5 minutes off; sign again."
        )
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too_large", "The body is too large; send at most 500 reviews per call.")
    if not hmac.compare_digest(
        signature.encode(), sign(shop.webhook_secret, timestamp, body).encode()
    ):
        return _error(
            401, "bad_signature", "The signature does not match the body and the shop's secret."
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
