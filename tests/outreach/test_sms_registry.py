"""Providers plug in by import string (OUTREACH_SMS["PROVIDERS"]): a test-only client under
the name "tencent" sends through the same backend, and the beat job pulls its replies."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.test import override_settings

from outreach import services
from outreach.models import Channel, Kind, MessageState, SmsAccount, SmsTemplate
from outreach.sms import installed_providers
from outreach.sms.base import InboundReply
from outreach.tasks import deliver_message_task, sms_status_task

from ..base import BaseTestCase
from . import pulling_sms_client

PROVIDERS = {**settings.OUTREACH_SMS["PROVIDERS"], "tencent": "tests.outreach.pulling_sms_client"}
PHONE = "13912345678"


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")))
@override_settings(OUTREACH_SMS={**settings.OUTREACH_SMS, "PROVIDERS": PROVIDERS})
class RegistryTestCase(BaseTestCase):
    def setUp(self):
        pulling_sms_client.SENT.clear()
        pulling_sms_client.INBOX.clear()
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        self.review.buyer.phone = PHONE
        self.review.buyer.save()
        account = SmsAccount(
            shop=self.shop,
            provider="tencent",
            sign_name="好店",
            credentials=json.dumps(
                {
                    "secret_id": "id",
                    "secret_key": "k",
                    "sdk_app_id": "1400",
                    "region": "ap-guangzhou",
                }
            ),
        )
        account.new_callback_token()
        account.save()
        SmsTemplate.objects.create(
            account=account,
            kind=Kind.REMINDER_SMS,
            code="1234567",
            text="您好{1}，有问题请联系我们",
            variables=["nick"],
            approved=True,
        )

    def test_it_lists_the_credential_fields_of_each_installed_client(self):
        self.assertEqual(installed_providers()["tencent"], pulling_sms_client.CREDENTIAL_FIELDS)
        self.assertEqual(installed_providers()["aliyun"], ("access_key_id", "access_key_secret"))

    def test_the_backend_sends_through_the_registered_client(self):
        body = f"您好{self.review.buyer.nick}，有问题请联系我们"
        message = services.message_create(
            review=self.review, kind=Kind.REMINDER_SMS, channel=Channel.SMS, body=body
        )
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        self.assertEqual((message.state, message.provider_id), ("sent", f"serial-{message.id}"))
        [sent] = pulling_sms_client.SENT
        self.assertEqual(sent["params"], {"1": self.review.buyer.nick})
        self.assertEqual((sent["template"], sent["out"]), ("1234567", str(message.id)))

    def test_beat_pulls_the_replies_and_an_unsubscribe_stops_the_outreach(self):
        body = f"您好{self.review.buyer.nick}，有问题请联系我们"
        message = services.message_create(
            review=self.review, kind=Kind.REMINDER_SMS, channel=Channel.SMS, body=body
        )
        deliver_message_task.apply(args=(message.id,))
        pulling_sms_client.INBOX.append(
            InboundReply(phone="+86" + PHONE, text="退订", received_at=datetime.now().astimezone())
        )
        sms_status_task.apply()
        self.review.buyer.refresh_from_db()
        self.assertIsNotNone(self.review.buyer.do_not_contact_at)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)

    def test_a_provider_whose_client_is_missing_leaves_the_message_by_hand(self):
        with override_settings(
            OUTREACH_SMS={**settings.OUTREACH_SMS, "PROVIDERS": {"tencent": "no.such.module"}}
        ):
            body = f"您好{self.review.buyer.nick}，有问题请联系我们"
            message = services.message_create(
                review=self.review, kind=Kind.REMINDER_SMS, channel=Channel.SMS, body=body
            )
            deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.BY_HAND)
        self.assertEqual(message.last_error, "")
