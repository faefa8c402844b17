"""A missed follow-up reaches the shop's leads: by e-mail and through the team chat robot the
lead set up (WeCom, DingTalk signed, Feishu signed), once per escalation, retried when the
robot throttles, and a failure the lead can read — against local fake robots."""

import base64
import hashlib
import hmac
import smtplib
import time
from datetime import datetime, timedelta
from unittest import mock
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.urls import reverse

from outreach import services
from outreach.models import AlertState, LeadAlert, LeadAlertSettings, PlannedContact, PlanState
from outreach.robots import Note, dingtalk, feishu
from outreach.robots.http import post_json
from outreach.tasks import lead_alert_send_task, tick_task
from reviews.models import AuditLog

from ..base import BaseTestCase
from .fake_robots import (
    ALLOW_FAKES,
    DINGTALK_THROTTLED,
    FEISHU_THROTTLED,
    WECOM_THROTTLED,
    FakeRobot,
    worker,
)

SH = ZoneInfo("Asia/Shanghai")
SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


@ALLOW_FAKES
class LeadAlertTestCase(BaseTestCase):
    def setUp(self):
        self.lead.email = "larry@alpha.example"
        self.lead.save(update_fields=["email"])
        self.review = self.make_review(self.shop, assigned_to=self.agent)
        with time_machine.travel(at(2026, 11, 25, 10, 0), tick=False):
            self.followup = services.review_record_agreement(
                review=self.review, agent=self.agent, when=at(2026, 11, 25, 20, 15)
            )
        PlannedContact.objects.filter(id=self.followup.id).update(
            state=PlanState.DUE, fired_at=at(2026, 11, 25, 20, 15)
        )

    def configure(self, robot: str, url: str, secret: str = "", email: bool = True):
        self.client.force_login(self.lead)
        return self.client.post(
            reverse("lead_alerts") + f"?shop={self.shop.slug}",
            {
                "shop": self.shop.slug,
                "email": "on" if email else "",
                "robot": robot,
                "robot_webhook": url,
                "robot_secret": secret,
            },
        )

    def escalate(self, now=None):
        with self.captureOnCommitCallbacks(execute=True):
            return services.plannedcontact_escalate_missed(now=now or at(2026, 11, 25, 20, 31))


