"""Issue 17: states that tell the truth, and sending by hand done well.

The table (what people do and expect), written before the code:

| who / what                                                  | expected                          |
|-------------------------------------------------------------|-----------------------------------|
| default settings (no provider): revision instructions,      | 「待手动发送」 (by_hand), never     |
| reminder, invitation, the agent's own message are delivered | 「已发送」; timeline says by hand   |
| the console backend (development)                           | prints it, and still by_hand      |
| a backend that really sends (fake SMS provider)             | 「已发送」 with the provider's id   |
| the review page, a 300-character message                    | the whole text, 「复制」, channel,  |
|                                                             | masked phone + reveal, due minute, |
|                                                             | 「已发送」 and 「发送失败」 actions   |
| the agent confirms 「已发送」 by 电话                          | sent_by_hand, sent_by, channel,   |
|                                                             | time, one timeline line, one audit |
| two clicks on 「已发送」 (htmx, then plain)                    | recorded once                     |
| 「发送失败」 with a reason                                      | failed, reason kept, timeline+audit|
| an agent of another shop posts either action                | 404, nothing changes              |
| the shop's manager posts either action                      | 404 (reads, never sends)          |
| the outbox list: an agent                                   | the by-hand messages of reviews   |
|                                                             | they hold, oldest due first       |
| the outbox list: a lead                                     | the shop's, unassigned included   |
| the badge and the attention poll                            | count the due by-hand messages,   |
|                                                             | each item links to the list       |
| the review closes                                           | its by-hand messages stop          |
"""

import io
from contextlib import redirect_stdout
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings
from django.urls import reverse

from outreach import services
from outreach.models import Channel, Kind, Message, MessageState, PlannedContact, PlanState
from outreach.tasks import deliver_message_task, fire_planned_task
from reviews.models import AuditLog, EventKind, ReviewEvent

from ..base import BaseTestCase
from .fake_aliyun_sms import FakeAliyunSms, aliyun_account

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=SH)
HTMX = {"HX-Request": "true"}
CONSOLE = "outreach.backends.console.ConsoleBackend"
LONG = "您好，" + "感谢您的耐心，我们已经为您安排补发配件并核实了物流。" * 12 + "结尾在这里"


