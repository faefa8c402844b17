"""Nowhere is a message 「已发送」 that no provider accepted and no person confirmed: walk every
Message row a representative set of scenarios leaves behind, and the database refuses one."""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse

from outreach import services
from outreach.models import Channel, Kind, Message, MessageState
from outreach.tasks import deliver_message_task, sms_status_task
from outreach.wording import DEFAULT_TEMPLATES, render

from ..base import BaseTestCase
from .fake_aliyun_sms import FakeAliyunSms, aliyun_account

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
PROVIDER_STATES = {MessageState.SENT, MessageState.DELIVERED, MessageState.UNDELIVERED}


@time_machine.travel(NOW)
@override_settings(OUTREACH_SMS={**settings.OUTREACH_SMS, "TIMEOUT": 1.0})
class SentMeansSentTestCase(BaseTestCase):
    def message(self, review, *, kind=Kind.REMINDER_SMS, channel=Channel.SMS, body=None):
        body = body or render(DEFAULT_TEMPLATES["reminder"], nick=review.buyer.nick, link="x")
        message = services.message_create(review=review, kind=kind, channel=channel, body=body)
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        return message

    def review(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        review.buyer.phone = f"1381234{review.id:04d}"
        review.buyer.save()
        return review

    def test_every_message_in_a_sent_state_names_its_provider_or_its_person(self):
        # No provider: by hand, then a person confirms one and fails another.
        confirmed, failed = self.message(self.review()), self.message(self.review())
        self.login(self.agent)
        self.client.post(reverse("message_sent_by_hand", args=[confirmed.pk]), {"channel": "sms"})
        self.client.post(reverse("message_failed_by_hand", args=[failed.pk]), {"reason": "空号"})
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake)
            sent = self.message(self.review())
            delivered = self.message(self.review())
            undelivered = self.message(self.review())
            fake.script("throttle")
            self.message(self.review())  # waits in the queue
            fake.script("refuse")
            self.message(self.review())  # refused
            fake.script("slow", seconds=3.0)
            self.message(self.review())  # unknown, then found by the query
            fake.script("drop")
            self.message(self.review())  # unknown…
            fake.sent.pop()  # …and lost by the provider: the query does not find it
            self.message(self.review(), channel=Channel.IM)  # by hand
            self.message(self.review(), kind=Kind.AGENT_MESSAGE, body="自己写的话")  # by hand
            for message, ok in ((delivered, True), (undelivered, False)):
                url = reverse("sms_receipts", args=["aliyun", message.sms_account.callback_token])
                report = json.dumps(fake.report(message.provider_id, ok=ok))
                self.client.post(url, report, content_type="application/json")
            with time_machine.travel(NOW + timedelta(minutes=3)):
                sms_status_task.apply()
        states = set(Message.objects.values_list("state", flat=True))
        self.assertTrue(
            {"sent", "delivered", "undelivered", "unknown", "by_hand", "sent_by_hand", "failed"}
            <= states,
            states,
        )
        self.assertTrue(Message.objects.filter(id=sent.id, state=MessageState.SENT).exists())
        for message in Message.objects.all():
            with self.subTest(state=message.state, id=message.id):
                if message.state in PROVIDER_STATES:
                    self.assertTrue(message.provider_id)
                    self.assertIsNotNone(message.sms_account_id)
                    self.assertIsNotNone(message.sent_at)
                elif message.state == MessageState.SENT_BY_HAND:
                    self.assertEqual(message.sent_by, self.agent)
                    self.assertTrue(message.sent_by_hand_channel)
                else:
                    self.assertEqual(message.provider_id, "")
                    self.assertIsNone(message.sent_at)

    def test_the_database_refuses_sent_without_a_provider_id(self):
        message = self.message(self.review())
        for state in PROVIDER_STATES:
            with (
                self.subTest(state=state),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                Message.objects.filter(id=message.id).update(
                    state=state, sent_at=message.created_at
                )
