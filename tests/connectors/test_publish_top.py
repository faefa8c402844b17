"""「发布到平台」 on Tmall (TOP taobao.traderate.explain.add), through the HTTP client against
the fake TOP gateway, which checks every call's signature.

| the click                                       | what happens                                  |
| ----------------------------------------------- | --------------------------------------------- |
| a lead / an agent of the shop, approved reply   | posted once; reply, timeline, audit say so    |
| a manager, another shop's people, no CSRF token | refused; the platform is never called         |
| too long, over 30 days, after a 追评, posted    | said before calling; nothing sent             |
| the platform refuses (already explained…)       | the refusal in words; not posted; may retry   |
| invalid session, App Call Limited               | nothing posted, said so                       |
| a timeout, a 502 page                           | 「结果未知」, one call only, never repeated     |
| a second click, a second tab at the same time   | one call only                                 |
| a Taobao C-shop (no API)                        | no button; copy and mark posted as before     |
"""

import threading
from datetime import timedelta

from django.db import connection as db_connection
from django.test import Client, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from connectors import services
from connectors.models import ConnectionStatus, PlatformConnection
from outreach.models import LeadAlert, PublishOutcome, Reply, ReplyState
from reviews.models import AuditLog, Membership, Platform, Review, Role, Shop, Status

from ..base import PASSWORD
from .fake_top import FakeTop, rate
from .publishing import HTMX, TEXT, PublishWorld, said
from .world import connected, serve

OID = 77701


class TmallWorld(PublishWorld):
    """Shop "tmall" connected to a fake TOP gateway; one 差评 pulled, its reply approved."""

    def setUp(self) -> None:
        self.top = serve(self, FakeTop())
        self.tmall = Shop.objects.create(name="Tmall 旗舰店", slug="tmall", platform=Platform.TMALL)
        self.people(self.tmall)
        self.connection = connected(self.tmall, self.top, "sess-alpha")
        self.top.add(rate(OID, created=timezone.now() - timedelta(days=2)))
        services.connection_pull(connection_id=self.connection.id)
        self.review = Review.objects.get(shop=self.tmall, platform_review_id=str(OID))
        self.reply = self.approved(self.review)
        self.top.calls.clear()

    def explains(self) -> list[dict]:
        return [c for c in self.top.calls if c["method"] == "taobao.traderate.explain.add"]


