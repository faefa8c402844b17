"""Kuaishou's push is a trigger only (issue 19): a message the shop's app key encrypted queues
an early pull of that shop and is answered as the platform expects; an unknown shop, a forged
body or another app's message is refused with nothing queued or stored."""

import base64
import json
import os
import time
from unittest import mock

from django.test import Client
from django.urls import reverse

from connectors import triggers
from connectors.models import ConnectionStatus, PlatformConnection, PullRun
from reviews.models import Platform, Review, Shop

from ..base import PASSWORD, BaseTestCase
from .fake_kuaishou import push_body

KEY = base64.b64encode(bytes(range(16))).decode()


def message(app_key: str = "ks680001", **more) -> dict:
    now = int(time.time() * 1000)
    return {
        "eventId": "evt-1",
        "msgId": "msg-1",
        "bizId": 2500000004242,
        "userId": 1234567,
        "openId": "f19a0c",
        "appKey": app_key,
        "event": "kwaishop_comment_add",
        "info": json.dumps({"commentId": 4242, "oid": 2500000004242}),
        "status": 1,
        "createTime": now,
        "updateTime": now,
        **more,
    }


class KuaishouPushTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client = Client(enforce_csrf_checks=True)  # the platform has no CSRF token
        self.ks_shop = Shop.objects.create(
            name="快手 Echo 小店", slug="ks-echo", platform=Platform.KUAISHOU
        )
        self.connection = PlatformConnection.objects.create(
            shop=self.ks_shop,
            platform=Platform.KUAISHOU,
            app_key="ks680001",
            app_secret="ks-sign-secret-0123",
            session_key="tok-ks",
            push_secret=KEY,
        )
        sending = mock.patch.object(triggers.current_app, "send_task")
        self.sent = sending.start()
        self.addCleanup(sending.stop)

    def post(self, body: bytes, slug: str = "ks-echo"):
        with self.captureOnCommitCallbacks(execute=True):  # the pull is queued on commit
            return self.client.post(
                reverse("kuaishou_push", args=[slug]), data=body, content_type="text/plain"
            )

    def test_a_push_the_shops_key_encrypted_queues_an_early_pull_and_answers_result_1(self):
        answer = self.post(push_body(message(), KEY))
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer.json(), {"result": 1})
        self.sent.assert_called_once_with(triggers.PULL_TASK, args=(self.connection.id,))
        # A trigger only: nothing of the message is stored, the pull reads the platform.
        self.assertEqual((Review.objects.count(), PullRun.objects.count()), (0, 0))

    def test_a_burst_of_pushes_queues_one_pull_and_each_is_acknowledged(self):
        for n in range(3):
            answer = self.post(push_body(message(msgId=f"msg-{n}"), KEY))
            self.assertEqual(answer.json(), {"result": 1})
        self.assertEqual(self.sent.call_count, 1)

    def test_an_unknown_shop_or_one_not_on_kuaishou_is_not_found(self):
        self.assertEqual(self.post(push_body(message(), KEY), slug="nope").status_code, 404)
        self.assertEqual(self.post(push_body(message(), KEY), slug="alpha").status_code, 404)
        PlatformConnection.objects.filter(id=self.connection.id).update(push_secret="")
        self.assertEqual(self.post(push_body(message(), KEY)).status_code, 404)
        self.sent.assert_not_called()

    def test_a_forged_body_or_another_apps_message_is_refused_with_nothing_done(self):
        other_key = base64.b64encode(os.urandom(16)).decode()
        forged = [
            push_body(message(), other_key),  # encrypted with another key
            json.dumps(message()).encode(),  # not encrypted at all
            base64.b64encode(b"0123456789abcdef"),  # one block of garbage
            b"",
            push_body(message(app_key="ks999999"), KEY),  # the key's message, another app's
            push_body(["not", "an", "object"], KEY),
        ]
        for body in forged:
            with self.subTest(body=body[:20]):
                answer = self.post(body)
                self.assertEqual(answer.status_code, 403)
                self.assertNotEqual(answer.json().get("result"), 1)
        self.sent.assert_not_called()

    def test_an_expired_or_disabled_connection_is_acknowledged_without_a_pull(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            status=ConnectionStatus.EXPIRED
        )
        self.assertEqual(self.post(push_body(message(), KEY)).json(), {"result": 1})
        PlatformConnection.objects.filter(id=self.connection.id).update(
            status=ConnectionStatus.OK, enabled=False
        )
        self.assertEqual(self.post(push_body(message(), KEY)).json(), {"result": 1})
        self.sent.assert_not_called()

    def test_only_post_is_answered(self):
        answer = self.client.get(reverse("kuaishou_push", args=["ks-echo"]))
        self.assertEqual(answer.status_code, 405)
        self.sent.assert_not_called()


class KuaishouPushAddressTestCase(BaseTestCase):
    def test_the_connector_page_shows_a_kuaishou_shops_leads_the_push_address(self):
        shop = Shop.objects.create(
            name="快手 Echo 小店", slug="ks-echo", platform=Platform.KUAISHOU
        )
        self.make_user("kelly", shop, "lead")
        connection = PlatformConnection.objects.create(
            shop=shop, platform=Platform.KUAISHOU, app_key="k", app_secret="s", session_key="t"
        )
        self.client.login(username="kelly", password=PASSWORD)
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        self.assertContains(page, "http://testserver/api/kuaishou/push/ks-echo")
        self.assertTrue(page.context["push_url"])
        self.assertFalse(page.context["push_ready"])  # no message key yet
        connection.push_secret = KEY
        connection.save()
        self.assertTrue(
            self.client.get(reverse("connector_page", args=["ks-echo"])).context["push_ready"]
        )
        self.assertNotContains(page, KEY)

    def test_other_platforms_show_no_push_address(self):
        PlatformConnection.objects.create(
            shop=self.shop, platform=Platform.TAOBAO, app_key="k", app_secret="s", session_key="t"
        )
        self.client.login(username="larry", password=PASSWORD)
        page = self.client.get(reverse("connector_page", args=["alpha"]))
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("push_url", page.context)
        self.assertNotContains(page, "/api/kuaishou/push/")
