"""Pulling a Kuaishou shop's reviews and posting its replies (issue 19), against the fake
gateway.

| the platform                                   | a pull / a reply                                |
| ---------------------------------------------- | ----------------------------------------------- |
| 差评 (1–2) and 中评 (3) over pages, duplicates  | each stored once with its rating; 好评 never    |
| across pages, a newer comment mid-paging       | asked for; none lost; a second pull changes     |
|                                                | nothing                                         |
| a crash after page k                           | the next pull resumes at page k+1               |
| a slow page (timeout), malformed JSON          | pull fails, stored pages stay; the next resumes |
| a comment changed to 5 stars                   | revised on the look-up by order                 |
| a buyer's 追评, a seller reply on Kuaishou      | shown on the review; the reply recorded posted  |
| the call-frequency limit                       | backs off                                       |
| access_token expired, also mid-pull            | expired, stored pages stay, pulls stop, leads   |
|                                                | and admins told                                 |
| a wrong signSecret                             | the gateway's signature refusal on the pull     |
| open.comment.add                               | posted once to the root comment; refused after  |
|                                                | 30 days, a second time, or by the platform      |
"""

import json
import time
from datetime import timedelta
from io import StringIO
from unittest import mock

from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from connectors import services, triggers
from connectors.clients import CLIENTS, CallFailed, ReplyRejected, client_for
from connectors.kuaishou import KuaishouClient, sign
from connectors.models import ConnectionStatus, PlatformConnection, PullCursor, PullOutcome
from outreach.models import AlertKind, LeadAlert, Reply, ReplyState
from reviews.models import Platform, Review, Shop, Source, Status

from ..base import PASSWORD, BaseTestCase
from .failures import PullFailures
from .fake_kuaishou import FakeKuaishou, comment, ks_sign
from .world import connected, crashing_after, pull, serve, spread


def lists(fake: FakeKuaishou) -> list[dict]:
    return [c["business"] for c in fake.calls if c["method"] == "open.comment.list.get"]


class KuaishouWorld(BaseTestCase):
    """Shop "ks" (a 快手小店) connected to a fake gateway that runs for each test."""

    def setUp(self) -> None:
        self.ks = serve(self, FakeKuaishou(), PAGE_SIZE=20, ITEMS_PER_COMMIT=1)
        self.shop_ks = Shop.objects.create(
            name="快手 Echo 小店", slug="ks-echo", platform=Platform.KUAISHOU
        )
        self.make_user("kelly", self.shop_ks, "lead")
        self.connection = connected(self.shop_ks, self.ks, "tok-ks")

    def comments(self, count: int, *, start: int = 1000, score: int = 1, hours: float = 60):
        made = spread(comment, count, start=start, hours=hours, score=score)
        self.ks.add(*made)
        return made


class KuaishouSigningTestCase(KuaishouWorld):
    def test_it_signs_as_the_gateway_recomputes_and_calls_the_methods_path(self):
        params = {"appkey": "k", "method": "m", "param": '{"a":1}', "signMethod": "HMAC_SHA256"}
        self.assertEqual(sign(params, "s3"), ks_sign(params, "s3"))
        md5 = params | {"signMethod": "MD5"}
        self.assertEqual(sign(md5, "s3", "MD5"), ks_sign(md5, "s3"))
        self.assertEqual(CLIENTS["kuaishou"], "connectors.kuaishou.KuaishouClient")
        self.assertIsInstance(client_for(self.connection), KuaishouClient)
        KuaishouClient(self.connection).ping()
        (call,) = self.ks.calls  # the fake refuses a path that does not match the method
        self.assertEqual((call["version"], call["access_token"]), ("1", "tok-ks"))
        self.assertEqual(call["business"]["qualityScore"], [1, 2])
        self.assertEqual((call["business"]["offset"], call["business"]["limit"]), (0, 20))
        self.assertEqual(len(call["timestamp"]), 13)  # milliseconds

    def test_a_wrong_secret_shows_the_gateways_signature_refusal_on_the_pull(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(app_secret="wrong")
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("22: 签名验证失败", run.message)
        self.assertEqual((len(self.ks.refused), len(self.ks.calls)), (1, 0))
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.FAILING)