class TmallPublishTestCase(TmallWorld):
    def test_a_lead_posts_the_approved_reply_with_one_click(self):
        page = self.page(self.review)
        self.assertContains(page, 'id="reply-publish-button"')
        self.assertContains(page, reverse("reply_publish", args=[self.reply.pk]))

        response = self.publish(self.reply)

        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.top.refused, [])  # signed as TOP checks it
        [call] = self.explains()
        self.assertEqual((call["oid"], call["reply"]), (str(OID), TEXT))
        self.assertEqual(self.top.explained, {str(OID): TEXT})
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.POSTED)
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.POSTED)
        self.assertEqual(self.reply.posted_by, self.shop_lead)
        self.assertIsNotNone(self.reply.posted_at)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.REPLIED)
        self.assertEqual(self.reply_events(self.review)[-1], "published")
        self.assertTrue(
            AuditLog.objects.filter(
                action="reply_published", actor=self.shop_lead, target=f"review:{self.review.pk}"
            ).exists()
        )
        self.assertContains(response, said("Posted on %(platform)s.", platform="天猫"))
        self.assertNotContains(response, 'id="reply-publish-button"')

    def test_an_agent_of_the_shop_may_post_it(self):
        self.assertEqual(self.publish(self.reply, self.shop_agent).status_code, 200)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.posted_by, self.shop_agent)

    def test_managers_and_other_shops_people_get_nothing_and_the_platform_is_not_called(self):
        for user in (self.shop_manager, self.agent, self.lead, self.outsider):
            self.assertEqual(self.publish(self.reply, user).status_code, 404, user.username)
        self.assertNotContains(self.page(self.review, self.shop_manager), "reply-publish-button")
        self.assertEqual(self.explains(), [])
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.APPROVED)

    def test_the_button_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.login(username="tmall-lead", password=PASSWORD)
        response = client.post(reverse("reply_publish", args=[self.reply.pk]))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.explains(), [])

    def test_the_rules_are_checked_before_calling(self):
        cases = {
            "too long": ({"text": "亲" * 501}, {}),
            "追评": ({}, {"followup_at": timezone.now(), "followup_text": "追加：还是不行"}),
            "window": ({}, {"reviewed_at": timezone.now() - timedelta(days=31)}),
        }
        for name, (reply_fields, review_fields) in cases.items():
            with self.subTest(name):
                Reply.objects.filter(pk=self.reply.pk).update(**reply_fields or {"text": TEXT})
                Review.objects.filter(pk=self.review.pk).update(
                    followup_at=None, reviewed_at=timezone.now() - timedelta(days=2)
                )
                Review.objects.filter(pk=self.review.pk).update(**review_fields)
                self.reply.refresh_from_db()
                response = self.publish(self.reply)
                self.assertEqual(response.status_code, 409)
                self.assertEqual(self.explains(), [])
                self.reply.refresh_from_db()
                self.assertEqual(self.reply.state, ReplyState.APPROVED)
                self.assertEqual(self.reply.publish_outcome, PublishOutcome.NONE)
        self.assertContains(
            response,
            said(
                "%(platform)s accepts a reply within %(days)d days of the review; that time "
                "has passed.",
                platform="天猫",
                days=30,
            ),
            status_code=409,
        )

    def test_an_already_posted_reply_is_not_sent_again(self):
        self.publish(self.reply)
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, said("This reply is already posted."), status_code=409)
        self.assertEqual(len(self.explains()), 1)

    def test_the_platforms_refusal_is_recorded_and_said_in_words(self):
        # Explained from the seller's own back office since the last pull.
        self.top.explained[str(OID)] = "已处理"
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(len(self.explains()), 1)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.APPROVED)
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.REFUSED)
        self.assertEqual(self.reply.publish_code, "15 isv.explain-exist")
        self.assertIn("该评价已经解释过", self.reply.publish_message)
        self.assertContains(
            response,
            said("%(platform)s says this review already has a seller reply.", platform="天猫"),
            status_code=409,
        )
        self.assertEqual(self.reply_events(self.review)[-1], "publish_refused")
        self.assertTrue(AuditLog.objects.filter(action="reply_publish_refused").exists())
        # Not posted: the button is offered again.
        self.assertContains(self.page(self.review), 'id="reply-publish-button"')

    def test_a_refusal_code_not_known_is_shown_with_the_platforms_own_message(self):
        self.connection.app_secret = "not-the-secret"
        self.connection.save()
        response = self.publish(self.reply)
        self.assertContains(
            response,
            said(
                "%(platform)s refused the reply (%(code)s): %(message)s",
                platform="天猫",
                code="25",
                message="Invalid signature",
            ),
            status_code=409,
        )
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.REFUSED)

    def test_an_expired_session_and_throttling_post_nothing_and_say_so(self):
        for script, msgid in (
            (
                "expired",
                "The shop's authorisation on %(platform)s has expired: a team lead renews "
                "it. Nothing was posted.",
            ),
            (
                "throttle",
                "%(platform)s is limiting calls right now. Nothing was posted; try again in "
                "a few minutes.",
            ),
        ):
            with self.subTest(script):
                self.top.answers = [script]
                response = self.publish(self.reply)
                self.assertContains(response, said(msgid, platform="天猫"), status_code=409)
                self.reply.refresh_from_db()
                self.assertEqual(self.reply.publish_outcome, PublishOutcome.REFUSED)
                self.connection.refresh_from_db()
                if script == "expired":
                    # The connection stops as a pull would stop it; its leads are told.
                    self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)
                    self.assertTrue(LeadAlert.objects.filter(shop=self.tmall).exists())
                    self.assertNotContains(self.page(self.review), "reply-publish-button")
                    self.connection.status = ConnectionStatus.OK
                    self.connection.save()
                else:
                    self.assertEqual(self.connection.status, ConnectionStatus.OK)
        self.assertEqual(self.top.explained, {})

    def test_a_timeout_is_an_unknown_outcome_never_repeated(self):
        self.top.answers = [("slow", 2.5)]  # the gateway posts it, but answers too late
        response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.APPROVED)
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)
        self.assertEqual(self.reply_events(self.review)[-1], "publish_unknown")
        self.assertContains(response, 'id="reply-publish-outcome"', status_code=409)
        self.assertNotContains(response, 'id="reply-publish-button"', status_code=409)
        # A second click does not call the platform again.
        again = self.publish(self.reply)
        self.assertEqual(again.status_code, 409)
        self.assertEqual(len(self.explains()), 1)
        # The person looks on Tmall, finds it there and marks it posted.
        marked = self.client.post(reverse("reply_posted", args=[self.reply.pk]), headers=HTMX)
        self.assertEqual(marked.status_code, 200)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.state, ReplyState.POSTED)

    def test_a_gateway_error_page_is_unknown_and_not_retried(self):
        self.top.answers = ["gateway_error"]
        with self.top.settings(RETRIES=3):  # the pulls' retries never apply to a write
            response = self.publish(self.reply)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(len(self.explains()), 1)
        self.reply.refresh_from_db()
        self.assertEqual(self.reply.publish_outcome, PublishOutcome.UNKNOWN)

    def test_a_closed_port_is_not_sent_and_may_be_clicked_again(self):
        with self.top.settings(TOP_API_URL="http://127.0.0.1:9/router/rest"):
            response = self.publish(self.reply)
        self.assertContains(
            response,
            said(
                "%(platform)s could not be reached. Nothing was posted; try again later.",
                platform="天猫",
            ),
            status_code=409,
        )
        self.assertEqual(self.publish(self.reply).status_code, 200)
        self.assertEqual(self.top.explained, {str(OID): TEXT})

    def test_an_expired_connection_offers_no_button(self):
        self.connection.status = ConnectionStatus.EXPIRED
        self.connection.save()
        self.assertNotContains(self.page(self.review), "reply-publish-button")
        self.assertEqual(self.publish(self.reply).status_code, 409)
        self.assertEqual(self.explains(), [])


