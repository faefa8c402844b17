"""The routing backend, the status pull, the callbacks and the reply pull with the Tencent
Cloud client (outreach/sms/tencent.py) against its fake, as a shop configures it: nothing
provider-specific outside the client module."""

import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from outreach import services
from outreach.models import Channel, Kind, Message, MessageState, SmsAccount, SmsTemplate
from outreach.tasks import deliver_message_task, sms_status_task
from reviews.models import EventKind

from ..base import BaseTestCase
from .fake_tencent_sms import CREDENTIALS, SIGN_NAME, FakeTencentSms

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
PHONE = "13912345678"


@time_machine.travel(NOW)
class TencentWiringTestCase(BaseTestCase):
    def setUp(self):
        self.fake = FakeTencentSms()
        self.fake.thread.start()
        self.addCleanup(self.fake.server.server_close)
        self.addCleanup(self.fake.server.shutdown)
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        self.review.buyer.phone = PHONE
        self.review.buyer.save()
        self.account = SmsAccount(
            shop=self.shop,
            provider="tencent",
            sign_name=SIGN_NAME,
            endpoint=self.fake.url,
            credentials=json.dumps(CREDENTIALS),
        )
        self.account.new_callback_token()
        self.account.save()
        SmsTemplate.objects.create(
            account=self.account,
            kind=Kind.REMINDER_SMS,
            code="1234",
            text="您好{1}，还有问题请点{2}",
            variables=["nick", "link"],
            approved=True,
        )

    def send(self) -> Message:
        body = f"您好{self.review.buyer.nick}，还有问题请点https://x.example/r"
        message = services.message_create(
            review=self.review, kind=Kind.REMINDER_SMS, channel=Channel.SMS, body=body
        )
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        return message

    def test_it_sends_once_with_the_message_id_as_session_context(self):
        message = self.send()
        [accepted] = self.fake.accepted
        self.assertEqual((message.state, message.provider_id), ("sent", accepted["serial"]))
        self.assertEqual(accepted["session"], str(message.id))
        self.assertEqual(
            accepted["body"]["TemplateParamSet"], [self.review.buyer.nick, "https://x.example/r"]
        )

    def test_one_pull_applies_the_reports_of_every_waiting_message(self):
        first = self.send()
        Message.objects.filter(id=first.id).update(idempotency_key="first")
        second = self.send()
        self.fake.report(self.fake.accepted[0])
        self.fake.report(self.fake.accepted[1], status="FAIL", description="MK:0001")
        with time_machine.travel(NOW + timedelta(minutes=5)):
            self.assertEqual(sms_status_task.apply().get(), 2)
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual(first.state, MessageState.DELIVERED)
        self.assertEqual(second.state, MessageState.UNDELIVERED)

    def test_the_status_callback_is_answered_as_tencent_expects(self):
        message = self.send()
        report = [
            {
                "user_receive_time": "2026-11-25 10:00:09",
                "nationcode": "86",
                "mobile": PHONE,
                "report_status": "SUCCESS",
                "errmsg": "DELIVRD",
                "description": "用户短信送达成功",
                "sid": message.provider_id,
            }
        ]
        url = reverse("sms_receipts", args=["tencent", self.account.callback_token])
        for _ in range(2):
            response = self.client.post(url, json.dumps(report), content_type="application/json")
            self.assertEqual(response.json(), {"result": 0, "errmsg": "OK"})
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.DELIVERED)
        events = self.review.events.filter(kind=EventKind.MESSAGE, data__state="delivered")
        self.assertEqual(events.count(), 1)

    def test_pulled_replies_reach_the_review_and_an_unsubscribe_stops_outreach(self):
        self.send()
        self.fake.replies.append(
            {
                "CallFrom": "",
                "ReplyTime": int(time.time()),
                "ReplyContent": "TD",
                "SubscriberNumber": PHONE,
                "CountryCode": "86",
                "SignName": SIGN_NAME,
                "ExtendCode": "",
                "PhoneNumber": "+86" + PHONE,
            }
        )
        sms_status_task.apply()
        self.review.buyer.refresh_from_db()
        self.assertIsNotNone(self.review.buyer.do_not_contact_at)
        replied = self.review.events.get(kind=EventKind.MESSAGE, data__state="replied")
        self.assertEqual(replied.data["reply"], "TD")