class MissedSlotAlertTestCase(LeadAlertTestCase):
    def test_it_tells_the_lead_by_email_and_a_signed_dingtalk_message_with_the_link(self):
        with FakeRobot("dingtalk", secret=SECRET) as robot, worker():
            self.assertEqual(self.configure("dingtalk", robot.url, SECRET).status_code, 302)
            self.assertEqual(self.escalate(), 1)
        self.assertEqual(len(robot.received), 1, robot.refused)
        text = robot.received[0]["body"]["markdown"]["text"]
        link = f"http://127.0.0.1:8000/board/?shop=alpha#missed-{self.followup.id}"
        self.assertIn(link, text)
        self.assertIn(f"#{self.review.id}", text)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["larry@alpha.example"])
        self.assertIn(link, mail.outbox[0].body)
        states = dict(LeadAlert.objects.values_list("channel", "state"))
        self.assertEqual(states, {"email": AlertState.SENT, "dingtalk": AlertState.SENT})

    def test_a_second_escalation_of_the_same_followup_alerts_nobody_again(self):
        with FakeRobot("dingtalk", secret=SECRET) as robot, worker():
            self.configure("dingtalk", robot.url, SECRET)
            self.assertEqual(self.escalate(), 1)
            self.assertEqual(self.escalate(at(2026, 11, 25, 20, 40)), 0)
            # Even a stray second alert for the same escalation finds its rows taken.
            with self.captureOnCommitCallbacks(execute=True):
                again = services.lead_alerts.missed_slot_alert(
                    planned=PlannedContact.objects.get(id=self.followup.id),
                    now=at(2026, 11, 25, 20, 41),
                )
        self.assertEqual(again, [])
        self.assertEqual(len(robot.received), 1)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(LeadAlert.objects.count(), 2)

    def test_a_task_delivered_twice_sends_once(self):
        with FakeRobot("wecom") as robot:
            self.configure("wecom", robot.url, email=False)
            with mock.patch("outreach.services.lead_alerts.send_alert") as enqueue:
                self.escalate()
            (alert_id,) = [c.args[0] for c in enqueue.call_args_list]
            lead_alert_send_task.apply(args=(alert_id,))
            lead_alert_send_task.apply(args=(alert_id,))
        self.assertEqual(len(robot.received), 1)
        self.assertEqual(LeadAlert.objects.get().attempts, 1)

    def test_a_wrong_dingtalk_secret_fails_visibly_on_the_board_and_the_settings_page(self):
        with FakeRobot("dingtalk", secret=SECRET) as robot, worker():
            self.configure("dingtalk", robot.url, "SECwrong")
            with time_machine.travel(at(2026, 11, 25, 20, 31, 5), tick=False):
                self.escalate(at(2026, 11, 25, 20, 31))
        self.assertEqual(robot.received, [])
        alert = LeadAlert.objects.get(channel="dingtalk")
        self.assertEqual(
            (alert.state, alert.error_code, alert.error_message, alert.attempts),
            (AlertState.FAILED, "310000", "sign not match", 1),  # a refusal is not retried
        )
        with time_machine.travel(at(2026, 11, 25, 21, 0), tick=False):
            board = self.client.get(reverse("board") + "?shop=alpha").content.decode()
        self.assertIn("钉钉机器人发送失败：310000 sign not match，20:31", board)
        page = self.client.get(reverse("lead_alerts") + "?shop=alpha").content.decode()
        self.assertIn("钉钉机器人发送失败：310000 sign not match，20:31", page)
        self.assertIn("邮件已发送", page)

    def test_a_throttled_robot_is_tried_again_and_the_message_arrives(self):
        with FakeRobot("dingtalk", secret=SECRET, answers=[DINGTALK_THROTTLED] * 2) as robot:
            self.configure("dingtalk", robot.url, SECRET, email=False)
            with worker():
                self.escalate()
        self.assertEqual(len(robot.received), 1)
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.state, alert.attempts), (AlertState.SENT, 3))

    def test_a_robot_that_keeps_throttling_fails_after_four_tries_with_its_code(self):
        with FakeRobot("feishu", secret=SECRET, answers=[FEISHU_THROTTLED] * 10) as robot:
            self.configure("feishu", robot.url, SECRET, email=False)
            with worker():
                self.escalate()
        alert = LeadAlert.objects.get()
        self.assertEqual(
            (alert.state, alert.attempts, alert.error_code), (AlertState.FAILED, 4, "9499")
        )
        self.assertEqual(len(robot.answers), 6)

    def test_the_retry_waits_its_back_off_and_is_scheduled_by_the_task(self):
        with FakeRobot("wecom", answers=[WECOM_THROTTLED]) as robot:
            self.configure("wecom", robot.url, email=False)
            alert = services.shop_leads_alert(
                shop=self.shop, kind="test", subject="s", body="b", link="http://x/"
            )[0]
            with (
                mock.patch.object(lead_alert_send_task, "retry", side_effect=RuntimeError) as r,
                self.assertRaises(RuntimeError),
            ):
                lead_alert_send_task.run(alert.id)
        self.assertEqual(r.call_args.kwargs["countdown"], 10)
        alert.refresh_from_db()
        self.assertEqual((alert.state, alert.error_code), (AlertState.PENDING, "45009"))

    def test_a_robot_that_cannot_be_reached_is_retried_then_reported(self):
        with FakeRobot("wecom") as robot:
            url = robot.url
        self.configure("wecom", url, email=False)  # the robot's server is gone
        with worker():
            self.escalate()
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.state, alert.error_code, alert.attempts), ("failed", "network", 4))

    def test_feishu_gets_a_correctly_signed_text_with_the_link(self):
        with FakeRobot("feishu", secret=SECRET) as robot, worker():
            self.configure("feishu", robot.url, SECRET, email=False)
            self.escalate()
        self.assertEqual(len(robot.received), 1, robot.refused)
        self.assertIn(f"#missed-{self.followup.id}", robot.received[0]["body"]["content"]["text"])

    def test_a_wrong_feishu_secret_is_reported_with_19021(self):
        with FakeRobot("feishu", secret=SECRET) as robot, worker():
            self.configure("feishu", robot.url, "wrong", email=False)
            self.escalate()
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.state, alert.error_code), (AlertState.FAILED, "19021"))

    def test_wecom_gets_markdown_with_the_link(self):
        with FakeRobot("wecom") as robot, worker():
            self.configure("wecom", robot.url, email=False)
            self.escalate()
        content = robot.received[0]["body"]["markdown"]["content"]
        self.assertIn(f"/board/?shop=alpha#missed-{self.followup.id}", content)

    def test_without_settings_only_the_leads_email_goes_and_without_an_address_it_fails(self):
        with worker():
            self.escalate()
        self.assertEqual(len(mail.outbox), 1)
        self.lead.email = ""
        self.lead.save(update_fields=["email"])
        other = self.make_review(self.shop, assigned_to=self.agent)
        planned = PlannedContact.objects.create(
            shop=self.shop,
            review=other,
            buyer=other.buyer,
            kind=self.followup.kind,
            channel=self.followup.channel,
            assigned_to=self.agent,
            due_at=at(2026, 11, 25, 20, 15),
            deadline_at=at(2026, 11, 25, 20, 30),
            state=PlanState.DUE,
            fired_at=at(2026, 11, 25, 20, 15),
        )
        with worker():
            self.escalate(at(2026, 11, 25, 20, 32))
        alert = LeadAlert.objects.get(key=f"missed:{planned.id}")
        self.assertEqual((alert.state, alert.error_code), (AlertState.FAILED, "no address"))

    def test_the_sweep_sends_an_alert_whose_task_was_lost(self):
        with FakeRobot("wecom") as robot:
            self.configure("wecom", robot.url, email=False)
            with mock.patch("outreach.services.lead_alerts.send_alert"):
                self.escalate()  # Redis swallowed the task
            with worker():
                self.assertEqual(
                    services.leadalert_sweep(now=at(2026, 11, 25, 20, 31) + timedelta(minutes=1)),
                    0,  # still within its lease: its task may yet run
                )
                self.assertEqual(
                    services.leadalert_sweep(now=at(2026, 11, 25, 20, 31) + timedelta(minutes=2)),
                    1,
                )
        self.assertEqual(len(robot.received), 1)

    def test_beats_tick_escalates_and_the_alert_goes_out(self):
        with (
            FakeRobot("wecom") as robot,
            worker(),
            mock.patch("outreach.services.dispatch.send_fire"),
            time_machine.travel(at(2026, 11, 25, 20, 31), tick=False),
        ):
            self.configure("wecom", robot.url)
            with self.captureOnCommitCallbacks(execute=True):
                tick_task.apply()
        self.assertEqual(len(robot.received), 1)
        self.assertEqual(len(mail.outbox), 1)

    def test_a_mail_server_that_refuses_fails_without_retrying(self):
        refused = smtplib.SMTPRecipientsRefused({"larry@alpha.example": (550, b"no such user")})
        with worker(), mock.patch("outreach.services.lead_alerts.send_mail", side_effect=refused):
            self.escalate()
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.state, alert.error_code, alert.attempts), ("failed", "smtp", 1))

    def test_a_mail_server_that_is_down_is_tried_again(self):
        down = [ConnectionRefusedError(111, "Connection refused"), 1]
        with worker(), mock.patch("outreach.services.lead_alerts.send_mail", side_effect=down):
            self.escalate()
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.state, alert.attempts), (AlertState.SENT, 2))


