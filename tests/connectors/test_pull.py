"""Pulling a Taobao/Tmall shop's reviews from TOP (issue 19), against the fake gateway.

| the platform                                   | a pull                                          |
| ---------------------------------------------- | ----------------------------------------------- |
| 差评 and 中评 over pages, duplicates across    | each review stored once, none lost; a second    |
| pages, the overlap read again                  | pull changes nothing                            |
| a crash after page k                           | the next pull resumes at page k+1 of the window |
| a slow page (timeout), malformed JSON          | pull fails, stored pages stay; the next resumes |
| a rate changed to 好评                         | revised, pending outreach cancelled at once     |
| Tmall: a 追评                                  | stored; the public reply window closes          |
| a seller reply on the platform                 | recorded as posted, the review replied          |
| throttled (code 7)                             | backs off; another shop pulls all the same      |
| invalid session (code 27)                      | expired, pulls stop, the leads are told         |
| a known expiry within a week                   | the leads are warned, once                      |
| a wrong secret                                 | TOP's "Invalid signature", shown on the pull    |
"""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connectors import services
from connectors.models import ConnectionStatus, PlatformConnection, PullCursor, PullOutcome
from connectors.top import TopClient, sign, top_time
from outreach import platforms
from outreach import services as outreach_services
from outreach.models import OPEN_PLAN_STATES, AlertKind, LeadAlert, PlannedContact, Reply
from reviews.models import EventKind, Platform, Review, ReviewEvent, Shop, Source, Status

from .fake_top import rate, top_sign
from .world import ConnectorWorld, crashing_after, pull


class SigningTestCase(ConnectorWorld):
    def test_it_signs_md5_and_hmac_as_the_gateway_recomputes_them(self):
        params = {"method": "taobao.traderates.get", "app_key": "1", "v": "2.0", "b": "x y"}
        for method in ("md5", "hmac"):
            self.assertEqual(sign(params, "s3", method), top_sign(params, "s3", method))
        self.rates(3)
        client = TopClient(self.connection, sign_method="hmac")
        client.ping()
        self.assertEqual(self.top.calls[-1]["sign_method"], "hmac")

    def test_it_shows_the_gateways_invalid_signature_on_the_pull(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(app_secret="wrong")
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("Invalid signature", run.message)
        self.assertEqual(len(self.top.refused), 1)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.FAILING)


