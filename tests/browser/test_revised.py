"""Issue 16, browser test (3) in real headless Chromium: 「买家已修改」 cancels the reminder, and
a re-import that shows the review revised does the same."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from outreach.models import OPEN_PLAN_STATES, Kind, PlannedContact, PlanState
from reviews.models import Membership, Platform, Role, Shop, Status

from ..base import BaseTestCase
from ..platform import revised_on_platform
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    return shop


def agree_tonight(page, live_server, review):
    """On the review page: the buyer agreed on the phone to revise tonight at 20:15."""
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    page.get_by_placeholder("例如：今晚 20:15").fill("今晚 20:15")
    page.get_by_role("button", name="同意修改").click()
    expect(page.get_by_text("跟进时间：12月2日 周三 20:15")).to_be_visible()
    # The reminder waits out the quiet hours: 09:00 the next morning, in the planned list.
    page.get_by_text("项计划").click()
    expect(page.locator("#next-step")).to_contain_text("12-03 09:00 · 提醒")
    reminder = PlannedContact.objects.get(review=review, kind=Kind.REMINDER_SMS)
    assert reminder.state == PlanState.PLANNED
    return reminder


def test_the_agents_revised_and_a_reimport_both_cancel_the_reminder(
    live_server, page, screenshot, shop
):
    agent = User.objects.get(username="agent")
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SH), tick=True):
        first = BaseTestCase.make_review(
            shop, assigned_to=agent, reviewed_at=datetime(2026, 12, 2, 6, 0, tzinfo=SH)
        )
        second = BaseTestCase.make_review(
            shop,
            assigned_to=agent,
            reviewed_at=datetime(2026, 12, 2, 7, 0, tzinfo=SH),
            external_key="id:TB-2002",
        )
        login(page, live_server.url, "agent")

        # The agent sees the buyer's 好评 on Taobao and says so: the reminder is gone at once.
        reminder = agree_tonight(page, live_server, first)
        expect(page.locator("#revise-window")).to_contain_text("淘宝：评价后30天内可修改一次")
        page.get_by_role("button", name="买家已修改").click()
        expect(page.get_by_text("已停止")).to_be_visible()
        expect(page.locator("#next-step")).not_to_contain_text("12-03 09:00 · 提醒")
        expect(page.locator("#timeline")).to_contain_text("提醒已取消：评价已修改")
        expect(page.locator("#review-status")).to_contain_text("已修改")
        screenshot("revised-by-agent")
        reminder.refresh_from_db()
        assert reminder.state == PlanState.CANCELLED

        # The second buyer revises on the platform; the next delivery of the webhook shows it.
        reminder = agree_tonight(page, live_server, second)
        response = revised_on_platform(Client(), second)
        assert response.json()["counts"]["revised"] == 1, response.content
        page.reload()
        expect(page.locator("#review-status")).to_contain_text("已修改")
        expect(page.locator("#next-step")).not_to_contain_text("12-03 09:00 · 提醒")
        expect(page.locator("#timeline")).to_contain_text("提醒已取消：评价已修改")
        screenshot("revised-by-import")
        reminder.refresh_from_db()
        assert reminder.state == PlanState.CANCELLED
        second.refresh_from_db()
        assert second.status == Status.REVISED
        assert not PlannedContact.objects.filter(
            review__in=[first, second], state__in=OPEN_PLAN_STATES
        ).exists()
