import io
import json
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from outreach import services
from outreach.models import Channel, Kind, Message, MessageState, SmsAccount
from outreach.services import sms_status
from outreach.wording import DEFAULT_TEMPLATES, render
from reviews.models import EventKind, Review

from ..base import BaseTestCase
from ..platform import revised_on_platform
from .fake_aliyun_sms import FakeAliyunSms, aliyun_account

OUTBOX = "outreach.backends.outbox.OutboxBackend"
CONSOLE = "outreach.backends.console.ConsoleBackend"
LINK = "https://example.com/rate"


SH = ZoneInfo("Asia/Shanghai")


@time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH))
class DeliveryTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop)
        self.message = Message.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REMINDER_SMS,
            channel=Channel.SMS,
            to="13812345678",
            body=render(DEFAULT_TEMPLATES["reminder"], nick=self.review.buyer.nick, link=LINK),
            idempotency_key="key-1",
        )

    def deliver(self) -> Message:
        services.message_deliver(message_id=self.message.id)
        self.message.refresh_from_db()
        return self.message

    @override_settings(OUTREACH_MESSAGE_BACKEND=OUTBOX)
    def test_it_leaves_messages_to_send_by_hand_by_default(self):
        # No provider sent it: never 「已发送」, it waits for a person.
        message = self.deliver()
        self.assertEqual(message.state, MessageState.BY_HAND)
        self.assertEqual(message.provider_id, "")
        self.assertIsNone(message.sent_at)

    @override_settings(OUTREACH_MESSAGE_BACKEND=CONSOLE)
    def test_it_prints_messages_with_the_console_backend(self):
        out = io.StringIO()
        with redirect_stdout(out):
            message = self.deliver()
        self.assertIn("13812345678", out.getvalue())
        # Printed for a developer is not received by a buyer.
        self.assertEqual(message.state, MessageState.BY_HAND)

    def test_it_sends_a_message_at_most_once_with_its_id_as_out_id(self):
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake)
            self.assertTrue(services.message_deliver(message_id=self.message.id))
            self.assertFalse(services.message_deliver(message_id=self.message.id))
        self.assertEqual(len(fake.send_calls), 1)
        self.assertEqual(fake.send_calls[0]["OutId"], str(self.message.id))
        self.assertEqual(json.loads(fake.send_calls[0]["TemplateParam"])["link"], LINK)
        self.message.refresh_from_db()
        self.assertEqual(self.message.provider_id, fake.sent[0]["biz_id"])
        self.assertEqual(self.message.attempts, 1)

    def test_a_throttled_send_waits_and_is_tried_again_still_one_sms(self):
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake)
            fake.script("throttle")
            message = self.deliver()
            self.assertEqual(message.state, MessageState.QUEUED)
            self.assertGreater(message.enqueued_at, timezone.now())
            self.assertIn("isv.BUSINESS_LIMIT_CONTROL", message.last_error)
            message = self.deliver()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertEqual(len(fake.send_calls), 2)
        self.assertEqual(len(fake.sent), 1)

    @override_settings(OUTREACH_SMS={**settings.OUTREACH_SMS, "TIMEOUT": 1.0})
    def test_a_timeout_is_an_unknown_outcome_and_is_never_sent_twice(self):
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake)
            fake.script("slow", seconds=3.0)
            message = self.deliver()
            self.assertEqual(message.state, MessageState.UNKNOWN)
            self.assertEqual(message.provider_id, "")
            self.assertFalse(services.message_deliver(message_id=self.message.id))
            services.message_sweep(now=timezone.now() + timedelta(hours=1))
            # Beat's status query finds it at the provider by its OutId.
            sms_status.sms_status_query(now=timezone.now() + timedelta(minutes=5))
        self.assertEqual(len(fake.send_calls), 1)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertTrue(message.provider_id)
        event = self.review.events.filter(kind=EventKind.MESSAGE).latest("id")
        self.assertEqual(event.data["state"], "sent")

    def test_it_records_a_refusal_on_the_message_and_the_review_timeline(self):
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake)
            fake.script("refuse", code="isv.MOBILE_NUMBER_ILLEGAL", message="非法手机号")
            message = self.deliver()
            self.assertFalse(services.message_deliver(message_id=self.message.id))
        self.assertEqual(len(fake.send_calls), 1)
        self.assertEqual(message.state, MessageState.FAILED)
        self.assertIn("isv.MOBILE_NUMBER_ILLEGAL", message.last_error)
        event = self.review.events.filter(kind=EventKind.MESSAGE).latest("id")
        self.assertEqual(event.data["state"], "failed")
        self.assertIn("isv.MOBILE_NUMBER_ILLEGAL", event.data["error"])
        self.assertEqual(event.data["message"], message.id)

    def test_an_unreachable_provider_took_nothing_the_message_waits(self):
        account = aliyun_account(self.shop, None)
        SmsAccount.objects.filter(id=account.id).update(endpoint="http://127.0.0.1:9/")
        message = self.deliver()
        self.assertEqual(message.state, MessageState.QUEUED)
        self.assertIn("Unreachable", message.last_error)

    @override_settings(OUTREACH_MESSAGE_BACKEND=OUTBOX)
    def test_it_does_not_send_to_a_buyer_who_asked_not_to_be_contacted(self):
        self.review.buyer.do_not_contact_at = self.review.reviewed_at
        self.review.buyer.save()
        message = self.deliver()
        self.assertEqual(message.state, MessageState.FAILED)

    @override_settings(OUTREACH_MESSAGE_BACKEND=OUTBOX)
    def test_it_fails_messages_stuck_mid_send_instead_of_sending_twice(self):
        from datetime import timedelta

        from django.utils import timezone

        Message.objects.filter(id=self.message.id).update(
            state=MessageState.SENDING, claimed_at=timezone.now() - timedelta(hours=1)
        )
        services.message_sweep()
        self.message.refresh_from_db()
        self.assertEqual(self.message.state, MessageState.FAILED)
        self.assertIn("outcome unknown", self.message.last_error)

    def test_it_re_enqueues_messages_whose_enqueue_was_lost(self):
        from datetime import timedelta
        from unittest import mock

        from django.utils import timezone

        Message.objects.filter(id=self.message.id).update(
            enqueued_at=timezone.now() - timedelta(hours=1)
        )
        with mock.patch("outreach.services.delivery.send_deliver") as deliver:
            self.assertEqual(services.message_sweep(), 1)
            self.assertEqual(services.message_sweep(), 0)  # not again while its lease runs
        deliver.assert_called_once_with(self.message.id)

    @override_settings(OUTREACH_MESSAGE_BACKEND=OUTBOX)
    def test_it_holds_a_message_whose_delivery_comes_in_quiet_hours(self):
        with time_machine.travel(datetime(2026, 11, 25, 23, 0, tzinfo=SH), tick=False):
            message = self.deliver()
        self.assertEqual(message.state, MessageState.QUEUED)
        self.assertEqual(message.enqueued_at, datetime(2026, 11, 26, 9, 0, tzinfo=SH))
        self.assertIsNone(message.sent_at)

    @override_settings(OUTREACH_MESSAGE_BACKEND=OUTBOX)
    def test_it_does_not_send_once_the_platform_shows_the_review_revised(self):
        # The import marks the review revised; its message, already queued, is still in the
        # broker when the worker picks it up: delivery checks the review first.
        Review.objects.filter(id=self.review.id).update(external_key="id:D-1")
        self.review.refresh_from_db()
        response = revised_on_platform(self.client, self.review)
        self.assertEqual(response.json()["counts"]["revised"], 1, response.content)
        message = self.deliver()
        self.assertEqual(message.state, MessageState.FAILED)
        self.assertEqual(message.last_error, "not sent: the review is revised")
        self.assertIsNone(message.sent_at)
