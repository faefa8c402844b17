"""Pulling an eBay shop's feedback through the Trading API's GetFeedback (issue 19), against
the fake Trading API.

| eBay                                            | a pull                                         |
| ----------------------------------------------- | ---------------------------------------------- |
| negative and neutral feedback over pages,       | each stored once, positives never asked for    |
| newest first                                    |                                                |
| new feedback since the last pull                | pages only until what it has seen; adds the new |
| new feedback arriving between two pages         | a record read twice, none lost                 |
| a slow page (timeout), malformed XML            | pull fails clearly; the next resumes and reads |
| feedback revised to Positive, a seller response | revised; the response recorded as posted       |
| usage limit (518)                               | backs off                                      |
| hard-expired token (932)                        | expired, pulls stop, the leads are told        |
"""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from connectors import services
from connectors.clients import CallFailed
from connectors.ebay import EbayClient
from connectors.models import ConnectionStatus, PlatformConnection, PullOutcome
from outreach.models import AlertKind, LeadAlert, Reply
from reviews.models import Platform, Review, Shop, Source, Status

from ..base import BaseTestCase
from .fake_ebay import FakeEbay, detail
from .world import pull, serve

TOKEN = "v^1.1#i^1#ebay-alpha"


class EbayWorld(BaseTestCase):
    """Shop echo (eBay) connected with its OAuth user token to a fake Trading API."""

    def setUp(self) -> None:
        self.ebay = serve(self, FakeEbay(token=TOKEN), PAGE_SIZE=25, ITEMS_PER_COMMIT=1)
        self.echo = Shop.objects.create(name="Echo eBay store", slug="echo", platform=Platform.EBAY)
        self.connection = PlatformConnection.objects.create(
            shop=self.echo, platform=Platform.EBAY, session_key=TOKEN
        )
        self.next_id = 5000

    def feedback(self, count: int, *, kind: str = "Negative", hours: float = 60) -> list[dict]:
        now = timezone.now()
        made = []
        for n in range(count):
            self.next_id += 1
            when = now - timedelta(hours=hours) * (n + 1) / (count + 1)
            made.append(detail(self.next_id, when=when, kind=kind))
        self.ebay.add(*made)
        return made

    def feedback_calls(self) -> list[dict]:
        """The paged GetFeedback calls (not the look-ups by FeedbackID)."""
        return [f for name, f in self.ebay.calls if name == "GetFeedback" and "FeedbackID" not in f]


