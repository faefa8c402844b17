import io
from contextlib import redirect_stdout
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings

from outreach import services
from outreach.models import Channel, Kind, Message, MessageState
from reviews.models import EventKind, Review

from ..base import BaseTestCase
from ..platform import revised_on_platform
from .fake_sms import FakeSmsProvider

OUTBOX = "outreach.backends.outbox.OutboxBackend"
CONSOLE = "outreach.backends.console.ConsoleBackend"
SMS = "outreach.backends.sms.SmsHttpBackend"


def sms_settings(url: str, **extra) -> dict:
    conf = {"URL": url, "API_KEY": "k", "TIMEOUT": 0.5, "RETRIES": 2, "BACKOFF": 0.01}
    conf.update(extra)
    return conf


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
            body="您好",
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

    def test_it_sends_a_message_at_most_once(self):
        with (
            FakeSmsProvider() as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url)
            ),
        ):
            self.assertTrue(services.message_deliver(message_id=self.message.id))
            self.assertFalse(services.message_deliver(message_id=self.message.id))
        self.assertEqual(len(provider.requests), 1)
        self.message.refresh_from_db()
        self.assertEqual(self.message.provider_id, "sms-1")
        self.assertEqual(self.message.attempts, 1)

    def test_it_sends_the_idempotency_key_to_the_provider(self):
        with (
            FakeSmsProvider() as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url)
            ),
        ):
            self.deliver()
        self.assertEqual(provider.requests[0]["headers"]["Idempotency-Key"], "key-1")
        self.assertEqual(provider.requests[0]["body"]["to"], "13812345678")

    def test_it_retries_server_errors_with_backoff(self):
        with (
            FakeSmsProvider([(503, 0), (500, 0)]) as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url)
            ),
        ):
            message = self.deliver()
        self.assertEqual(len(provider.requests), 3)
        self.assertEqual(message.state, MessageState.SENT)

    def test_it_retries_timeouts(self):
        with (
            FakeSmsProvider([(200, 1.0)]) as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url, TIMEOUT=0.2)
            ),
        ):
            message = self.deliver()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertEqual(len(provider.requests), 2)

    def test_it_records_a_failure_on_the_message_and_the_review_timeline(self):
        with (
            FakeSmsProvider([(500, 0)] * 3) as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url)
            ),
        ):
            message = self.deliver()
        self.assertEqual(message.state, MessageState.FAILED)
        self.assertIn("HTTP 500", message.last_error)
        event = self.review.events.filter(kind=EventKind.MESSAGE).latest("id")
        self.assertEqual(event.data["state"], "failed")
        self.assertIn("HTTP 500", event.data["error"])
        self.assertEqual(event.data["message"], message.id)

    def test_it_does_not_retry_a_refusal(self):
        with (
            FakeSmsProvider([(400, 0)]) as provider,
            override_settings(
                OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings(provider.url)
            ),
        ):
            message = self.deliver()
        self.assertEqual(len(provider.requests), 1)
        self.assertEqual(message.state, MessageState.FAILED)

    def test_it_records_an_unreachable_provider(self):
        with override_settings(
            OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings("http://127.0.0.1:9/send")
        ):
            message = self.deliver()
        self.assertEqual(message.state, MessageState.FAILED)
        self.assertIn("gave up", message.last_error)

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

    def test_it_refuses_to_start_the_sms_backend_without_a_provider_url(self):
        from django.core.exceptions import ImproperlyConfigured

        from outreach.backends import get_backend

        with (
            override_settings(OUTREACH_MESSAGE_BACKEND=SMS, OUTREACH_SMS=sms_settings("")),
            self.assertRaises(ImproperlyConfigured),
        ):
            get_backend()