@time_machine.travel(NOW, tick=False)
class ByHandTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=NOW - timedelta(hours=3)
        )

    def message(self, *, review=None, body="您好，打扰了", kind=Kind.AGENT_MESSAGE, **fields):
        review = review or self.review
        fields.setdefault("channel", Channel.SMS)
        message = services.message_create(review=review, kind=kind, body=body, **fields)
        deliver_message_task.apply(args=(message.id,))
        message.refresh_from_db()
        return message

    def post(self, name, message, user=None, headers=None, **data):
        self.login(user or self.agent)
        return self.client.post(reverse(name, args=[message.pk]), data, headers=headers or {})

    def message_events(self, state):
        return ReviewEvent.objects.filter(
            review=self.review, kind=EventKind.MESSAGE, data__state=state
        )

    # The default backend: nothing is sent, everything waits for a person.

    def test_it_leaves_every_kind_of_message_to_send_by_hand_without_a_provider(self):
        # The agent's own message, through the review page.
        self.login(self.agent)
        self.client.post(
            reverse("review_message", args=[self.review.pk]), {"channel": "im", "body": "您好"}
        )
        # The revision instructions, on the buyer's agreement.
        self.client.post(
            reverse("review_contact", args=[self.review.pk]),
            {
                "version": self.review.version,
                "channel": "phone",
                "outcome": "agreed",
                "agreed_at": "今晚 20:15",
            },
        )
        # A reminder and an invitation, planned and fired by the scheduler.
        planned = [
            PlannedContact.objects.create(
                shop=self.shop,
                review=self.review,
                buyer=self.review.buyer,
                kind=kind,
                channel=Channel.SMS,
                due_at=NOW,
                state=PlanState.CLAIMED,
                claimed_at=NOW,
            ).id
            for kind in (Kind.REMINDER_SMS, Kind.INVITATION)
        ]
        fire_planned_task.apply(args=(planned,))
        for message in Message.objects.filter(state=MessageState.QUEUED):
            deliver_message_task.apply(args=(message.id,))
        states = dict(Message.objects.values_list("kind", "state"))
        self.assertEqual(
            states,
            {
                Kind.AGENT_MESSAGE: MessageState.BY_HAND,
                Kind.REVISION_INSTRUCTIONS: MessageState.BY_HAND,
                Kind.REMINDER_SMS: MessageState.BY_HAND,
                Kind.INVITATION: MessageState.BY_HAND,
            },
        )
        self.assertFalse(Message.objects.filter(sent_at__isnull=False).exists())
        self.assertFalse(Message.objects.exclude(provider_id="").exists())
        self.assertEqual(self.message_events("by_hand").count(), 4)
        self.assertFalse(self.message_events("sent").exists())
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "msg-state-by_hand", count=4)
        self.assertNotContains(page, "msg-state-sent")

    @override_settings(OUTREACH_MESSAGE_BACKEND=CONSOLE)
    def test_the_console_backend_prints_the_message_and_still_leaves_it_by_hand(self):
        out = io.StringIO()
        with redirect_stdout(out):
            message = self.message(body="控制台里的消息")
        self.assertIn("控制台里的消息", out.getvalue())
        self.assertEqual(message.state, MessageState.BY_HAND)

    def test_a_provider_that_accepts_the_message_makes_it_sent(self):
        body = "您好，打扰了"
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake, templates={Kind.REMINDER_SMS: body})
            message = self.message(body=body, kind=Kind.REMINDER_SMS)
        biz_id = fake.sent[0]["biz_id"]
        self.assertEqual((message.state, message.provider_id), (MessageState.SENT, biz_id))
        self.assertIsNone(message.sent_by)

    def test_an_im_message_never_goes_to_the_sms_provider_it_waits_for_a_person(self):
        # 旺旺 has no open sending API for sellers: an SMS provider would text a nickname.
        with FakeAliyunSms() as fake:
            aliyun_account(self.shop, fake, templates={Kind.INVITATION: "您好，打扰了"})
            im = self.message(channel=Channel.IM, kind=Kind.REMINDER_SMS)
            platform = self.message(channel=Channel.PLATFORM, kind=Kind.INVITATION)
        self.assertEqual(fake.calls, [])
        self.assertEqual((im.state, im.provider_id), (MessageState.BY_HAND, ""))
        self.assertEqual(platform.state, MessageState.BY_HAND)

    def test_an_sms_without_an_approved_template_waits_for_a_person_with_the_reason(self):
        with FakeAliyunSms() as fake:
            account = aliyun_account(self.shop, fake, templates={Kind.REMINDER_SMS: "您好"})
            # The agent's own words fit no template; the reminder's template is not approved.
            own = self.message(body="您好，打扰了", kind=Kind.AGENT_MESSAGE)
            account.templates.update(approved=False)
            reminder = self.message(body="您好", kind=Kind.REMINDER_SMS)
        self.assertEqual(fake.calls, [])
        self.assertEqual((own.state, reminder.state), (MessageState.BY_HAND,) * 2)
        event = self.message_events("by_hand").latest("id")
        self.assertEqual(event.data["error"], "no approved SMS template for this message")

    # The review page.

    def test_the_review_page_shows_the_whole_text_and_the_two_actions(self):
        self.assertGreater(len(LONG), 300)
        message = self.message(body=LONG)
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, LONG)
        self.assertContains(page, f'data-copy="#message-{message.pk}-body"')
        self.assertContains(page, "138****5678")
        self.assertNotContains(page, "13812345678")
        self.assertContains(page, reverse("review_reveal_phone", args=[self.review.pk]))
        self.assertContains(page, "11-25 10:00")
        self.assertContains(page, reverse("message_sent_by_hand", args=[message.pk]))
        self.assertContains(page, reverse("message_failed_by_hand", args=[message.pk]))

    def test_the_review_page_shows_the_nick_for_an_im_message(self):
        self.message(channel=Channel.IM)
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, f'<span class="mono">{self.review.buyer.nick}</span>')

    def test_a_manager_sees_the_message_but_not_the_actions(self):
        message = self.message()
        self.login(self.manager)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, message.body)
        self.assertNotContains(page, reverse("message_sent_by_hand", args=[message.pk]))

    # 「已发送」 and 「发送失败」.

    def test_sent_by_hand_records_the_person_the_channel_and_the_minute(self):
        message = self.message()
        response = self.post("message_sent_by_hand", message, headers=HTMX, channel="phone")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "<html")
        self.assertContains(response, "msg-state-sent_by_hand")
        message.refresh_from_db()
        self.assertEqual(
            (message.state, message.sent_by, message.sent_by_hand_channel, message.sent_at),
            (MessageState.SENT_BY_HAND, self.agent, "phone", NOW),
        )
        event = self.message_events("sent_by_hand").get()
        self.assertEqual((event.actor, event.data["channel"]), (self.agent, "phone"))
        audit = AuditLog.objects.get(action="message_sent_by_hand")
        self.assertEqual((audit.actor, audit.target), (self.agent, f"message:{message.pk}"))
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "msg-state-sent_by_hand")
        self.assertContains(page, "alice")

    def test_two_clicks_on_sent_record_once(self):
        message = self.message()
        first = self.post("message_sent_by_hand", message, headers=HTMX, channel="im")
        second = self.post("message_sent_by_hand", message, channel="sms", next="/outbox/")
        self.assertEqual(first.status_code, 200)
        self.assertRedirects(second, "/outbox/", fetch_redirect_response=False)
        message.refresh_from_db()
        self.assertEqual(message.sent_by_hand_channel, "im")
        self.assertEqual(self.message_events("sent_by_hand").count(), 1)
        self.assertEqual(AuditLog.objects.filter(action="message_sent_by_hand").count(), 1)

    def test_a_plain_post_goes_back_to_the_review(self):
        message = self.message()
        response = self.post("message_sent_by_hand", message, channel="platform")
        self.assertRedirects(
            response,
            reverse("review_detail", args=[self.review.pk]),
            fetch_redirect_response=False,
        )

    def test_an_unknown_channel_is_refused(self):
        message = self.message()
        response = self.post("message_sent_by_hand", message, headers=HTMX, channel="pigeon")
        self.assertEqual(response.status_code, 400)
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.BY_HAND)

    def test_failed_by_hand_keeps_the_reason(self):
        message = self.message()
        response = self.post(
            "message_failed_by_hand", message, headers=HTMX, reason="旺旺已被买家屏蔽"
        )
        self.assertEqual(response.status_code, 200)
        message.refresh_from_db()
        self.assertEqual(
            (message.state, message.last_error, message.sent_by, message.sent_at),
            (MessageState.FAILED, "旺旺已被买家屏蔽", self.agent, None),
        )
        event = self.message_events("failed_by_hand").get()
        self.assertEqual((event.actor, event.data["error"]), (self.agent, "旺旺已被买家屏蔽"))
        self.assertEqual(AuditLog.objects.filter(action="message_by_hand_failed").count(), 1)
        # Too late to say it was sent.
        self.post("message_sent_by_hand", message, channel="im")
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.FAILED)

    def test_another_shops_agent_and_the_manager_get_404(self):
        message = self.message()
        for user in (self.outsider, self.manager):
            for name, data in (
                ("message_sent_by_hand", {"channel": "im"}),
                ("message_failed_by_hand", {"reason": "x"}),
            ):
                response = self.post(name, message, user=user, **data)
                self.assertEqual(response.status_code, 404, (user, name))
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.BY_HAND)
        self.assertFalse(AuditLog.objects.exists())

    def test_the_lead_may_answer_for_an_agents_message(self):
        message = self.message()
        self.post("message_sent_by_hand", message, user=self.lead, channel="im")
        message.refresh_from_db()
        self.assertEqual((message.state, message.sent_by), (MessageState.SENT_BY_HAND, self.lead))

    def test_closing_the_review_stops_its_messages_to_send_by_hand(self):
        message = self.message()
        services.review_close(
            review=self.review, user=self.agent, reason="other", note="买家已退货"
        )
        message.refresh_from_db()
        self.assertEqual(message.state, MessageState.FAILED)

    # The 「待手动发送」 list, the badge and the attention poll.

    def test_the_agents_list_holds_the_messages_of_their_reviews_oldest_first(self):
        other = self.make_review(self.shop, reviewed_at=NOW - timedelta(hours=3))  # unassigned
        with time_machine.travel(NOW - timedelta(minutes=30), tick=False):
            older = self.message(body="较早的消息")
        newer = self.message(body="较新的消息")
        unassigned = self.message(review=other, body="没人负责的消息")
        self.login(self.agent)
        page = self.client.get(reverse("outbox"))
        self.assertEqual(page.status_code, 200)
        self.assertEqual([m.pk for m in page.context["to_send"]], [older.pk, newer.pk])
        self.assertNotContains(page, unassigned.body)
        text = page.content.decode()
        self.assertLess(text.index("较早的消息"), text.index("较新的消息"))
        self.assertContains(page, reverse("message_sent_by_hand", args=[older.pk]))
        self.assertContains(page, f'data-copy="#message-{older.pk}-body"')
        # The lead sees the shop's, the unassigned review's too.
        self.login(self.lead)
        page = self.client.get(reverse("outbox"))
        self.assertEqual(
            [m.pk for m in page.context["to_send"]], [older.pk, newer.pk, unassigned.pk]
        )
        # Another shop's agent sees none of them; a manager has no such list.
        self.login(self.outsider)
        self.assertEqual(list(self.client.get(reverse("outbox")).context["to_send"]), [])
        self.login(self.manager)
        self.assertEqual(self.client.get(reverse("outbox")).status_code, 403)

    def test_a_message_answered_leaves_the_list(self):
        message = self.message()
        self.post("message_sent_by_hand", message, channel="im")
        page = self.client.get(reverse("outbox"))
        self.assertEqual(list(page.context["to_send"]), [])
        self.assertContains(page, "0")

    def test_the_badge_and_the_attention_poll_count_messages_to_send_by_hand(self):
        self.login(self.agent)
        self.assertNotContains(self.client.get(reverse("due_count")), 'class="pill"')
        message = self.message()
        badge = self.client.get(reverse("due_count"))
        self.assertContains(badge, ">1</span>")
        self.assertContains(self.client.get(reverse("outbox_count")), ">1</span>")
        answer = self.client.get(reverse("attention")).json()
        self.assertEqual(answer["due"], 1)
        self.assertEqual(answer["items"][0]["id"], f"message-{message.pk}")
        self.assertEqual(answer["items"][0]["url"], reverse("outbox"))
        before = answer["queue"]
        self.post("message_sent_by_hand", message, channel="im")
        answer = self.client.get(reverse("attention")).json()
        self.assertEqual((answer["due"], answer["items"]), (0, []))
        self.assertNotEqual(answer["queue"], before)
        # The navigation links the list.
        page = self.client.get(reverse("queue"))
        self.assertContains(page, f'href="{reverse("outbox")}"')

    def test_the_list_costs_the_same_queries_for_one_message_or_many(self):
        self.message()
        self.login(self.lead)
        self.client.get(reverse("outbox"))  # the session and the translations, warmed up
        with self.assertNumQueries(6) as one:
            self.client.get(reverse("outbox"))
        for n in range(5):
            other = self.make_review(self.shop, reviewed_at=NOW - timedelta(hours=3))
            self.message(review=other, body=f"第{n}条", channel=Channel.IM)
        with self.assertNumQueries(len(one.captured_queries)):
            page = self.client.get(reverse("outbox"))
        self.assertEqual(len(page.context["to_send"]), 6)