class EbayPullTestCase(EbayWorld):
    def test_it_stores_negative_and_neutral_feedback_once_across_pages(self):
        negative = self.feedback(40, kind="Negative")
        self.feedback(20, kind="Neutral")
        self.feedback(30, kind="Positive")
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual((run.created, run.pages), (60, 3))
        reviews = Review.objects.filter(shop=self.echo)
        self.assertEqual(reviews.count(), 60)
        self.assertEqual(set(reviews.values_list("rating", flat=True)), {"negative", "neutral"})
        self.assertEqual(set(reviews.values_list("source", flat=True)), {Source.CONNECTOR})
        first = negative[0]
        review = reviews.get(platform_review_id=first["FeedbackID"])
        self.assertEqual(
            (
                review.order_id,
                review.buyer.nick,
                review.text,
                review.product_name,
                str(review.amount),
            ),
            (
                first["OrderLineItemID"],
                first["CommentingUser"],
                first["CommentText"],
                "Cotton T-shirt",
                "19.99",
            ),
        )
        self.assertEqual(
            review.reviewed_at.strftime("%Y-%m-%dT%H:%M:%S"), first["CommentTime"][:19]
        )
        # What eBay documents for the call: received as a seller, the two comment types, the
        # details, pages by number.
        asked = self.feedback_calls()
        self.assertEqual(asked[0]["FeedbackType"], ["FeedbackReceivedAsSeller"])
        self.assertEqual(asked[0]["CommentType"], ["Negative", "Neutral"])
        self.assertEqual(asked[0]["DetailLevel"], ["ReturnAll"])
        pages = [(c["EntriesPerPage"][0], c["PageNumber"][0]) for c in asked]
        self.assertEqual(pages, [("25", "1"), ("25", "2"), ("25", "3")])

    def test_a_second_pull_stops_at_what_it_has_seen_and_adds_only_the_new(self):
        self.feedback(100, hours=24 * 30)
        pull(self.connection)
        self.assertEqual(Review.objects.count(), 100)
        self.ebay.calls.clear()
        self.feedback(3, hours=0.2)
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual((run.created, run.updated, run.revised), (3, 0, 0))
        self.assertEqual(Review.objects.count(), 103)
        # Page 1 holds the new three and older ones already read: no page 2 of 5.
        self.assertEqual(len(self.feedback_calls()), 1)

    def test_feedback_arriving_between_pages_is_read_twice_never_lost(self):
        self.feedback(50, hours=48)

        class Arriving(EbayClient):
            def page(inner, stream, window):  # noqa: N805 (the test case is `self`)
                if window.page_no == 2:  # two buyers leave feedback after the pull began
                    now = timezone.now()
                    self.ebay.add(detail(9001, when=now), detail(9002, when=now))
                return super().page(stream, window)

        with mock.patch.object(services, "client_for", Arriving):
            run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual(Review.objects.count(), 50)  # the two are newer than the window
        self.assertEqual(run.unchanged, 2)  # page 2 began with page 1's last two again
        self.assertEqual(pull(self.connection).created, 2)
        self.assertEqual(Review.objects.count(), 52)

    def test_a_timeout_mid_pull_keeps_the_stored_pages_and_the_next_pull_resumes(self):
        self.feedback(60, hours=10)
        self.ebay.slow_pages = {2: 3}
        with self.ebay.settings(PAGE_SIZE=25, TIMEOUT=1, ITEMS_PER_COMMIT=1):
            run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("network", run.message)
        self.assertEqual(Review.objects.count(), 25)
        self.ebay.calls.clear()
        run = pull(self.connection)
        self.assertEqual((run.outcome, run.created), (PullOutcome.OK, 35))
        self.assertEqual(self.feedback_calls()[0]["PageNumber"], ["2"])

    def test_malformed_xml_is_a_clear_error_and_the_next_pull_reads_it(self):
        self.feedback(5)
        self.ebay.answers = ["malformed"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("malformed: HTTP 200: the answer is not well-formed XML", run.message)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.FAILING)
        self.assertEqual(Review.objects.count(), 0)
        self.assertEqual(pull(self.connection).created, 5)

    def test_entities_in_an_answer_are_refused_not_expanded(self):
        self.ebay.answers = ["entities"]
        with self.assertRaisesMessage(CallFailed, "not well-formed XML"):
            EbayClient(self.connection).ping()

    def test_a_revision_to_positive_and_a_sellers_response_are_picked_up(self):
        first, second = self.feedback(2, hours=5)
        pull(self.connection)
        self.ebay.edit(
            int(first["FeedbackID"]), CommentType="Positive", CommentText="Resolved, thanks"
        )
        self.ebay.edit(int(second["FeedbackID"]), FeedbackResponse="Sorry, a new one is on its way")
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.OK, run.message)
        self.assertEqual((run.revised, run.replies), (1, 1))
        revised = Review.objects.get(platform_review_id=first["FeedbackID"])
        self.assertEqual((revised.status, revised.rating), (Status.REVISED, "positive"))
        reply = Reply.objects.get(review__platform_review_id=second["FeedbackID"])
        self.assertEqual((reply.state, reply.text), ("posted", "Sorry, a new one is on its way"))
        by_id = [f["FeedbackID"][0] for _name, f in self.ebay.calls if "FeedbackID" in f]
        self.assertEqual(sorted(by_id), sorted([first["FeedbackID"], second["FeedbackID"]]))

    def test_feedback_ebay_withdrew_counts_as_revised(self):
        # A withdrawn feedback no longer counts against the shop: pending outreach stops.
        (first,) = self.feedback(1, hours=5)
        pull(self.connection)
        self.ebay.edit(int(first["FeedbackID"]), CommentType="IndependentlyWithdrawn")
        run = pull(self.connection)
        self.assertEqual((run.outcome, run.revised), (PullOutcome.OK, 1), run.message)
        review = Review.objects.get(platform_review_id=first["FeedbackID"])
        self.assertEqual(review.status, Status.REVISED)

    def test_the_usage_limit_backs_off(self):
        self.feedback(5)
        self.ebay.answers = ["limit"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.THROTTLED)
        self.assertIn("518", run.message)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.THROTTLED)
        self.assertGreater(self.connection.retry_after, timezone.now() + timedelta(minutes=9))
        self.assertIsNone(pull(self.connection))

    def test_an_expired_token_stops_the_shops_pulls_and_tells_its_leads(self):
        self.ebay.answers = ["expired"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.EXPIRED)
        self.assertIn("932", run.message)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)
        self.assertEqual(LeadAlert.objects.get(shop=self.echo).kind, AlertKind.CONNECTOR)
        self.assertIsNone(pull(self.connection))
        with mock.patch.object(services.current_app, "send_task") as sent:
            self.assertEqual(services.connections_pull_due(), 0)
        sent.assert_not_called()

    def test_an_unknown_token_is_expired_too_and_the_connection_test_says_so(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(session_key="revoked")
        self.connection.refresh_from_db()
        said = services.connection_test(connection=self.connection)
        self.assertIn("931", said)
        self.assertEqual(self.ebay.refused, ["GeteBayOfficialTime"])
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)

    def test_the_connection_test_passes_with_a_good_token(self):
        self.assertEqual(services.connection_test(connection=self.connection), "")
        self.assertEqual([name for name, _f in self.ebay.calls], ["GeteBayOfficialTime"])

    def test_the_command_pulls_an_ebay_shop_now(self):
        self.feedback(4, kind="Neutral")
        out = mock.Mock()
        call_command("connector_pull", "echo", stdout=out)
        printed = "".join(str(c.args[0]) for c in out.write.call_args_list)
        self.assertIn("echo: ok", printed)
        self.assertIn("new 4", printed)


class EbayAdminTestCase(EbayWorld):
    def test_an_ebay_shop_connects_with_its_oauth_user_token_alone(self):
        admin = self.make_user("root", self.echo, "lead")
        admin.is_staff = admin.is_superuser = True
        admin.save()
        self.client.force_login(admin)
        PlatformConnection.objects.all().delete()
        form = {
            "shop": self.echo.pk,
            "platform": "ebay",
            "app_key": "",
            "app_secret": "",
            "session_key": "",
            "token_expires_at_0": "",
            "token_expires_at_1": "",
            "enabled": "on",
        }
        add = reverse("admin:connectors_platformconnection_add")
        self.assertEqual(self.client.post(add, form).status_code, 200)  # no token: refused
        self.assertFalse(PlatformConnection.objects.exists())
        self.assertEqual(self.client.post(add, form | {"session_key": TOKEN}).status_code, 302)
        connection = PlatformConnection.objects.get()
        self.assertEqual((connection.session_key, connection.app_key), (TOKEN, ""))
        self.assertEqual(services.connection_test(connection=connection), "")
