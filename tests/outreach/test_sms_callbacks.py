"""Issue 17, the SMS after the provider took it: receipts, the status query, unknown outcomes
a person settles, and the buyer's SMS answers — through the Celery task, the callback
endpoints (as Aliyun pushes them) and the review page.

| what happens                                         | expected                              |
|------------------------------------------------------|---------------------------------------|
| the planned reminder falls due, Aliyun takes it      | one SendSms, OutId = message id, 已发送 |
| SmsReport success / failure                          | 已送达 / 送达失败 with the error, timeline |
| the same report pushed twice                         | changed once, both answered code 0    |
| a report for an id we never sent                     | logged, answered code 0, nothing moves |
| a forged token                                       | 404, nothing changes                  |
| a timeout, never found at the provider               | 结果未知, one SendSms; a person decides |
| SmsUp 退订 (any case, spacing, punctuation)           | do-not-contact, outreach cancelled    |
| SmsUp other words                                    | on the timeline, in the agent's due   |
"""

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from outreach import services
from outreach.attention import attention_for, due_count
from outreach.models import (
    Channel,
    InboundSms,
    Kind,
    Message,
    MessageState,
    PlannedContact,
    PlanState,
)
from outreach.services import sms_status
from outreach.tasks import deliver_message_task, fire_planned_task, sms_status_task
from outreach.wording import DEFAULT_TEMPLATES, render
from reviews.models import AuditLog, EventKind

from ..base import BaseTestCase
from .fake_aliyun_sms import FakeAliyunSms, aliyun_account

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
PHONE = "13812345678"
LINK = "https://example.com/rate"
OK = {"code": 0, "msg": "成功"}


