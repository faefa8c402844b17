"""Issue 16, done-when (2): a follow-up missed by 15 minutes reaches the lead by e-mail and by
a chat robot — a local fake DingTalk robot that checks the signature — after the lead set the
robot up in the browser; the lead then sees on the page that both were delivered."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import expect

from outreach import services
from outreach.models import PlannedContact, PlanState
from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase
from ..outreach.fake_robots import FAKES_ALLOWED, FakeRobot, dingtalk_expected_sign, worker
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
SECRET = "SECa1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


@pytest.fixture
def missed_soon():
    """A follow-up agreed for 20:15 that fell due then, with nobody logging it."""
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    lead = User.objects.create_user(
        "lead", password=PASSWORD, first_name="老李", email="lead@demo.example"
    )
    Membership.objects.create(user=lead, shop=shop, role=Role.LEAD)
    review = BaseTestCase.make_review(
        shop, assigned_to=agent, reviewed_at=datetime(2026, 11, 25, 9, 0, tzinfo=SH)
    )
    with time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False):
        followup = services.review_record_agreement(
            review=review, agent=agent, when=datetime(2026, 11, 25, 20, 15, tzinfo=SH)
        )
    PlannedContact.objects.filter(id=followup.id).update(
        state=PlanState.DUE, fired_at=datetime(2026, 11, 25, 20, 15, tzinfo=SH)
    )
    return followup


def test_a_missed_followup_reaches_the_lead_by_email_and_a_signed_dingtalk_message(
    live_server, page, screenshot, settings, mailoutbox, missed_soon
):
    settings.LEAD_ALERTS = FAKES_ALLOWED
    with (
        FakeRobot("dingtalk", token="t0k3n", secret=SECRET) as robot,
        time_machine.travel(datetime(2026, 11, 25, 20, 28, tzinfo=SH), tick=True),
    ):
        login(page, live_server.url, "lead")
        page.goto(f"{live_server.url}/board/")
        page.get_by_role("link", name="组长提醒").click()
        page.get_by_label("群机器人").select_option(label="钉钉机器人")
        page.get_by_label("机器人 Webhook 地址").fill(robot.url)
        page.get_by_label("签名密钥").fill(SECRET)
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("已保存。")).to_be_visible()
        # The stored token and secret are never shown back.
        assert "t0k3n" not in page.content() and SECRET not in page.content()
        expect(page.get_by_text("已设置，留空则保持不变。").first).to_be_visible()

        # 20:31: beat's escalation finds the 20:15 follow-up with nothing logged.
        with time_machine.travel(datetime(2026, 11, 25, 20, 31, tzinfo=SH), tick=True), worker():
            assert services.plannedcontact_escalate_missed() == 1

        # The fake checked DingTalk's timestamp and signature, and got the link to the board.
        assert robot.refused == []
        (message,) = robot.received
        assert message["query"]["sign"] == dingtalk_expected_sign(
            message["query"]["timestamp"], SECRET
        )
        link = f"/board/?shop=demo#missed-{missed_soon.id}"
        assert link in message["body"]["markdown"]["text"]
        assert "小王" in message["body"]["markdown"]["text"]
        (email,) = mailoutbox
        assert email.to == ["lead@demo.example"]
        assert link in email.body

        page.reload()
        table = page.locator("#lead-alerts")
        expect(table).to_contain_text("钉钉机器人已发送，20:31")
        expect(table).to_contain_text("邮件已发送，20:31")
        screenshot("lead-alerts-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot("lead-alerts-390")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.set_viewport_size({"width": 1366, "height": 768})
        # The link leads to the missed follow-up, ready to give to another agent.
        page.goto(f"{live_server.url}{link}")
        expect(page.locator(f"#missed-{missed_soon.id}")).to_contain_text("小王")
