"""What the shop's platform tells ReviewDesk, sent the way it arrives: through the signed review
webhook. Used by tests that need a later import to change a stored review (a buyer revising)."""

import json

from django.urls import reverse

from reviews.api import signed_headers
from reviews.models import Review


def post_reviews(client, shop, items: list[dict]):
    """POST `items` to the shop's webhook, signed with its secret, as an integration would."""
    body = json.dumps({"reviews": items}, ensure_ascii=False).encode()
    return client.post(
        reverse("api_shop_reviews", args=[shop.slug]),
        data=body,
        content_type="application/json",
        headers=signed_headers(shop.webhook_secret, body),
    )


def revised_on_platform(client, review: Review):
    """The buyer changed the review to positive; the platform's next delivery says so. The
    review must be keyed by its platform review id (external_key "id:…")."""
    assert review.external_key.startswith("id:"), "give the review a platform review id"
    return post_reviews(
        client,
        review.shop,
        [
            {
                "review_id": review.external_key.removeprefix("id:"),
                "order_id": review.order_id,
                "buyer_nick": review.buyer.nick,
                "rating": "好评",
                "text": "已经解决了，谢谢客服",
                "reviewed_at": review.reviewed_at.isoformat(),
            }
        ],
    )
