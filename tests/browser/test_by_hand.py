"""Issue 17, in real headless Chromium: with no provider configured, the revision instructions
wait in the agent's 「待手动发送」 list with their whole text; the agent copies them, sends them
on the platform and says so, and the review shows who sent them and how."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import expect

from outreach.models import Kind, Message, MessageState
from outreach.tasks import deliver_message_task
from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def shop():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    return shop


def test_the_agent_copies_and_confirms_the_revision_instructions_by_hand(
    live_server, page, screenshot, shop
):
    agent = User.objects.get(username="agent")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    with time_machine.travel(datetime(2026, 12, 2, 10, 0, tzinfo=SH), tick=True):
        review = BaseTestCase.make_review(
            shop, assigned_to=agent, reviewed_at=datetime(2026, 12, 2, 6, 0, tzinfo=SH)
        )
        login(page, live_server.url, "agent")
        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        page.get_by_placeholder("例如：今晚 20:15").fill("今晚 20:15")
        page.get_by_role("button", name="同意修改").click()
        expect(page.get_by_text("跟进时间：12月2日 周三 20:15")).to_be_visible()
        # The worker delivers it: no provider is configured, so it waits for the agent.
        instructions = Message.objects.get(review=review, kind=Kind.REVISION_INSTRUCTIONS)
        deliver_message_task.apply(args=(instructions.id,))
        instructions.refresh_from_db()
        assert instructions.state == MessageState.BY_HAND

        page.goto(f"{live_server.url}/queue/")
        expect(page.locator("#outbox-count")).to_have_text("1")
        page.locator("nav").get_by_role("link", name="待手动发送").click()
        item = page.locator(f"#message-{instructions.pk}")
        expect(item.locator(".message-body")).to_have_text(instructions.body)
        expect(item).to_contain_text("待手动发送")
        expect(item).to_contain_text("138****5678")
        item.get_by_role("button", name="复制").click()
        expect(item.get_by_role("button", name="复制")).to_have_class("secondary done")
        assert page.evaluate("navigator.clipboard.readText()") == instructions.body
        screenshot("by-hand-list")

        item.get_by_label("实际渠道").select_option(label="短信")
        item.get_by_role("button", name="已发送", exact=True).click()
        expect(item).to_contain_text("已手动发送 · 小王 · 短信")
        expect(page.get_by_role("button", name="已发送", exact=True)).to_have_count(0)

        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        expect(page.locator("#outbox")).to_contain_text("已手动发送 · 小王")
        expect(page.locator("#timeline")).to_contain_text("修改评价步骤已手动发送（短信）")
        screenshot("by-hand-confirmed")
    instructions.refresh_from_db()
    assert (instructions.state, instructions.sent_by) == (MessageState.SENT_BY_HAND, agent)