class ServiceForOtherPartsTestCase(LeadAlertTestCase):
    def test_another_part_tells_the_leads_once_per_key(self):
        with FakeRobot("feishu", secret=SECRET) as robot, worker():
            self.configure("feishu", robot.url, SECRET)
            for _ in range(2):
                with self.captureOnCommitCallbacks(execute=True):
                    services.shop_leads_alert(
                        shop=self.shop,
                        kind="nobody_fits",
                        subject="无人可分配：评价 #7",
                        body="没有在岗且有余量的客服。",
                        link="http://127.0.0.1:8000/board/?shop=alpha",
                        key="nobody:7",
                    )
        self.assertEqual(len(robot.received), 1)
        self.assertIn("无人可分配：评价 #7", robot.received[0]["body"]["content"]["text"])
        self.assertEqual(mail.outbox[0].subject, "[Alpha 旗舰店] 无人可分配：评价 #7")
        self.assertEqual(LeadAlert.objects.filter(kind="nobody_fits").count(), 2)

    def test_another_shops_settings_and_leads_are_not_used(self):
        with worker(), self.captureOnCommitCallbacks(execute=True):
            services.shop_leads_alert(
                shop=self.other_shop, kind="test", subject="s", body="b", link="http://x/"
            )
        alert = LeadAlert.objects.get()
        self.assertEqual((alert.shop, alert.error_code), (self.other_shop, "no address"))
        self.assertEqual(mail.outbox, [])


