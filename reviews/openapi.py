"""The webhook's OpenAPI 3.1 document, written by hand (served at /api/openapi.json)."""

from .ingest.headers import ALIASES
from .ingest.outcomes import OUTCOMES

_TIME = {
    "type": "string",
    "description": "ISO 8601 (2024-11-12T10:31:07+08:00) or “2024-11-12 10:31:07” in the shop's time zone.",
}

REVIEW = {
    "type": "object",
    "description": (
        "One review, with the generic import format's field names. Identified by `review_id`; "
        "without it by `order_id` + `sku` (or `product_name`); without those by `order_id` + "
        "`buyer_nick` + `reviewed_at`. Unknown fields are ignored."
    ),
    "required": ["rating", "text", "reviewed_at"],
    "properties": {
        "review_id": {
            "type": "string",
            "maxLength": 100,
            "description": "The platform's review id.",
        },
        "order_id": {"type": "string", "maxLength": 100},
        "buyer_nick": {"type": "string", "maxLength": 100},
        "buyer_phone": {"type": "string"},
        "buyer_timezone": {"type": "string", "examples": ["Asia/Shanghai"]},
        "product_name": {"type": "string"},
        "sku": {"type": "string", "maxLength": 100},
        "amount": {"type": ["string", "number"], "examples": ["¥1,299.00", 1299]},
        "rating": {
            "type": ["string", "integer"],
            "description": "好评/中评/差评, positive/neutral/negative, or 1–5 stars (1–2 negative, 3 neutral, 4–5 positive).",
            "examples": ["差评", "negative", 2],
        },
        "text": {"type": "string", "minLength": 1},
        "followup_text": {"type": "string", "description": "追评 (follow-up review)."},
        "reviewed_at": _TIME,
        "followup_at": _TIME,
        "courier": {"type": "string"},
        "tracking_no": {"type": "string"},
        "shipped_at": _TIME,
        "delivered_at": _TIME,
        "dsr_description": {"type": "number", "minimum": 0, "maximum": 5},
        "dsr_service": {"type": "number", "minimum": 0, "maximum": 5},
        "dsr_logistics": {"type": "number", "minimum": 0, "maximum": 5},
    },
}

ERROR = {
    "type": "object",
    "required": ["error", "detail"],
    "properties": {
        "error": {
            "type": "string",
            "enum": [
                "missing_signature",
                "bad_timestamp",
                "bad_nonce",
                "stale_timestamp",
                "bad_signature",
                "replayed",
                "invalid_json",
                "invalid_batch",
                "invalid_body",
                "too_many_items",
                "too_large",
            ],
        },
        "detail": {"type": "string"},
    },
}

RESULT = {
    "type": "object",
    "required": ["index", "status"],
    "properties": {
        "index": {
            "type": "integer",
            "description": "Position of the item in the request (0-based).",
        },
        "status": {
            "type": "string",
            "enum": list(OUTCOMES),
            "description": (
                "`skipped`: not stored, on purpose (see `reason`); the rest of the batch is "
                "processed as usual."
            ),
        },
        "key": {"type": "string", "description": "The idempotency key derived for the item."},
        "review_id": {"type": "integer", "description": "ReviewDesk's id of the stored review."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "reason": {"type": "string"}},
            },
        },
        "reason": {
            "type": "string",
            "enum": ["erased"],
            "description": (
                "Why a `skipped` item was not stored. `erased`: its buyer's personal data was "
                "erased at their request after the review was written; items of that buyer "
                "dated later are stored (the buyer is not to be contacted)."
            ),
        },
        "detail": {"type": "string", "description": "Why, in words (the shop's language)."},
    },
}


def document() -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ReviewDesk review webhook",
            "version": "1.0",
            "description": (
                "Push a shop's reviews to ReviewDesk. Each request is signed: "
                '`X-ReviewDesk-Signature: sha256=HEX(HMAC_SHA256(secret, timestamp + "." + '
                "nonce + \".\" + body))` with the shop's webhook secret (shown to the shop's "
                "managers under Webhook), `X-ReviewDesk-Timestamp` the Unix time in seconds, "
                "within 5 minutes of the server's clock, and `X-ReviewDesk-Nonce` a fresh random "
                "value for every call (16 to 64 letters, digits, `-` or `_`; a delivery id "
                "will do). A call whose nonce was already received is refused with 409, so a "
                "captured call cannot be replayed; to resend, sign again with a new nonce. An "
                "unknown shop answers 401 exactly like a wrong signature. Sending the same "
                "review again in a new call is harmless: a review is stored once; a change "
                "(follow-up review, new rating) updates it; a neutral or negative review that comes "
                "back positive is marked revised. Positive reviews are counted, not queued."
            ),
        },
        "paths": {
            "/api/shops/{slug}/reviews": {
                "post": {
                    "operationId": "pushReviews",
                    "summary": "Store one review or a batch of up to 500",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            # Django's <slug:> converter: anything else is no URL of this API.
                            "schema": {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"},
                        },
                        {
                            "name": "X-ReviewDesk-Timestamp",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[0-9]+$"},
                        },
                        {
                            "name": "X-ReviewDesk-Nonce",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{16,64}$"},
                        },
                        {
                            "name": "X-ReviewDesk-Signature",
                            "in": "header",
                            "required": True,
                            "schema": {"type": "string", "pattern": "^sha256=[0-9a-f]{64}$"},
                        },
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Review"},
                                        {
                                            "type": "object",
                                            "required": ["reviews"],
                                            "properties": {
                                                "reviews": {
                                                    "type": "array",
                                                    "minItems": 1,
                                                    "maxItems": 500,
                                                    "items": {
                                                        "$ref": "#/components/schemas/Review"
                                                    },
                                                }
                                            },
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Processed. Malformed items are rejected one by one (see `results`); the valid ones are stored.",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/BatchResult"}
                                }
                            },
                        },
                        "400": {
                            "description": "The body is not JSON or not a review / batch.",
                            "content": error,
                        },
                        "401": {
                            "description": (
                                "Missing, stale or wrong signature, or no such shop (the "
                                "same answer, so shop names cannot be guessed)."
                            ),
                            "content": error,
                        },
                        "409": {
                            "description": "This nonce was already used: a replayed call.",
                            "content": error,
                        },
                        "413": {
                            "description": "More than 500 items, or a body over the size limit.",
                            "content": error,
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Review": REVIEW,
                "ItemResult": RESULT,
                "BatchResult": {
                    "type": "object",
                    "required": ["batch", "counts", "results"],
                    "properties": {
                        "batch": {"type": "integer"},
                        "counts": {
                            "type": "object",
                            "properties": {k: {"type": "integer"} for k in OUTCOMES},
                        },
                        "results": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/ItemResult"},
                        },
                    },
                },
                "Error": ERROR,
            }
        },
        "x-generic-file-columns": {field: list(names) for field, names in ALIASES.items()},
    }
