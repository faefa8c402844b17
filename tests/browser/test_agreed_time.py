"""The agreed time on the review page in real headless Chromium: what was understood is shown
as the agent types, the picker and the ambiguity buttons fill the box, and the save says the
minute it planned."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import expect

from outreach.models import Kind, PlannedContact
from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop():
    shop = Shop.objects.create(
        name="演示旗舰店",
        slug="demo",
        platform=Platform.TAOBAO,
        revision_link_template="https://rate.example.com/{order_id}",
    )
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    return shop


def open_review(page, live_server, shop):
    review = BaseTestCase.make_review(
        shop,
        assigned_to=User.objects.get(username="agent"),
        reviewed_at=datetime(2026, 12, 2, 6, 0, tzinfo=SH),
    )
    login(page, live_server.url, "agent")
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    return review


def test_the_agent_sees_what_was_understood_picks_a_time_and_saves_that_minute(
    live_server, page, screenshot, shop
):
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SH), tick=True):
        review = open_review(page, live_server, shop)
        box = page.get_by_placeholder("例如：今晚 20:15")
        preview = page.locator("#agreed-preview")
        box.press_sequentially("明天 15:00")
        expect(preview).to_contain_text("= 12月3日 周四 15:00（店铺时间，Asia/Shanghai）")
        box.fill("明天下午")
        expect(preview).to_contain_text("今晚 20:15")  # the hint
        page.get_by_label("选择约定的日期和时间").fill("2026-12-03T16:30")
        expect(box).to_have_value("2026-12-03T16:30")
        expect(preview).to_contain_text("= 12月3日 周四 16:30")
        screenshot("agreed-time-preview-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot("agreed-time-preview-390")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_role("button", name="同意修改").click()
        expect(page.get_by_text("跟进时间：12月3日 周四 16:30")).to_be_visible()
        followup = PlannedContact.objects.get(review=review, kind=Kind.REVISE_FOLLOWUP)
        assert followup.due_at == datetime(2026, 12, 3, 16, 30, tzinfo=SH)


def test_an_ambiguous_hour_is_settled_with_a_button_and_saved(live_server, page, shop):
    with time_machine.travel(datetime(2026, 12, 2, 7, 0, tzinfo=SH), tick=True):
        review = open_review(page, live_server, shop)
        box = page.get_by_placeholder("例如：今晚 20:15")
        box.press_sequentially("8:15")
        page.get_by_role("button", name="今天 20:15").click(timeout=3000)
        expect(box).to_have_value("2026-12-02 20:15")
        expect(page.locator("#agreed-preview")).to_contain_text("= 12月2日 周三 20:15")
        page.get_by_role("button", name="同意修改").click()
        expect(page.get_by_text("跟进时间：12月2日 周三 20:15")).to_be_visible()
        followup = PlannedContact.objects.get(review=review, kind=Kind.REVISE_FOLLOWUP)
        assert followup.due_at == datetime(2026, 12, 2, 20, 15, tzinfo=SH)
