"""「发布到平台」 on JD (JOS saveReply) and eBay (Trading API RespondToFeedback), through the HTTP
client against the fake JOS router (signature checked) and the fake Trading API (token and
headers checked).

| the click                                   | JD                      | eBay                     |
| ------------------------------------------- | ----------------------- | ------------------------ |
| an approved reply                           | saveReply, posted       | RespondToFeedback Reply  |
|                                             |                         | to the buyer, posted     |
| too long                                    | JD's refusal, in words  | said before calling      |
| replied elsewhere since the last pull       | JD's refusal, in words  | eBay's refusal, in words |
| the shop's token expired                    | nothing posted, said so | nothing posted, said so  |
| a timeout                                   | 「结果未知」, one call    | 「结果未知」, one call     |
| a resultCode the client does not know       | 「结果未知」              |                          |
| a manager clicks                            | 404, no call            | 404, no call             |
"""

from datetime import timedelta

from django.utils import timezone

from connectors import services
from connectors.models import PlatformConnection
from outreach.models import PublishOutcome, ReplyState
from reviews.models import Platform, Review, Shop

from .fake_ebay import FakeEbay, detail
from .fake_jos import SAVE_REPLY, FakeJos, comment
from .publishing import TEXT, PublishWorld, said
from .world import connected, serve

TOKEN = "v^1.1#i^1#ebay-alpha"
ENGLISH = "Sorry about the delay. We have refunded you; please contact us anytime."


class JdPublishTestCase(PublishWorld):
    def setUp(self) -> None:
        self.jos = serve(self, FakeJos())
        self.jd = Shop.objects.create(name="京东 Delta 店", slug="jd-delta", platform=Platform.JD)
        self.people(self.jd)
        self.connection = connected(self.jd, self.jos, "tok-jd")
        self.jos.add(comment(4242, created=timezone.now() - timedelta(days=3)))
        services.connection_pull(connection_id=self.connection.id)
        self.review = Review.objects.get(shop=self.jd, platform_review_id="4242")
        self.reply = self.approved(self.review)
        self.jos.calls.clear()

    def saves(self) -> list[dict]:
        return [c for c in self.jos.calls if c["method"] == SAVE_REPLY]

    def test_an_approved_reply_is_posted_through_save_reply(self):
        self.assertContains(self.page(self.review), 'id="reply-publish-button"')
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.jos.refused, [])
        self.assertEqual(len(self.saves()), 1)
        self.assertEqual(self.jos.replied, {"4242": TEXT})
        self.reply.refresh_from_db()
        self.assertEqual(
            (self.reply.state, self.reply.publish_outcome),
            (ReplyState.POSTED, PublishOutcome.POSTED),
        )
        self.assertEqual(self.reply_events(self.review)[-1], "published")

    def test_jds_refusals_are_said_in_words(self):
        cases = (
            ("亲" * 501, "%(platform)s refused the reply: it is too long."),
            (TEXT, "%(platform)s says this review already has a seller reply."),
        )
        self.jos.edit("4242", isVenderReply=True)  # replied in JD's back office meanwhile
        for text, msgid in cases:
            with self.subTest(msgid):
                self.reply.text = text
                self.reply.publish_outcome = PublishOutcome.NONE
                self.reply.save()
                response = self.publish(self.reply)
                self.assertContains(response, said(msgid, platform="京东"), status_code=409)
                self.reply.refresh_from_db()
                self.assertEqual(self.reply.state, ReplyState.APPROVED)
                self.assertEqual(self.reply.publish_outcome, PublishOutcome.REFUSED)
        self.assertEqual(len(self.saves()), 2)
        self.assertEqual(self.jos.replied, {})

    def test_an_expired_token_posts_nothing(self):
        self.jos.answers = ["expired"]
        response = self.publish(self.reply)
        self.assertContains(
            response,
            said(
                "The shop's authorisation on %(platform)s has expired: a team lead renews "
                "it. Nothing was posted.",
                platform="京东",
            ),
            status_code=409,
        )

    def test_a_timeout_is_unknown_and_not_repeated(self):
        self.jos.answers = [("slow", 2.5)]
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(len(self.saves()), 1)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)

    def test_a_result_code_not_known_is_an_unknown_outcome_not_a_refusal(self):
        # Taken for a refusal, the button would come back and a second click post it twice.
        self.jos.reply_result = "9"
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)
        self.assertEqual(self.jos.replied, {"4242": TEXT})
        self.assertNotContains(self.page(self.review), "reply-publish-button")

    def test_a_manager_cannot_post(self):
        self.assertEqual(self.publish(self.reply, self.shop_manager).status_code, 404)
        self.assertEqual(self.saves(), [])


class EbayPublishTestCase(PublishWorld):
    def setUp(self) -> None:
        self.ebay = serve(self, FakeEbay(token=TOKEN))
        self.echo = Shop.objects.create(name="Echo eBay store", slug="echo", platform=Platform.EBAY)
        self.people(self.echo)
        self.connection = PlatformConnection.objects.create(
            shop=self.echo, platform=Platform.EBAY, session_key=TOKEN
        )
        self.ebay.add(detail(5001, when=timezone.now() - timedelta(days=4), user="jane_buyer"))
        services.connection_pull(connection_id=self.connection.id)
        self.review = Review.objects.get(shop=self.echo, platform_review_id="5001")
        self.reply = self.approved(self.review, ENGLISH)
        self.ebay.calls.clear()

    def responds(self) -> list[dict]:
        return [fields for name, fields in self.ebay.calls if name == "RespondToFeedback"]

    def test_a_person_posts_the_reply_to_the_buyer_who_left_the_feedback(self):
        self.assertContains(self.page(self.review), 'id="reply-publish-button"')
        response = self.publish(self.reply, self.shop_agent)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.ebay.refused, [])
        [fields] = self.responds()
        self.assertEqual(fields["FeedbackID"], ["5001"])
        self.assertEqual(fields["TargetUserID"], ["jane_buyer"])
        self.assertEqual(fields["ResponseType"], ["Reply"])
        self.assertEqual(fields["ResponseText"], [ENGLISH])
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.POSTED)
        self.assertEqual(self.reply.posted_by, self.shop_agent)

    def test_over_80_characters_is_said_before_calling(self):
        self.reply.text = "x" * 81
        self.reply.save()
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "81", status_code=409)
        self.assertEqual(self.responds(), [])

    def test_ebays_refusal_is_said_in_words(self):
        self.ebay.edit(5001, FeedbackResponse="We are sorry.")  # answered on eBay meanwhile
        response = self.publish(self.reply)
        self.assertContains(
            response,
            said("%(platform)s says this review already has a seller reply.", platform="eBay"),
            status_code=409,
        )
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_code, "21919406")

    def test_an_expired_token_posts_nothing(self):
        self.ebay.answers = ["expired"]
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.REFUSED)
        self.assertEqual(self.reply.publish_code, "expired")
        self.assertNotIn("FeedbackResponse", self.ebay.feedback[0])

    def test_a_timeout_is_unknown_and_not_repeated(self):
        self.ebay.answers = [("slow", 2.5)]
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(len(self.responds()), 1)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)

    def test_a_manager_cannot_post(self):
        self.assertEqual(self.publish(self.reply, self.shop_manager).status_code, 404)
        self.assertEqual(self.responds(), [])