class PagingTestCase(ConnectorWorld):
    def test_it_stores_every_review_once_across_pages_duplicates_and_overlap(self):
        self.rates(130, start=1000, result="bad")
        self.rates(50, start=5000, result="neutral")
        self.top.repeat_across_pages = True
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(run.created, 180)
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 180)
        self.assertEqual(set(Review.objects.values_list("source", flat=True)), {Source.CONNECTOR})
        # Handed off as any import's reviews are: the outbox mark, the event on the timeline.
        self.assertFalse(Review.objects.filter(handoff_pending_at__isnull=True).exists())
        self.assertEqual(ReviewEvent.objects.filter(kind=EventKind.IMPORTED).count(), 180)
        # A later pull reads the last 30 minutes again: nothing new, nothing changed.
        self.rates(2, start=9000, hours=0.2)
        again = pull(self.connection)
        self.assertEqual((again.created, again.updated, again.revised), (2, 0, 0))
        self.assertEqual(Review.objects.filter(shop=self.shop).count(), 182)
        last = [c for c in self.top.calls if "start_date" in c][-1]
        self.assertEqual(last["result"], "neutral")
        cursor = PullCursor.objects.get(connection=self.connection, stream="neutral")
        self.assertLessEqual(
            last["start_date"], top_time(cursor.synced_until - timedelta(minutes=29))
        )

    def test_a_window_with_more_than_the_platform_returns_is_cut_until_all_is_read(self):
        # 2,000 差评 within two hours: one query window gives at most 1,500 of them.
        self.rates(2000, result="bad", hours=2)
        PullCursor.objects.create(
            connection=self.connection,
            stream="bad",
            synced_until=timezone.now() - timedelta(hours=3),
        )
        with self.top.settings(PAGE_SIZE=150, ITEMS_PER_COMMIT=1000):
            run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(Review.objects.count(), 2000)
        cursor = PullCursor.objects.get(connection=self.connection, stream="bad")
        self.assertLess(cursor.slice_seconds, 3 * 3600)

    def test_quiet_days_are_read_in_longer_slices(self):
        self.rates(3, hours=24 * 100)
        pull(self.connection)
        windows = [c for c in self.top.calls if c.get("result") == "bad"]
        self.assertLess(len(windows), 30)  # not 180 one-day queries
        self.assertEqual(Review.objects.count(), 3)

    def test_it_reads_only_the_last_180_days(self):
        self.rates(1)
        pull(self.connection)
        first = min(c["start_date"] for c in self.top.calls if "start_date" in c)
        self.assertGreater(first, top_time(timezone.now() - timedelta(days=180)))

    def test_it_resumes_after_a_crash_mid_pages_without_loss_or_duplicates(self):
        self.rates(200, result="bad", hours=10)
        with (
            mock.patch.object(services, "client_for", crashing_after(TopClient, 3)),
            self.assertRaises(RuntimeError),
        ):
            pull(self.connection)
        self.assertEqual(Review.objects.count(), 120)  # three pages of 40
        cursor = PullCursor.objects.get(connection=self.connection, stream="bad")
        self.assertEqual(cursor.next_page, 4)
        self.top.calls.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(self.top.calls[0]["page_no"], "4")
        self.assertEqual((run.created, run.updated), (80, 0))
        self.assertEqual(Review.objects.count(), 200)

    def test_pages_read_but_not_yet_stored_are_read_again_after_a_crash(self):
        self.rates(200, result="bad", hours=10)
        with (
            self.top.settings(PAGE_SIZE=40, ITEMS_PER_COMMIT=100),
            mock.patch.object(services, "client_for", crashing_after(TopClient, 4)),
            self.assertRaises(RuntimeError),
        ):
            pull(self.connection)
        # Pages 1–3 were stored together (120 ≥ 100); page 4 was read, not stored.
        self.assertEqual(Review.objects.count(), 120)
        self.assertEqual(PullCursor.objects.get(stream="bad").next_page, 4)
        run = pull(self.connection)
        self.assertEqual((run.created, run.updated), (80, 0))
        self.assertEqual(Review.objects.count(), 200)

    def test_a_timeout_mid_pull_keeps_the_stored_pages_and_the_next_pull_resumes(self):
        self.rates(120, result="bad", hours=10)
        self.top.slow_pages = {2: 3}
        with self.top.settings(PAGE_SIZE=40, TIMEOUT=1, ITEMS_PER_COMMIT=1):
            run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("network", run.message)
        self.assertEqual(Review.objects.count(), 40)
        run = pull(self.connection)
        self.assertEqual((run.outcome, run.created), (PullOutcome.OK, 80))
        self.assertEqual(Review.objects.count(), 120)

    def test_a_malformed_answer_fails_the_pull_and_the_next_one_reads_it(self):
        self.rates(10)
        self.top.answers = ["malformed"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("malformed", run.message)
        self.assertEqual(Review.objects.count(), 0)
        self.assertEqual(pull(self.connection).created, 10)

    def test_the_command_pulls_one_shop_now_and_says_what_it_found(self):
        self.rates(3)
        out = mock.Mock()
        call_command("connector_pull", "alpha", stdout=out)
        printed = "".join(str(c.args[0]) for c in out.write.call_args_list)
        self.assertIn("alpha: ok", printed)
        self.assertIn("new 3", printed)


class ChangesTestCase(ConnectorWorld):
    def test_a_rate_changed_to_good_is_revised_and_pending_outreach_stops_at_once(self):
        (made,) = self.rates(1)
        pull(self.connection)
        review = Review.objects.get()
        outreach_services.review_plan(review=review)
        open_plans = PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES)
        self.assertTrue(open_plans.exists())
        self.top.edit(made["oid"], result="good", content="卖家处理很好，改好评")
        run = pull(self.connection)
        self.assertEqual(run.revised, 1)
        review.refresh_from_db()
        self.assertEqual((review.status, review.rating), (Status.REVISED, "positive"))
        self.assertFalse(open_plans.exists())

    def test_a_seller_reply_on_the_platform_is_recorded_as_posted(self):
        self.top.add(
            rate(
                7771, created=timezone.now() - timedelta(hours=1), reply="亲，非常抱歉，已为您补发"
            )
        )
        run = pull(self.connection)
        self.assertEqual(run.replies, 1)
        reply = Reply.objects.get()
        self.assertEqual((reply.state, reply.text), ("posted", "亲，非常抱歉，已为您补发"))
        self.assertEqual(reply.review.status, Status.REPLIED)
        self.assertEqual(pull(self.connection).replies, 0)  # recorded once

    def test_a_tmall_followup_is_stored_and_closes_the_reply_window(self):
        tmall = Shop.objects.create(name="Tmall 店", slug="tmall-shop", platform=Platform.TMALL)
        connection = self.connect(tmall, session="sess-tmall")
        (made,) = [rate(8881, created=timezone.now() - timedelta(days=2))]
        self.top.add(made)
        pull(connection)
        review = Review.objects.get(shop=tmall)
        self.assertIsNone(review.followup_at)
        self.top.feeds[str(made["oid"])] = {
            "content": made["content"],
            "append_content": "用了一周又坏了",
            "append_time": top_time(timezone.now() - timedelta(hours=1)),
        }
        run = pull(connection)
        self.assertEqual(run.updated, 1)
        review.refresh_from_db()
        self.assertEqual(review.followup_text, "用了一周又坏了")
        deadline = platforms.reply_deadline(
            tmall.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
        )
        self.assertLess(deadline, timezone.now())
        # The agent sees the 追评 on the review's page.
        self.login(self.make_user("tina", tmall, "agent"))
        page = self.client.get(
            reverse("review_detail", args=[review.pk]), headers={"accept-language": "en"}
        )
        self.assertContains(page, "用了一周又坏了")
        batch = ReviewEvent.objects.get(review=review, kind=EventKind.IMPORTED).data["batch"]
        self.assertContains(page, f"Pulled from the platform (batch #{batch})")
        feed_calls = [c for c in self.top.calls if c["method"] == "tmall.traderate.feeds.get"]
        self.assertEqual(feed_calls[-1]["child_trade_id"], str(made["oid"]))


