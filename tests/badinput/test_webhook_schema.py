"""The webhook against its own OpenAPI document (schemathesis, in-process through Django's WSGI
app with its whole middleware stack): whatever is sent, no 500 and every response conforms to
the document. A share of the cases is signed correctly for a real shop, and a share of those
has its items' rating and time made valid, so the handler's parsing and import code is
reached — not just the signature check."""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.api import signed_headers
from reviews.models import ImportBatch, Platform, Review, Shop

OPERATION = ("/api/shops/{slug}/reviews", "POST")


@pytest.fixture
def webhook_schema():
    # As in Django's test client, the database connection is not closed after each request
    # (it holds the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def shop(db):
    return Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)


FREE_TEXT = ("text", "followup_text", "product_name", "buyer_nick", "courier", "sku")


def _valid(item):
    """A valid item carrying the generated item's free-text fields (any Unicode, formulas,
    NULs, escapes), so those reach the classifier and the database."""
    if not isinstance(item, dict):
        return item
    valid = {"rating": "差评", "text": "快递太慢", "reviewed_at": "2024-11-12T10:31:07+08:00"}
    valid.update({k: v for k, v in item.items() if k in FREE_TEXT and isinstance(v, str)})
    valid["review_id"] = "V" + str(abs(hash(json.dumps(item, sort_keys=True))))[:12]
    if not valid["text"].replace("\x00", "").strip():
        valid["text"] = "快递太慢"
    return valid


@pytest.mark.django_db
def test_the_webhook_answers_every_request_within_its_document(webhook_schema, shop):
    # Driven by hypothesis directly: schemathesis's pytest plugin does not run on pytest 9.
    path, method = OPERATION
    operation = webhook_schema[path][method]
    signed_calls = []

    # Three in four calls signed, three in four of those made valid: with 40 examples the
    # checks below (batches imported, reviews stored) do not hang on the luck of the draw.
    mostly = st.integers(0, 3).map(bool)

    @given(case=operation.as_strategy(), signed=mostly, valid=mostly)
    @settings(max_examples=settings.default.max_examples)
    def check(case, signed, valid):
        call = {}
        if signed and isinstance(case.body, dict):
            payload = case.body
            if valid:
                if isinstance(payload.get("reviews"), list):
                    # An empty list stays one item long, so a valid call stores a review.
                    items = payload["reviews"] or [{}]
                    payload = {**payload, "reviews": [_valid(i) for i in items]}
                else:
                    payload = _valid(payload)
            body = json.dumps(payload).encode()  # a lone surrogate travels as a \udxxx escape
            case.path_parameters = {"slug": shop.slug}
            call = {
                "data": body,
                "headers": {
                    "Content-Type": "application/json",
                    **signed_headers(shop.webhook_secret, body),
                },
            }
        response = case.call(**call)
        assert response.status_code < 500, response.text
        case.validate_response(response)
        if call:
            signed_calls.append(response.status_code)

    check()
    # The signed share really got past the signature: batches were imported, reviews stored.
    assert signed_calls.count(200) >= 5, signed_calls
    assert ImportBatch.objects.filter(shop=shop).count() >= 5
    assert Review.objects.filter(shop=shop).exists()


@pytest.mark.django_db
def test_a_signed_request_really_reaches_the_import(client, shop):
    """The signing above is right: the same construction stores a review."""
    body = json.dumps(
        {"review_id": "S1", "rating": "差评", "text": "快递慢", "reviewed_at": "2024-11-12 10:00"},
        ensure_ascii=False,
    ).encode()
    response = client.post(
        f"/api/shops/{shop.slug}/reviews",
        data=body,
        content_type="application/json",
        headers=signed_headers(shop.webhook_secret, body),
    )
    assert response.status_code == 200, response.content
    assert Review.objects.filter(platform_review_id="S1").exists()


@pytest.mark.django_db
def test_lone_surrogates_and_nuls_are_rejected_per_item_not_a_500(client, shop):
    """JSON may escape a lone surrogate ("\\ud800"), which no database accepts; NUL neither.
    Each such item is rejected with a reason; the good item beside it is stored."""
    items = [
        {"review_id": "G1", "rating": "差评", "text": "快递慢", "reviewed_at": "2024-11-12 10:00"},
        {"review_id": "S\ud800", "rating": "差评", "text": "x", "reviewed_at": "2024-11-12 10:00"},
        {"review_id": "S2", "rating": "差\ud800", "text": "x\x00", "reviewed_at": "2024-11-12"},
        {"review_id": "S3", "rating": "\x00", "text": "\udfff", "reviewed_at": "\x00"},
    ]
    body = json.dumps({"reviews": items}).encode()
    response = client.post(
        f"/api/shops/{shop.slug}/reviews",
        data=body,
        content_type="application/json",
        headers=signed_headers(shop.webhook_secret, body),
    )
    assert response.status_code == 200, response.content
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["created", "rejected", "rejected", "rejected"]
    assert list(Review.objects.values_list("platform_review_id", flat=True)) == ["G1"]


@pytest.mark.django_db
def test_json_nested_past_the_stack_is_invalid_json_not_a_500(client, shop):
    for body in (b"[" * 100_000, b'{"reviews": ' + b"[" * 50_000):
        response = client.post(
            f"/api/shops/{shop.slug}/reviews",
            data=body,
            content_type="application/json",
            headers=signed_headers(shop.webhook_secret, body),
        )
        assert (response.status_code, response.json()["error"]) == (400, "invalid_json")
