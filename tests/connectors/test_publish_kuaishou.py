"""「发布到平台」 on Kuaishou (open.comment.add), through the HTTP client against the fake
gateway (signature checked).

| the click                                         | what happens                              |
| ------------------------------------------------- | ----------------------------------------- |
| an approved reply                                 | posted once to the root comment           |
| replied in Kuaishou's backend since the last pull | the platform's refusal, in its words      |
| 31 days after the review                          | said before calling, no call              |
| a timeout                                         | 「结果未知」, one call, not repeated         |
| a result code the client does not know            | 「结果未知」, not a refusal                  |
| the shop's token expired                          | nothing posted, said so                   |
"""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext

from connectors import services
from outreach.models import PublishOutcome, ReplyState
from reviews.models import Platform, Review, Shop

from .fake_kuaishou import FakeKuaishou, comment
from .publishing import TEXT, PublishWorld, said
from .world import connected, serve


class KuaishouPublishTestCase(PublishWorld):
    def setUp(self) -> None:
        self.ks = serve(self, FakeKuaishou())
        self.echo = Shop.objects.create(
            name="快手 Echo 小店", slug="ks-echo", platform=Platform.KUAISHOU
        )
        self.people(self.echo)
        self.connection = connected(self.echo, self.ks, "tok-ks")
        now = timezone.now()
        self.ks.add(
            comment(4242, created=now - timedelta(days=3)),
            comment(5151, created=now - timedelta(days=31)),
        )
        services.connection_pull(connection_id=self.connection.id)
        self.review = Review.objects.get(shop=self.echo, platform_review_id="4242")
        self.reply = self.approved(self.review)
        self.ks.calls.clear()

    def adds(self) -> list[dict]:
        return [c for c in self.ks.calls if c["method"] == "open.comment.add"]

    def test_an_approved_reply_is_posted_once_to_the_root_comment(self):
        self.assertContains(self.page(self.review), 'id="reply-publish-button"')
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.ks.refused, [])
        self.assertEqual(self.ks.replies, [{"replyToCommentId": 4242, "content": TEXT}])
        self.reply.refresh_from_db()
        self.assertEqual(
            (self.reply.state, self.reply.publish_outcome),
            (ReplyState.POSTED, PublishOutcome.POSTED),
        )
        self.assertEqual(self.publish(self.reply).status_code, 409)  # once
        self.assertEqual(len(self.adds()), 1)

    def test_kuaishous_refusal_is_shown_in_its_words(self):
        self.ks.edit(4242, sellerReply=True)  # replied in Kuaishou's backend meanwhile
        response = self.publish(self.reply)
        self.assertContains(response, "该评价已回复，不能重复回复", status_code=409)
        self.reply.refresh_from_db()
        self.assertEqual(
            (self.reply.state, self.reply.publish_outcome),
            (ReplyState.APPROVED, PublishOutcome.REFUSED),
        )
        self.assertEqual(self.ks.replies, [])

    def test_past_30_days_it_is_said_before_calling(self):
        old = self.approved(Review.objects.get(shop=self.echo, platform_review_id="5151"))
        response = self.publish(old)
        self.assertContains(
            response,
            said(
                "%(platform)s accepts a reply within %(days)d days of the review; that time "
                "has passed.",
                platform=gettext("Kuaishou"),
                days=30,
            ),
            status_code=409,
        )
        self.assertEqual(self.adds(), [])

    def test_a_timeout_is_unknown_and_not_repeated(self):
        self.ks.slow_replies = 2.5
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(len(self.adds()), 1)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)

    def test_a_result_code_not_known_is_an_unknown_outcome_not_a_refusal(self):
        self.ks.reply_result = 9
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)
        self.assertEqual(len(self.ks.replies), 1)
        self.assertNotContains(self.page(self.review), "reply-publish-button")

    def test_an_expired_token_posts_nothing(self):
        self.ks.tokens.clear()
        response = self.publish(self.reply)
        self.assertContains(
            response,
            said(
                "The shop's authorisation on %(platform)s has expired: a team lead renews "
                "it. Nothing was posted.",
                platform=gettext("Kuaishou"),
            ),
            status_code=409,
        )
        self.assertEqual(self.ks.replies, [])