@time_machine.travel(NOW)
class SmsCallbacksTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=NOW - timedelta(hours=3)
        )
        self.review.buyer.phone = PHONE
        self.review.buyer.save()
        self.fake = FakeAliyunSms().__enter__()
        self.addCleanup(self.fake.__exit__)
        self.account = aliyun_account(self.shop, self.fake)

    def send_reminder(self) -> Message:
        """The playbook's reminder falls due and goes out through the Celery tasks."""
        body = render(DEFAULT_TEMPLATES["reminder"], nick=self.review.buyer.nick, link=LINK)
        planned = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REMINDER_SMS,
            channel=Channel.SMS,
            due_at=timezone.now(),
            state=PlanState.CLAIMED,
            claimed_at=timezone.now(),
            body=body,
        )
        with self.captureOnCommitCallbacks(execute=False):
            fire_planned_task.apply(args=([planned.id],))
        message = Message.objects.get(planned_contact=planned)
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        return message

    def push(self, what: str, rows, token=None, provider="aliyun"):
        token = token or self.account.callback_token
        url = reverse(f"sms_{what}", args=[provider, token])
        return self.client.post(
            url, json.dumps(rows, ensure_ascii=False), content_type="application/json"
        )

    def events(self, state):
        return self.review.events.filter(kind=EventKind.MESSAGE, data__state=state)

    # Sending, and the receipt.

    def test_the_due_reminder_is_sent_once_with_its_id_as_out_id(self):
        message = self.send_reminder()
        self.assertEqual(message.state, MessageState.SENT)
        [call] = self.fake.send_calls
        self.assertEqual(call["OutId"], str(message.id))
        self.assertEqual(call["PhoneNumbers"], PHONE)
        self.assertEqual(call["SignName"], "好店")
        params = json.loads(call["TemplateParam"])
        self.assertEqual(params, {"nick": self.review.buyer.nick, "link": LINK})
        self.assertEqual(message.provider_id, self.fake.sent[0]["biz_id"])
        self.assertEqual(message.sms_account, self.account)

    def test_a_receipt_moves_it_to_delivered_and_a_duplicate_is_ignored(self):
        message = self.send_reminder()
        report = self.fake.report(message.provider_id, ok=True)
        first, second = self.push("receipts", report), self.push("receipts", report)
        self.assertEqual((first.json(), second.json()), (OK, OK))
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.DELIVERED)
        self.assertIsNotNone(message.receipt_at)
        self.assertEqual(self.events("delivered").count(), 1)

    def test_a_failed_receipt_shows_the_error_on_the_timeline(self):
        message = self.send_reminder()
        report = self.fake.report(message.provider_id, ok=False, code="MOBILE_NOT_ON_SERVICE")
        self.assertEqual(self.push("receipts", report).json(), OK)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.UNDELIVERED)
        self.assertIn("MOBILE_NOT_ON_SERVICE", message.last_error)
        [event] = self.events("undelivered")
        self.assertIn("MOBILE_NOT_ON_SERVICE", event.data["error"])
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "MOBILE_NOT_ON_SERVICE")
        self.assertContains(page, "msg-state-undelivered")

    def test_a_receipt_for_an_unknown_id_is_logged_and_answered_so_aliyun_stops(self):
        message = self.send_reminder()
        report = self.fake.report(message.provider_id)
        report[0].update(biz_id="123^0", out_id="999999")
        with self.assertLogs("outreach.services.sms_status", "WARNING"):
            response = self.push("receipts", report)
        self.assertEqual(response.json(), OK)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)

    def test_a_forged_token_is_refused_and_changes_nothing(self):
        message = self.send_reminder()
        report = self.fake.report(message.provider_id)
        for token in ("forged-token", self.account.callback_token[:-1] + "x"):
            self.assertEqual(self.push("receipts", report, token=token).status_code, 404)
            self.assertEqual(self.push("replies", [], token=token).status_code, 404)
        # Another provider's path with this account's token names no account either.
        self.assertEqual(self.push("receipts", report, provider="tencent").status_code, 404)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)

    def test_a_body_that_is_not_aliyuns_shape_is_a_bad_request(self):
        url = reverse("sms_receipts", args=["aliyun", self.account.callback_token])
        response = self.client.post(url, "not json", content_type="application/json")
        self.assertEqual(response.status_code, 400)

    def test_the_callbacks_need_no_csrf_token_and_take_only_post(self):
        csrf_client = self.client_class(enforce_csrf_checks=True)
        url = reverse("sms_receipts", args=["aliyun", self.account.callback_token])
        self.assertEqual(
            csrf_client.post(url, "[]", content_type="application/json").status_code, 200
        )
        self.assertEqual(self.client.get(url).status_code, 405)

    # The status query.

    def test_the_query_settles_an_accepted_message_without_a_receipt(self):
        message = self.send_reminder()
        self.fake.deliver(message.provider_id, ok=True)
        with time_machine.travel(NOW + timedelta(minutes=5)):
            self.assertEqual(sms_status_task.apply().get(), 1)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.DELIVERED)

    @override_settings(OUTREACH_SMS={**settings.OUTREACH_SMS, "TIMEOUT": 1.0})
    def test_a_timeout_ends_in_one_send_never_two(self):
        self.fake.script("slow", seconds=3.0)
        message = self.send_reminder()
        self.assertEqual(message.state, MessageState.UNKNOWN)
        deliver_message_task.apply(args=(message.id,))  # a redelivered task copy
        services.message_sweep(now=timezone.now() + timedelta(hours=1))
        with time_machine.travel(NOW + timedelta(minutes=2)):
            sms_status_task.apply()
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertEqual(len(self.fake.send_calls), 1)
        self.assertEqual(len(self.fake.sent), 1)

    @override_settings(OUTREACH_SMS={**settings.OUTREACH_SMS, "TIMEOUT": 1.0})
    def test_an_outcome_never_found_waits_for_a_person_who_may_send_it_again(self):
        self.fake.script("drop")
        message = self.send_reminder()
        self.assertEqual(message.state, MessageState.UNKNOWN)
        self.fake.sent.clear()  # the provider lost it after all
        with time_machine.travel(NOW + timedelta(minutes=45)):
            sms_status_task.apply()
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.UNKNOWN)
        self.assertTrue(message.last_error.startswith("not found"))
        # It asks for the agent like a message to send by hand, in the same list.
        self.assertEqual(due_count(self.agent), 1)
        self.login(self.agent)
        self.assertContains(self.client.get(reverse("outbox")), "msg-state-unknown")
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "msg-state-unknown")
        url = reverse("message_unknown_settle", args=[message.pk])
        self.assertContains(page, f'action="{url}"', count=2)
        # Without ticking the confirmation nothing is sent.
        self.client.post(url, {"action": "resend"})
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.UNKNOWN)
        with self.captureOnCommitCallbacks(execute=False) as enqueued:
            self.client.post(url, {"action": "resend", "confirm": "yes"})
        self.assertEqual(len(enqueued), 1)
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertEqual(len(self.fake.send_calls), 2)
        self.assertEqual(self.events("resent").get().actor, self.agent)
        self.assertTrue(AuditLog.objects.filter(action="sms_unknown_resent").exists())

    def test_an_sms_stuck_mid_send_is_left_unknown_and_queried_not_failed(self):
        message = self.send_reminder()
        # A worker died after the request left: the row still says sending.
        Message.objects.filter(id=message.id).update(
            state=MessageState.SENDING, provider_id="", sent_at=None
        )
        services.message_sweep(now=timezone.now() + timedelta(hours=1))
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.UNKNOWN)
        with time_machine.travel(NOW + timedelta(minutes=2)):
            sms_status_task.apply()
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.SENT)
        self.assertEqual(len(self.fake.send_calls), 1)

    def test_another_shops_agent_cannot_settle_an_unknown_outcome(self):
        message = self.send_reminder()
        Message.objects.filter(id=message.id).update(
            state=MessageState.UNKNOWN, provider_id="", last_error="not found"
        )
        self.login(self.outsider)
        url = reverse("message_unknown_settle", args=[message.pk])
        self.assertEqual(self.client.post(url, {"action": "by_hand"}).status_code, 404)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.UNKNOWN)

    # Replies.

    def reply(self, text, sequence_id=1):
        return [
            {
                "phone_number": PHONE,
                "send_time": "2026-11-25 10:05:00",
                "content": text,
                "sign_name": "好店",
                "dest_code": "1234",
                "sequence_id": sequence_id,
            }
        ]

    def test_a_reply_to_unsubscribe_stops_all_outreach_to_the_buyer(self):
        self.send_reminder()
        later = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REVISE_FOLLOWUP,
            channel=Channel.PHONE,
            due_at=timezone.now() + timedelta(days=1),
        )
        self.assertEqual(self.push("replies", self.reply(" T D。")).json(), OK)
        self.review.buyer.refresh_from_db()
        self.assertIsNotNone(self.review.buyer.do_not_contact_at)
        later.refresh_from_db()
        self.assertEqual(later.state, PlanState.CANCELLED)
        self.assertTrue(self.review.events.filter(kind=EventKind.DO_NOT_CONTACT).exists())
        self.assertTrue(AuditLog.objects.filter(action="buyer_do_not_contact").exists())
        self.assertEqual(self.events("replied").get().data["error"], "opt_out")
        self.assertEqual(due_count(self.agent), 0)

    def test_opt_out_words_are_read_whatever_their_case_spacing_or_punctuation(self):
        for word in ("退订", "td", "T", "n", "不要再联系", "别再打扰！", "ＴＤ"):
            with self.subTest(word=word):
                self.assertTrue(sms_status.wording.is_opt_out(word), word)
        for text in ("好的", "Thanks", "什么时候发货", "No problem, done"):
            with self.subTest(text=text):
                self.assertFalse(sms_status.wording.is_opt_out(text), text)

    def test_another_reply_goes_on_the_timeline_and_asks_for_the_agent(self):
        message = self.send_reminder()
        self.assertEqual(self.push("replies", self.reply("我已经改好了")).json(), OK)
        self.assertEqual(self.push("replies", self.reply("我已经改好了")).json(), OK)  # again
        [reply] = InboundSms.objects.all()
        self.assertEqual(
            (reply.message, reply.review, reply.buyer), (message, self.review, self.review.buyer)
        )
        self.assertEqual(self.events("replied").get().data["reply"], "我已经改好了")
        self.review.buyer.refresh_from_db()
        self.assertIsNone(self.review.buyer.do_not_contact_at)
        self.assertEqual(due_count(self.agent), 1)
        [item] = [i for i in attention_for(self.agent)["items"] if i["id"].startswith("sms-")]
        self.assertEqual(item["url"], reverse("review_detail", args=[self.review.pk]))
        self.assertEqual(due_count(self.lead), 1)
        self.assertEqual(due_count(self.outsider), 0)
        # Opening the review reads it.
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "我已经改好了")
        self.assertEqual(due_count(self.agent), 0)
