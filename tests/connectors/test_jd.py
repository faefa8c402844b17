"""Pulling a JD shop's reviews from JOS (issue 19), against the fake router.

| the platform                                   | a pull                                          |
| ---------------------------------------------- | ----------------------------------------------- |
| 差评 (1 star) and 中评 (2–3) over pages,       | each stored once with its rating; 好评 never    |
| duplicates across pages                        | asked for; a second pull changes nothing        |
| a crash after page k                           | the next pull resumes at page k+1               |
| a slow page (timeout), malformed JSON          | pull fails, stored pages stay; the next resumes |
| a comment changed to 5 stars                   | revised on the look-up by order                 |
| a seller reply on JD                           | recorded as posted                              |
| App Call Limited (code 2)                      | backs off                                       |
| invalid access_token (code 19), also mid-pull  | expired, stored pages stay, the pulls stop      |
| the method's own error code in its answer      | pull fails with that code; the next one reads   |
| a wrong secret                                 | JOS's "Invalid Signature" (12) on the pull      |
"""

import json
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from connectors import services
from connectors.jd import JdClient, rating, sign
from connectors.models import ConnectionStatus, PlatformConnection, PullCursor, PullOutcome
from outreach.models import Reply
from reviews.models import Platform, Review, Shop, Source, Status

from ..base import BaseTestCase
from .failures import PullFailures
from .fake_jos import FakeJos, comment, jos_sign
from .world import connected, crashing_after, pull, serve, spread


class JdWorld(BaseTestCase):
    """Shop "jd" (a JD POP shop) connected to a fake JOS router that runs for each test."""

    def setUp(self) -> None:
        self.jos = serve(self, FakeJos(), PAGE_SIZE=40, ITEMS_PER_COMMIT=1)
        self.jd = Shop.objects.create(name="京东 Delta 店", slug="jd-delta", platform=Platform.JD)
        self.connection = connected(self.jd, self.jos, "tok-jd")

    def comments(self, count: int, *, start: int = 1000, score: int = 1, hours: float = 60):
        made = spread(comment, count, start=start, hours=hours, score=score)
        self.jos.add(*made)
        return made


class JdSigningTestCase(JdWorld):
    def test_it_signs_as_the_router_recomputes_with_the_business_params_inside(self):
        params = {"method": "m", "app_key": "k", "360buy_param_json": '{"page":1}', "v": "2.0"}
        self.assertEqual(sign(params, "s3"), jos_sign(params, "s3"))
        JdClient(self.connection).ping()
        (call,) = self.jos.calls
        business = json.loads(call["360buy_param_json"])
        self.assertEqual((business["score"], business["page"]), (1, 1))
        self.assertEqual((call["v"], call["access_token"]), ("2.0", "tok-jd"))

    def test_a_wrong_secret_shows_the_routers_invalid_signature_on_the_pull(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(app_secret="wrong")
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("12: Invalid Signature", run.message)
        self.assertEqual((len(self.jos.refused), len(self.jos.calls)), (1, 0))
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.FAILING)

    def test_stars_map_to_the_desks_ratings(self):
        self.assertEqual(
            [rating(s) for s in (1, 2, 3, 4, 5)], ["差评", "中评", "中评", "好评", "好评"]
        )


class JdPagingTestCase(JdWorld):
    def test_it_stores_the_bad_and_neutral_once_across_pages_and_duplicates(self):
        self.comments(90, start=1000, score=1)
        self.comments(30, start=5000, score=3)
        self.comments(5, start=8000, score=5)  # 好评: not asked for
        self.jos.repeat_across_pages = True
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(run.created, 120)
        reviews = Review.objects.filter(shop=self.jd)
        self.assertEqual(reviews.count(), 120)
        self.assertEqual(reviews.filter(rating="negative").count(), 90)
        self.assertEqual(reviews.filter(rating="neutral").count(), 30)
        self.assertEqual(set(reviews.values_list("source", flat=True)), {Source.CONNECTOR})
        one = reviews.get(platform_review_id="1000")
        self.assertEqual(
            (one.order_id, one.product_name, one.text),
            ("90000001000", "京东自营 纯棉T恤", "质量太差了，洗了一次就破了"),
        )
        scores = {json.loads(c["360buy_param_json"]).get("score") for c in self.jos.calls}
        self.assertEqual(scores, {1, 2})
        again = pull(self.connection)
        self.assertEqual((again.created, again.updated, again.revised), (0, 0, 0))
        self.assertEqual(reviews.count(), 120)

    def test_it_resumes_after_a_crash_mid_pages_without_loss_or_duplicates(self):
        self.comments(200, score=1, hours=10)
        with (
            mock.patch.object(services, "client_for", crashing_after(JdClient, 3)),
            self.assertRaises(RuntimeError),
        ):
            pull(self.connection)
        self.assertEqual(Review.objects.count(), 120)  # three pages of 40
        self.assertEqual(PullCursor.objects.get(stream="bad").next_page, 4)
        self.jos.calls.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(json.loads(self.jos.calls[0]["360buy_param_json"])["page"], 4)
        self.assertEqual((run.created, run.updated), (80, 0))
        self.assertEqual(Review.objects.count(), 200)

    def test_the_command_pulls_a_jd_shop_now_and_says_what_it_found(self):
        self.comments(3)
        out = StringIO()
        call_command("connector_pull", "jd-delta", stdout=out)
        self.assertIn("jd-delta: ok", out.getvalue())
        self.assertIn("new 3", out.getvalue())


class JdChangesTestCase(JdWorld):
    def test_a_comment_changed_to_five_stars_is_revised_on_the_look_up_by_order(self):
        (made,) = self.comments(1)
        pull(self.connection)
        self.jos.edit(made["commentId"], score=5, content="卖家处理很好，改好评")
        run = pull(self.connection)
        self.assertEqual(run.revised, 1)
        review = Review.objects.get()
        self.assertEqual((review.status, review.rating), (Status.REVISED, "positive"))
        by_order = [
            json.loads(c["360buy_param_json"])
            for c in self.jos.calls
            if "orderIds" in c["360buy_param_json"]
        ]
        self.assertEqual(by_order[-1]["orderIds"], str(made["orderId"]))

    def test_a_seller_reply_on_jd_is_recorded_as_posted(self):
        self.jos.add(
            comment(7771, created=timezone.now() - timedelta(hours=1), reply="您好，已为您补发")
        )
        run = pull(self.connection)
        self.assertEqual(run.replies, 1)
        self.assertEqual(Reply.objects.get().text, "您好，已为您补发")
        self.assertEqual(Review.objects.get().status, Status.REPLIED)


class JdFailuresTestCase(PullFailures, JdWorld):
    gateway = "jos"
    throttled_says = "App Call Limited"
    expired_says = "Invalid access_token"
    refused_says = "500: Service error"
    page_size = 40

    def test_an_expired_access_token_stops_the_shops_pulls(self):
        self.jos.tokens.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.EXPIRED)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)
        self.assertIn("19", self.connection.last_error)
        self.assertIsNone(pull(self.connection))