class KuaishouPagingTestCase(KuaishouWorld):
    def test_it_stores_the_bad_and_neutral_once_across_pages_and_duplicates(self):
        self.comments(50, start=1000, score=1)
        self.comments(10, start=3000, score=2)
        self.comments(25, start=5000, score=3)
        self.comments(5, start=8000, score=5)  # 好评: not asked for
        self.ks.repeat_across_pages = True
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(run.created, 85)
        reviews = Review.objects.filter(shop=self.shop_ks)
        self.assertEqual(reviews.count(), 85)
        self.assertEqual(reviews.filter(rating="negative").count(), 60)
        self.assertEqual(reviews.filter(rating="neutral").count(), 25)
        self.assertEqual(set(reviews.values_list("source", flat=True)), {Source.CONNECTOR})
        one = reviews.get(platform_review_id="1000")
        self.assertEqual(
            (one.order_id, one.text), ("2500000001000", "东西和图片差太多了，客服也不理人")
        )
        filters = {tuple(b["qualityScore"]) for b in lists(self.ks)}
        self.assertEqual(filters, {(1, 2), (3,)})
        again = pull(self.connection)
        self.assertEqual((again.created, again.updated, again.revised), (0, 0, 0))
        self.assertEqual(reviews.count(), 85)

    def test_a_newer_comment_arriving_mid_paging_shifts_the_offsets_and_none_is_lost(self):
        made = self.comments(45, score=1, hours=10)
        newest = comment(9999, created=timezone.now() - timedelta(minutes=1))
        self.ks.arrive_after_page = {1: [newest]}
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        stored = set(Review.objects.values_list("platform_review_id", flat=True))
        self.assertTrue({str(c["commentId"]) for c in made} <= stored)
        self.assertEqual(Review.objects.count(), len(stored))  # each once
        # The one that arrived late is read by the next pull's overlap, if not by this one.
        pull(self.connection)
        self.assertIn("9999", set(Review.objects.values_list("platform_review_id", flat=True)))
        self.assertEqual(Review.objects.count(), 46)

    def test_a_comment_taken_down_mid_paging_loses_none_of_the_others(self):
        made = self.comments(45, score=1, hours=10)
        self.ks.hide_after_page = {1: [made[0]["commentId"]]}  # the newest, on page 1
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        stored = set(Review.objects.values_list("platform_review_id", flat=True))
        self.assertEqual(stored, {str(c["commentId"]) for c in made})
        self.assertEqual(Review.objects.count(), 45)
        offsets = [b["offset"] for b in lists(self.ks) if b["offset"]]
        self.assertEqual(offsets, [19, 39])  # each later page starts a row early

    def test_it_resumes_after_a_crash_mid_pages_without_loss_or_duplicates(self):
        self.comments(100, score=1, hours=10)
        with (
            mock.patch.object(services, "client_for", crashing_after(KuaishouClient, 3)),
            self.assertRaises(RuntimeError),
        ):
            pull(self.connection)
        self.assertEqual(Review.objects.count(), 59)  # three pages of 20, overlapping by one
        self.assertEqual(PullCursor.objects.get(stream="bad").next_page, 4)
        self.ks.calls.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(lists(self.ks)[0]["offset"], 59)  # page 4, a row early
        self.assertEqual((run.created, run.updated), (41, 0))
        self.assertEqual(Review.objects.count(), 100)

    def test_a_503_on_a_read_is_retried_and_the_pull_goes_on(self):
        self.comments(5)
        self.ks.answers = ["unavailable"]
        with self.ks.settings(PAGE_SIZE=20, ITEMS_PER_COMMIT=1, RETRIES=1):
            run = pull(self.connection)
        self.assertEqual((run.outcome, run.created), (PullOutcome.OK, 5), run.message)
        self.assertEqual(self.ks.unavailable, 1)

    def test_the_command_pulls_a_kuaishou_shop_now_and_says_what_it_found(self):
        self.comments(3)
        out = StringIO()
        call_command("connector_pull", "ks-echo", stdout=out)
        self.assertIn("ks-echo: ok", out.getvalue())
        self.assertIn("new 3", out.getvalue())


