"""The review webhook over HTTP: signatures, staleness, replays, batches and their limits."""

import json
import time

import time_machine
from django.test import override_settings
from django.urls import reverse

from reviews.api import signed_headers
from reviews.models import AuditLog, EventKind, ImportBatch, Review, Shop, Status
from reviews.services import shop_rotate_webhook_secret

from ..base import BaseTestCase
from .ingest_support import FakeClassifierMixin

ENGLISH = override_settings(LANGUAGE_CODE="en")  # messages are asserted in English


def review(n: int = 1, **fields) -> dict:
    item = {
        "review_id": f"W{n}",
        "order_id": f"O{n}",
        "buyer_nick": f"buyer{n}",
        "rating": "差评",
        "text": "快递太慢了，一个星期才到",
        "reviewed_at": "2024-11-12T10:31:07+08:00",
        "amount": "¥89.00",
    }
    item.update(fields)
    return item


@ENGLISH
class WebhookTestCase(FakeClassifierMixin, BaseTestCase):
    def post(
        self,
        payload,
        *,
        shop: Shop | None = None,
        slug: str | None = None,
        secret=None,
        timestamp=None,
        nonce=None,
        body=None,
    ):
        shop = shop or self.shop
        body = body if body is not None else json.dumps(payload, ensure_ascii=False).encode()
        return self.client.post(
            reverse("api_shop_reviews", args=[slug or shop.slug]),
            data=body,
            content_type="application/json",
            headers=signed_headers(
                secret or shop.webhook_secret, body, timestamp=timestamp, nonce=nonce
            ),
        )

    def test_it_stores_one_signed_review(self):
        response = self.post(review())
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["counts"]["created"], 1)
        self.assertEqual(data["results"][0]["status"], "created")
        stored = Review.objects.get(pk=data["results"][0]["review_id"])
        self.assertEqual(
            (stored.shop, stored.source, stored.key_kind), (self.shop, "webhook", "review_id")
        )
        self.assertIsNotNone(stored.handoff_pending_at)
        self.assertEqual(ImportBatch.objects.get().source, "webhook")

    def test_it_refuses_a_bad_or_missing_signature(self):
        response = self.post(review(), secret="not-the-secret")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "bad_signature")
        response = self.client.post(
            reverse("api_shop_reviews", args=["alpha"]), data=b"{}", content_type="application/json"
        )
        self.assertEqual(
            (response.status_code, response.json()["error"]), (401, "missing_signature")
        )
        self.assertFalse(Review.objects.exists())

    def test_it_refuses_a_body_changed_after_signing(self):
        body = json.dumps(review()).encode()
        response = self.client.post(
            reverse("api_shop_reviews", args=["alpha"]),
            data=body.replace(b"W1", b"W2"),
            content_type="application/json",
            headers={
                **signed_headers(self.shop.webhook_secret, body),
            },
        )
        self.assertEqual(response.status_code, 401)

    def test_it_refuses_a_stale_timestamp_either_way(self):
        now = int(time.time())
        for skew in (-301, 301):
            response = self.post(review(), timestamp=now + skew)
            self.assertEqual(
                (response.status_code, response.json()["error"]), (401, "stale_timestamp")
            )
        self.assertEqual(self.post(review(), timestamp=int(time.time()) - 240).status_code, 200)

    def test_a_captured_request_replayed_later_is_refused(self):
        body = json.dumps(review()).encode()
        url = reverse("api_shop_reviews", args=["alpha"])
        with time_machine.travel("2026-01-01 10:00:00+00:00", tick=False):
            headers = signed_headers(self.shop.webhook_secret, body)
            first = self.client.post(url, body, content_type="application/json", headers=headers)
            self.assertEqual(first.status_code, 200)
        with time_machine.travel("2026-01-01 10:06:00+00:00", tick=False):
            late = self.client.post(url, body, content_type="application/json", headers=headers)
            self.assertEqual(late.status_code, 401)
        self.assertEqual(Review.objects.count(), 1)

    def test_a_call_replayed_within_the_window_is_refused_and_undoes_nothing(self):
        url = reverse("api_shop_reviews", args=["alpha"])
        old = json.dumps(review(1)).encode()
        captured = signed_headers(self.shop.webhook_secret, old)
        self.assertEqual(
            self.client.post(url, old, content_type="application/json", headers=captured).json()[
                "results"
            ][0]["status"],
            "created",
        )
        # The buyer's follow-up arrives in a later call; then the captured call is replayed.
        self.assertEqual(self.post(review(1, followup_text="追评：还是没人理")).status_code, 200)
        replay = self.client.post(url, old, content_type="application/json", headers=captured)
        self.assertEqual((replay.status_code, replay.json()["error"]), (409, "replayed"))
        self.assertEqual(Review.objects.get().followup_text, "追评：还是没人理")
        self.assertEqual(ImportBatch.objects.count(), 2)
        # The same nonce is refused even with a fresh timestamp and a new signature; another
        # shop may use it, and a new nonce is a new call.
        nonce = captured["X-ReviewDesk-Nonce"]
        self.assertEqual(self.post(review(1), nonce=nonce).status_code, 409)
        bravo = Shop.objects.get(slug="bravo")
        self.assertEqual(self.post(review(1), shop=bravo, nonce=nonce).status_code, 200)

    def test_it_forgets_nonces_once_their_window_has_passed(self):
        from reviews.models import WebhookNonce

        with time_machine.travel("2026-01-01 10:00:00+00:00", tick=False):
            self.assertEqual(self.post(review(1)).status_code, 200)
        with time_machine.travel("2026-01-01 10:11:00+00:00", tick=False):
            self.assertEqual(self.post(review(2)).status_code, 200)
        self.assertEqual(WebhookNonce.objects.count(), 1)

    def test_it_refuses_a_missing_or_malformed_nonce(self):
        body = json.dumps(review()).encode()
        headers = signed_headers(self.shop.webhook_secret, body)
        del headers["X-ReviewDesk-Nonce"]
        response = self.client.post(
            reverse("api_shop_reviews", args=["alpha"]),
            body,
            content_type="application/json",
            headers=headers,
        )
        self.assertEqual(
            (response.status_code, response.json()["error"]), (401, "missing_signature")
        )
        for nonce in ("short", "x" * 65, "has space in it ok", "ñññññññññññññññññ"):
            response = self.post(review(), nonce=nonce)
            self.assertEqual((response.status_code, response.json()["error"]), (401, "bad_nonce"))
        self.assertFalse(Review.objects.exists())

    def test_it_refuses_another_shops_signature_and_unknown_shops_alike(self):
        wrong = self.post(review(), slug="bravo")  # signed with alpha's secret
        self.assertEqual((wrong.status_code, wrong.json()["error"]), (401, "bad_signature"))
        unknown = self.post(review(), slug="nope")
        # The same answer, byte for byte: the API does not tell which shop names exist.
        self.assertEqual((unknown.status_code, unknown.content), (401, wrong.content))
        self.assertEqual(unknown.headers["Content-Type"], wrong.headers["Content-Type"])
        self.assertFalse(Review.objects.exists())

    def test_it_stores_the_valid_items_of_a_batch_and_rejects_the_malformed_with_index_and_reason(
        self,
    ):
        items = [
            review(1),
            review(2, rating="超级好"),
            "not an object",
            review(4, text=""),
            review(5, rating="好评"),
        ]
        response = self.post({"reviews": items})
        self.assertEqual(response.status_code, 200)
        results = response.json()["results"]
        self.assertEqual([r["index"] for r in results], [0, 1, 2, 3, 4])
        self.assertEqual(
            [r["status"] for r in results],
            ["created", "rejected", "rejected", "rejected", "positive"],
        )
        self.assertEqual(results[1]["errors"][0]["field"], "rating")
        self.assertIn("超级好", results[1]["errors"][0]["reason"])
        self.assertEqual(results[3]["errors"][0]["field"], "text")
        self.assertEqual(Review.objects.count(), 1)
        batch = ImportBatch.objects.get()
        self.assertEqual((batch.created, batch.positive, batch.rejected), (1, 1, 3))
        self.assertEqual(sorted(batch.errors.values_list("row", flat=True)), [1, 2, 3])

    def test_it_limits_a_batch_to_500_items(self):
        response = self.post({"reviews": [review(i) for i in range(501)]})
        self.assertEqual((response.status_code, response.json()["error"]), (413, "too_many_items"))
        self.assertFalse(Review.objects.exists())
        response = self.post({"reviews": [review(i) for i in range(500)]})
        self.assertEqual(response.json()["counts"]["created"], 500)

    def test_it_refuses_what_is_not_json(self):
        response = self.post(None, body=b"rating=bad")
        self.assertEqual((response.status_code, response.json()["error"]), (400, "invalid_json"))
        response = self.post([review()])
        self.assertEqual(response.status_code, 400)

    def test_it_updates_a_changed_review_and_marks_a_positive_one_revised(self):
        self.post(review(1))
        Review.objects.update(handoff_pending_at=None)
        changed = self.post(review(1, followup_text="追评：客服一直没回复"))
        self.assertEqual(changed.json()["results"][0]["status"], "updated")
        stored = Review.objects.get()
        self.assertTrue(stored.events.filter(kind=EventKind.UPDATED).exists())
        self.assertIsNotNone(stored.handoff_pending_at)
        revised = self.post(review(1, rating=5))
        self.assertEqual(revised.json()["results"][0]["status"], "revised")
        stored.refresh_from_db()
        self.assertEqual(stored.status, Status.REVISED)

    def test_it_is_exempt_from_csrf_but_only_takes_posts(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        body = json.dumps(review()).encode()
        response = client.post(
            reverse("api_shop_reviews", args=["alpha"]),
            body,
            content_type="application/json",
            headers={
                **signed_headers(self.shop.webhook_secret, body),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            self.client.get(reverse("api_shop_reviews", args=["alpha"])).status_code, 405
        )

    def test_it_serves_its_openapi_document(self):
        doc = self.client.get(reverse("api_openapi")).json()
        self.assertEqual(doc["openapi"], "3.1.0")
        operation = doc["paths"]["/api/shops/{slug}/reviews"]["post"]
        self.assertEqual(
            {p["name"] for p in operation["parameters"]},
            {"slug", "X-ReviewDesk-Timestamp", "X-ReviewDesk-Nonce", "X-ReviewDesk-Signature"},
        )
        self.assertIn("401", operation["responses"])
        self.assertIn("409", operation["responses"])
        self.assertNotIn("404", operation["responses"])
        self.assertIn("Review", doc["components"]["schemas"])


@ENGLISH
class WebhookSecretTestCase(BaseTestCase):
    def test_a_manager_sees_and_rotates_the_secret(self):
        self.login(self.manager)
        page = self.client.get(reverse("shop_webhook", args=["alpha"]))
        self.assertContains(page, self.shop.webhook_secret)
        old = self.shop.webhook_secret
        response = self.client.post(reverse("shop_webhook_rotate", args=["alpha"]))
        self.assertRedirects(response, reverse("shop_webhook", args=["alpha"]))
        self.shop.refresh_from_db()
        self.assertNotEqual(self.shop.webhook_secret, old)
        log = AuditLog.objects.get(action="webhook_secret_rotated")
        self.assertEqual((log.actor, log.shop), (self.manager, self.shop))

    def test_the_rotation_service_stores_and_audits_the_new_secret(self):
        old = self.shop.webhook_secret
        secret = shop_rotate_webhook_secret(shop=self.shop, actor=self.manager)
        self.assertNotEqual(secret, old)
        self.assertEqual(self.shop.webhook_secret, secret)
        self.assertEqual(Shop.objects.get(pk=self.shop.pk).webhook_secret, secret)
        log = AuditLog.objects.get(action="webhook_secret_rotated")
        # Outside a request there is no address to record.
        self.assertEqual(
            (log.actor, log.shop, log.target, log.ip), (self.manager, self.shop, "alpha", None)
        )

    def test_others_cannot_see_or_rotate_it(self):
        for user in (self.agent, self.lead, self.outsider):
            self.login(user)
            self.assertEqual(
                self.client.get(reverse("shop_webhook", args=["alpha"])).status_code, 404
            )
            self.assertEqual(
                self.client.post(reverse("shop_webhook_rotate", args=["alpha"])).status_code, 404
            )
        self.login(self.manager)
        self.assertEqual(
            self.client.get(reverse("shop_webhook_rotate", args=["alpha"])).status_code, 405
        )
        self.assertFalse(AuditLog.objects.filter(action="webhook_secret_rotated").exists())