class FailuresTestCase(ConnectorWorld):
    def test_a_throttled_shop_backs_off_and_another_shop_still_pulls(self):
        charlie = Shop.objects.create(name="Charlie 店", slug="charlie", platform=Platform.TAOBAO)
        bravo = self.connect(charlie, session="sess-charlie")
        self.rates(5)
        self.top.answers = ["throttle"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.THROTTLED)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.THROTTLED)
        self.assertGreater(self.connection.retry_after, timezone.now() + timedelta(minutes=9))
        self.assertIsNone(pull(self.connection))  # backing off
        self.assertEqual(pull(bravo).outcome, PullOutcome.OK)
        with mock.patch.object(services.current_app, "send_task") as sent:
            self.assertEqual(services.connections_pull_due(), 1)
        self.assertEqual(sent.call_args.kwargs["args"], (bravo.id,))

    def test_an_invalid_session_stops_the_shops_pulls_and_tells_its_leads(self):
        self.top.sessions.clear()
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.EXPIRED)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)
        self.assertIn("27", self.connection.last_error)
        alert = LeadAlert.objects.get(shop=self.shop)
        self.assertEqual(alert.kind, AlertKind.CONNECTOR)
        self.assertIn(self.shop.name, alert.subject)
        self.assertTrue(alert.link.endswith("/shops/alpha/connector/"))
        self.assertIsNone(pull(self.connection))
        with mock.patch.object(services.current_app, "send_task") as sent:
            self.assertEqual(services.connections_pull_due(), 0)
        sent.assert_not_called()

    def test_the_leads_are_warned_once_a_week_before_a_known_expiry(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=timezone.now() + timedelta(days=5)
        )
        pull(self.connection)
        pull(self.connection)
        alerts = LeadAlert.objects.filter(shop=self.shop, kind=AlertKind.CONNECTOR)
        self.assertEqual(alerts.count(), 1)
        self.assertIn("connector-expiring", alerts.get().key)