class KuaishouChangesTestCase(KuaishouWorld):
    def test_a_comment_changed_to_five_stars_is_revised_on_the_look_up_by_order(self):
        (made,) = self.comments(1)
        pull(self.connection)
        self.ks.edit(made["commentId"], qualityScore=5, content="商家处理很好，改好评")
        run = pull(self.connection)
        self.assertEqual(run.revised, 1)
        review = Review.objects.get()
        self.assertEqual((review.status, review.rating), (Status.REVISED, "positive"))
        by_order = [b for b in lists(self.ks) if "outOrderNo" in b]
        self.assertEqual(by_order[-1]["outOrderNo"], str(made["orderId"]))

    def test_a_followup_found_on_the_look_up_is_shown_on_the_review(self):
        (made,) = self.comments(1)
        pull(self.connection)
        added = made["createTime"] + 3_600_000
        followup = {
            "commentId": made["commentId"] * 10 + 1,
            "rootCommentId": made["commentId"],
            "content": "用了两天又坏了",
            "createTime": added,
            "sellerReply": False,
        }
        self.ks.edit(made["commentId"], attached=True, attachedTime=added, _subs=[followup])
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        review = Review.objects.get()
        self.assertEqual(review.followup_text, "用了两天又坏了")
        self.assertEqual(int(review.followup_at.timestamp() * 1000), added)
        subs = [c for c in self.ks.calls if c["method"] == "open.subcomment.list.get"]
        self.assertEqual(subs[-1]["business"], {"rootCommentId": made["commentId"]})

    def test_a_seller_reply_on_kuaishou_is_recorded_as_posted(self):
        self.ks.add(
            comment(7771, created=timezone.now() - timedelta(hours=5), reply="亲，已为您补发")
        )
        run = pull(self.connection)
        self.assertEqual(run.replies, 1)
        self.assertEqual(Reply.objects.get().text, "亲，已为您补发")
        self.assertEqual(Review.objects.get().status, Status.REPLIED)


class KuaishouFailuresTestCase(PullFailures, KuaishouWorld):
    gateway = "ks"
    throttled_says = "28: API调用频率超过限制"
    expired_says = "access_token已过期"
    refused_says = "500: 服务异常"
    page_size = 20

    @override_settings(ADMINS=[("Ops", "ops@example.com")])
    def test_an_expired_token_stops_the_shops_pulls_and_tells_its_leads_and_admins(self):
        self.ks.tokens.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.EXPIRED)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)
        self.assertIn("24", self.connection.last_error)
        alert = LeadAlert.objects.get(shop=self.shop_ks)
        self.assertEqual(alert.kind, AlertKind.CONNECTOR)
        self.assertIn(self.shop_ks.name, alert.subject)
        self.assertTrue(alert.link.endswith("/shops/ks-echo/connector/"))
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(self.shop_ks.name, mail.outbox[0].subject)
        self.assertIsNone(pull(self.connection))