class AlertSettingsPageTestCase(LeadAlertTestCase):
    def test_credentials_are_stored_encrypted_and_never_shown_back(self):
        with FakeRobot("dingtalk", token="tok-secret-token") as robot:
            self.configure("dingtalk", robot.url, SECRET)
        with connection.cursor() as cursor:
            cursor.execute("select robot_webhook, robot_secret from outreach_leadalertsettings")
            webhook, secret = cursor.fetchone()
        self.assertTrue(webhook.startswith("fernet:") and secret.startswith("fernet:"))
        self.assertNotIn("tok-secret-token", webhook)
        self.assertNotIn(SECRET, secret)
        conf = LeadAlertSettings.objects.get(shop=self.shop)
        self.assertEqual((conf.robot_webhook, conf.robot_secret), (robot.url, SECRET))
        page = self.client.get(reverse("lead_alerts") + "?shop=alpha").content.decode()
        self.assertNotIn("tok-secret-token", page)
        self.assertNotIn(SECRET, page)
        self.assertIn("已设置，留空则保持不变。", page)
        audit = AuditLog.objects.get(action="settings_changed")
        self.assertEqual(audit.data["changes"], ["robot", "robot_webhook", "robot_secret"])
        self.assertNotIn("tok-secret-token", str(audit.data))

    def test_a_blank_webhook_and_secret_keep_what_is_stored(self):
        with FakeRobot("dingtalk") as robot:
            self.configure("dingtalk", robot.url, SECRET)
            self.configure("dingtalk", "", "", email=False)
        conf = LeadAlertSettings.objects.get(shop=self.shop)
        self.assertEqual(
            (conf.email, conf.robot_webhook, conf.robot_secret), (False, robot.url, SECRET)
        )

    def test_removing_the_robot_forgets_its_credentials_and_alerts_go_by_email_only(self):
        with FakeRobot("dingtalk") as robot:
            self.configure("dingtalk", robot.url, SECRET)
            self.client.post(
                reverse("lead_alerts"), {"shop": "alpha", "email": "on", "clear_robot": "on"}
            )
        conf = LeadAlertSettings.objects.get(shop=self.shop)
        self.assertEqual((conf.robot, conf.robot_webhook, conf.robot_secret), ("", "", ""))
        with worker():
            self.escalate()
        self.assertEqual(list(LeadAlert.objects.values_list("channel", flat=True)), ["email"])

    def test_it_refuses_a_webhook_that_is_not_the_providers(self):
        with self.settings(LEAD_ALERTS={**self.settings_alerts(), "ALLOW_HTTP": False}):
            response = self.configure("dingtalk", "http://127.0.0.1:9/robot/send", SECRET)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "https://oapi.dingtalk.com/robot/send", status_code=400)
        response = self.configure("feishu", "https://oapi.dingtalk.com/robot/send?x=1")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(LeadAlertSettings.objects.exists())

    def settings_alerts(self):
        return settings.LEAD_ALERTS

    def test_the_test_button_sends_to_every_channel_and_the_page_shows_the_outcome(self):
        with FakeRobot("dingtalk", secret=SECRET) as robot, worker():
            self.configure("dingtalk", robot.url, SECRET)
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(reverse("lead_alerts_test"), {"shop": "alpha"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(robot.received), 1)
        self.assertEqual(len(mail.outbox), 1)
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("钉钉机器人已发送", page)

    def test_agents_and_other_shops_leads_cannot_open_or_use_it(self):
        self.client.force_login(self.agent)
        self.assertEqual(self.client.get(reverse("lead_alerts")).status_code, 403)
        self.client.force_login(self.outsider)
        self.assertEqual(
            self.client.post(reverse("lead_alerts_test"), {"shop": "alpha"}).status_code, 403
        )


class SignatureTestCase(BaseTestCase):
    """Our signatures against the worked definitions the providers publish."""

    def test_dingtalk_signs_timestamp_newline_secret_keyed_with_the_secret_url_encoded(self):
        url = dingtalk.signed_url(
            "https://oapi.dingtalk.com/robot/send?access_token=t", "s", timestamp_ms=1700000000000
        )

        raw = hmac.new(b"s", b"1700000000000\ns", hashlib.sha256).digest()
        self.assertEqual(
            url,
            "https://oapi.dingtalk.com/robot/send?access_token=t&timestamp=1700000000000"
            f"&sign={quote_plus(base64.b64encode(raw))}",
        )

    def test_feishu_signs_with_the_string_as_key_and_an_empty_message(self):
        body = feishu.payload(Note("s", "b", "http://x/"), "sec", timestamp_s=1700000000)

        raw = hmac.new(b"1700000000\nsec", b"", hashlib.sha256).digest()
        self.assertEqual(body["timestamp"], "1700000000")
        self.assertEqual(body["sign"], base64.b64encode(raw).decode())

    @ALLOW_FAKES
    def test_the_fake_dingtalk_refuses_a_timestamp_more_than_an_hour_old(self):
        with FakeRobot("dingtalk", secret=SECRET) as robot:
            old = int((time.time() - 3601) * 1000)
            answer = post_json(
                dingtalk.signed_url(robot.url, SECRET, timestamp_ms=old),
                {"msgtype": "text", "text": {"content": "x"}},
            )
            fresh = int(time.time() * 1000)
            ok = post_json(
                dingtalk.signed_url(robot.url, SECRET, timestamp_ms=fresh),
                {"msgtype": "text", "text": {"content": "x"}},
            )
        self.assertEqual(answer, {"errcode": 310000, "errmsg": "invalid timestamp"})
        self.assertEqual(ok["errcode"], 0)