class TaobaoCShopTestCase(PublishWorld):
    """Taobao C-shops have no reply API: the copy-and-mark-posted way stays as it was."""

    def test_no_button_and_marking_posted_works_as_before(self):
        with FakeTop() as top, top.settings():
            PlatformConnection.objects.create(
                shop=self.shop,
                platform=Platform.TAOBAO,
                app_key=top.app_key,
                app_secret=top.secret,
                session_key="sess-alpha",
            )
            self.shop_agent, self.shop_lead = self.agent, self.lead
            review = self.make_review(self.shop, platform_review_id="55501")
            reply = self.approved(review)
            page = self.page(review)
            self.assertNotContains(page, "reply-publish-button")
            self.assertContains(page, reverse("reply_posted", args=[reply.pk]))
            self.assertEqual(self.publish(reply).status_code, 409)
            self.assertEqual(top.calls, [])
            marked = self.client.post(reverse("reply_posted", args=[reply.pk]), headers=HTMX)
            self.assertEqual(marked.status_code, 200)
            reply.refresh_from_db()
            self.assertEqual(reply.state, ReplyState.POSTED)
            self.assertEqual(reply.publish_outcome, PublishOutcome.NONE)


class TwoTabsTestCase(TransactionTestCase):
    """Two tabs click at the same moment: one call reaches the platform."""

    def test_two_simultaneous_clicks_post_once(self):
        from django.contrib.auth.models import User

        with FakeTop() as top, top.settings():
            shop = Shop.objects.create(name="T", slug="tm", platform=Platform.TMALL)
            lead = User.objects.create_user("tm-lead", password=PASSWORD)
            Membership.objects.create(user=lead, shop=shop, role=Role.LEAD)
            connection = PlatformConnection.objects.create(
                shop=shop,
                platform=Platform.TMALL,
                app_key=top.app_key,
                app_secret=top.secret,
                session_key="sess-alpha",
            )
            top.add(rate(OID, created=timezone.now() - timedelta(days=1)))
            services.connection_pull(connection_id=connection.id)
            review = Review.objects.get(shop=shop)
            reply = Reply.objects.create(
                review=review, shop=shop, text=TEXT, state=ReplyState.APPROVED
            )
            top.answers = [("slow", 0.5)]  # the first call is still open when the second comes
            statuses = []

            def click():
                client = Client()
                client.force_login(lead)
                url = reverse("reply_publish", args=[reply.pk])
                statuses.append(client.post(url, headers=HTMX).status_code)
                db_connection.close()

            tabs = [threading.Thread(target=click) for _ in range(2)]
            for tab in tabs:
                tab.start()
            for tab in tabs:
                tab.join()
            explains = [c for c in top.calls if c["method"] == "taobao.traderate.explain.add"]
            self.assertEqual(len(explains), 1)
            self.assertEqual(sorted(statuses), [200, 409])
            reply.refresh_from_db()
            self.assertEqual(reply.state, ReplyState.POSTED)