class KuaishouReplyTestCase(KuaishouWorld):
    def pulled(self, *, hours: float = 5, comment_id: int = 4242) -> Review:
        self.ks.add(comment(comment_id, created=timezone.now() - timedelta(hours=hours)))
        pull(self.connection)
        return Review.objects.get(platform_review_id=str(comment_id))

    def test_a_reply_is_posted_once_to_the_root_comment(self):
        review = self.pulled()
        posted = client_for(self.connection).post_reply(review, "非常抱歉，已为您安排补发")
        self.assertEqual(posted.platform_reply_id, "42422")
        (sent,) = self.ks.replies
        self.assertEqual(sent, {"replyToCommentId": 4242, "content": "非常抱歉，已为您安排补发"})
        (call,) = [c for c in self.ks.calls if c["method"] == "open.comment.add"]
        self.assertEqual(call["business"]["replyToCommentId"], 4242)

    def test_the_platforms_refusal_is_a_rejected_reply_in_its_words(self):
        review = self.pulled()
        self.ks.edit(4242, sellerReply=True)  # answered in the Kuaishou backend meanwhile
        with self.assertRaises(ReplyRejected) as refused:
            client_for(self.connection).post_reply(review, "您好")
        self.assertEqual(refused.exception.code, "802")
        self.assertIn("不能重复回复", refused.exception.message)
        self.assertEqual(self.ks.replies, [])

    def test_the_rules_are_checked_before_calling(self):
        self.ks.add(comment(5151, created=timezone.now() - timedelta(days=31)))
        review = self.pulled()
        old = Review.objects.get(platform_review_id="5151")
        client = client_for(self.connection)
        with self.assertRaises(ReplyRejected) as late:
            client.post_reply(old, "您好")
        self.assertEqual(late.exception.code, "rules")
        self.assertIn("30", late.exception.message)
        Reply.objects.create(
            review=review, shop=self.shop_ks, text="已回复", state=ReplyState.POSTED
        )
        review.refresh_from_db()
        with self.assertRaises(ReplyRejected):
            client.post_reply(review, "再回复一次")
        self.assertEqual([c["method"] for c in self.ks.calls if "add" in c["method"]], [])

    def test_a_lost_answer_is_not_retried(self):
        review = self.pulled()
        with (
            self.ks.settings(TIMEOUT=1, RETRIES=3),
            mock.patch.object(self.ks, "add_reply", wraps=self.slow_reply) as answered,
            self.assertRaises(CallFailed) as failed,
        ):
            client_for(self.connection).post_reply(review, "您好")
        self.assertEqual(failed.exception.code, "unknown")  # it may have been posted
        self.assertEqual(answered.call_count, 1)

    def slow_reply(self, business: dict) -> dict:
        time.sleep(2)
        return {"result": 1, "data": {"commentId": 1}}

    def test_a_reply_request_carries_the_signature_the_gateway_checks(self):
        review = self.pulled()
        PlatformConnection.objects.filter(id=self.connection.id).update(app_secret="wrong")
        self.connection.refresh_from_db()
        with self.assertRaises(ReplyRejected) as refused:
            client_for(self.connection).post_reply(review, "您好")
        self.assertEqual(refused.exception.code, "22")
        self.assertEqual(json.loads(self.ks.refused[-1]["param"])["replyToCommentId"], 4242)


class KuaishouConnectWorld(KuaishouWorld):
    """Lead kelly on the 快手小店's connector page, not connected yet; `connect` posts the
    form (the fake's credentials, `form_more`, then `fields`), the queued pull held."""

    form_more: dict = {}

    def setUp(self) -> None:
        super().setUp()
        self.connection.delete()
        self.client.login(username="kelly", password=PASSWORD)
        sending = mock.patch.object(triggers.current_app, "send_task")  # the queued pull
        self.sent = sending.start()
        self.addCleanup(sending.stop)

    def connect(self, **fields):
        form = {
            "app_key": self.ks.app_key,
            "app_secret": self.ks.secret,
            "session_key": "tok-ks",
            "token_expires_at": "",
        }
        form |= self.form_more | fields
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(reverse("connector_connect", args=["ks-echo"]), form)


class KuaishouConnectTestCase(KuaishouConnectWorld):
    """A lead connects the 快手小店 on its connector page, tried against the fake first."""

    form_more = {"push_secret": "AAECAwQFBgcICQoLDA0ODw=="}

    def test_the_page_asks_for_kuaishous_fields_and_the_push_key(self):
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        form = page.context["form"]
        self.assertIn("push_secret", form.fields)
        self.assertNotIn("seller_nick", form.fields)
        # Kuaishou calls it the sign secret (签名密钥), not the app secret.
        self.assertEqual(str(form.fields["app_secret"].label), "签名密钥（signSecret）")

    def test_a_lead_connects_it_tried_stored_with_its_push_key_and_pulled_at_once(self):
        self.assertEqual(self.connect().status_code, 302)
        connection = PlatformConnection.objects.get(shop=self.shop_ks)
        self.assertEqual(connection.platform, Platform.KUAISHOU)
        self.assertEqual(connection.push_secret, "AAECAwQFBgcICQoLDA0ODw==")
        self.assertEqual(len(self.ks.calls), 1)  # the connection test, accepted
        self.sent.assert_called_once()
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        self.assertNotContains(page, "AAECAwQFBgcICQoLDA0ODw==")
        self.assertTrue(page.context["push_ready"])
        # A blank key keeps the stored one.
        self.assertEqual(self.connect(push_secret="").status_code, 302)
        connection.refresh_from_db()
        self.assertEqual(connection.push_secret, "AAECAwQFBgcICQoLDA0ODw==")

    def test_a_wrong_sign_secret_stores_nothing(self):
        response = self.connect(app_secret="wrong")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "签名验证失败", status_code=400)
        self.assertFalse(PlatformConnection.objects.exists())
