"""Issue 16's first browser test: a review imported at 10:00 is assigned to the on-duty agent,
and its "call now" reaches her open queue — a toast, a browser notification that opens the
review, the new row — within the poll interval (shortened here through the setting the page
reads, not by waiting a minute)."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import override_settings
from playwright.sync_api import expect

from outreach import services as outreach_services
from outreach.models import Kind, PlanState
from outreach.tasks import fire_planned_task
from reviews.ingest import handoff
from reviews.ingest.batches import items_import
from reviews.models import Membership, Platform, Review, Role, Shop
from reviews.tasks import handoff_task

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
PASSWORD = "desk-pass-123"
TEN = datetime(2026, 11, 18, 10, 0, tzinfo=SH)  # a Wednesday

# Records what the page shows as notifications (headless Chromium draws none), and keeps the
# last one so the test can click it as the agent would.
RECORD_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  class Recorded {
    constructor(title, options) {
      this.title = title;
      this.body = (options || {}).body;
      this.onclick = null;
      window.__notes.push(this);
    }
    close() {}
    static get permission() { return Real.permission; }
    static requestPermission(callback) { return Real.requestPermission(callback); }
  }
  window.Notification = Recorded;
})();
"""


@pytest.fixture
def shop():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    for username, role, name in (("agent", Role.AGENT, "小王"), ("lead", Role.LEAD, "李组长")):
        user = User.objects.create_user(username, password=PASSWORD, first_name=name)
        Membership.objects.create(user=user, shop=shop, role=role)
    return shop


def login(page, base, username):
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def arrive_and_fall_due(shop):
    """A review arrives through the webhook's import path, is handed off (planned and
    assigned), and beat's dispatcher makes its call due."""
    with mock.patch.object(handoff, "enqueue"):  # run the hand-off right here, not on a worker
        _batch, results = items_import(
            shop=shop,
            items=[
                {
                    "review_id": "R-1000",
                    "order_id": "3812004455667788",
                    "buyer_nick": "tb_小鱼儿",
                    "rating": "差评",
                    "text": "衣服洗了一次就缩水了",
                    "reviewed_at": "2026-11-18 09:58",
                    "phone": "13812345678",
                }
            ],
        )
    assert results[0].review_id, results
    review = Review.objects.get(pk=results[0].review_id)
    handoff_task([review.pk])
    with mock.patch("outreach.services.dispatch.send_fire") as send:
        outreach_services.plannedcontact_dispatch_due()
    for call in send.call_args_list:
        fire_planned_task(call.args[0])
    return review


@override_settings(ATTENTION_POLL_SECONDS=(1, 2))
def test_a_review_imported_at_ten_reaches_the_agents_open_queue_as_a_notification(
    live_server, page, screenshot, shop
):
    page.context.grant_permissions(["notifications"], origin=live_server.url)
    page.add_init_script(RECORD_NOTIFICATIONS)
    with time_machine.travel(TEN, tick=True):
        login(page, live_server.url, "agent")
        page.goto(live_server.url + "/queue/?lane=mine")
        expect(page.locator("[data-attention][data-polls]")).to_be_attached()  # baseline
        expect(page.get_by_text("待办已清空，干得好！")).to_be_visible()
        # Allowed already: the button that asks is not offered.
        expect(page.locator("[data-attention-enable]")).to_be_hidden()
        page.evaluate("window.scrollTo(0, 0)")

        review = arrive_and_fall_due(shop)
        agent = User.objects.get(username="agent")
        review.refresh_from_db()
        assert review.assigned_to == agent
        call = review.planned_contacts.get(kind=Kind.FIRST_CALL)
        assert (call.state, call.assigned_to) == (PlanState.DUE, agent)

        toast = page.locator(".toast")
        expect(toast).to_contain_text("到期：首次致电", timeout=5_000)
        expect(toast).to_contain_text("tb_小鱼儿")
        # The queue refreshed itself: the new row is there, the URL's lane kept.
        expect(page.locator("[data-queue] tbody tr")).to_have_count(1)
        expect(page.locator("[data-queue]")).to_contain_text("tb_小鱼儿")
        assert page.url.endswith("/queue/?lane=mine")
        expect(page.locator("#due-count .pill")).to_have_text("1")
        expect(page.locator("#queue-count")).to_contain_text("1")  # the head's count too
        notes = page.evaluate("window.__notes.map(n => [n.title, n.body])")
        assert notes == [["到期：首次致电", "tb_小鱼儿 · 衣服洗了一次就缩水了"]]

        screenshot("attention-queue-toast-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot("attention-queue-toast-390")

        # The next poll announces nothing again.
        page.wait_for_timeout(2_500)
        assert page.evaluate("window.__notes.length") == 1
        expect(toast).to_have_count(1)

        # Clicking the notification opens the review.
        page.evaluate("window.__notes[0].onclick()")
        page.wait_for_url(f"**/reviews/{review.pk}/")
        expect(page.get_by_text("自动分配给 小王（当班，剩余容量")).to_be_visible()


@override_settings(ATTENTION_POLL_SECONDS=(1, 2))
def test_the_queue_waits_while_the_agent_types_in_the_search_box(live_server, page, shop):
    with time_machine.travel(TEN, tick=True):
        login(page, live_server.url, "agent")
        page.goto(live_server.url + "/queue/?lane=mine")
        expect(page.locator("[data-attention][data-polls]")).to_be_attached()
        search = page.locator(".filters input[name=q]")
        search.click()
        search.press_sequentially("缩水", delay=50)
        # Typing fires the filter's own request; wait for it before the review arrives.
        page.wait_for_timeout(600)
        arrive_and_fall_due(shop)
        expect(page.locator(".toast")).to_have_count(1, timeout=5_000)
        page.wait_for_timeout(1_500)
        # Still typing: the list was not swapped under the cursor.
        expect(search).to_be_focused()
        expect(search).to_have_value("缩水")
        expect(page.locator("[data-queue] tbody tr")).to_have_count(0)
        page.locator("h1").click()  # leaves the box: now the list catches up
        expect(page.locator("[data-queue] tbody tr")).to_have_count(1, timeout=5_000)
        assert "q=" in page.url


def test_alerts_are_asked_for_only_from_the_button(live_server, page, screenshot, shop):
    with time_machine.travel(TEN, tick=True):
        login(page, live_server.url, "agent")
        page.goto(live_server.url + "/queue/")
        expect(page.locator("[data-attention][data-polls]")).to_be_attached()
        # Loading the page asked nothing: the permission is still undecided, and the button
        # that asks is offered.
        assert page.evaluate("Notification.permission") == "default"
        button = page.get_by_role("button", name="开启提醒")
        expect(button).to_be_visible()
        screenshot("attention-enable-button-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        screenshot("attention-enable-button-390")
        page.context.grant_permissions(["notifications"], origin=live_server.url)
        button.click()
        expect(button).to_be_hidden()  # allowed: nothing left to ask


@override_settings(ATTENTION_POLL_SECONDS=(1, 2))
def test_when_nobody_fits_the_lead_is_told_on_the_page_she_has_open(live_server, page, shop):
    Membership.objects.filter(shop=shop, role=Role.AGENT).update(on_duty=False)
    with time_machine.travel(TEN, tick=True):
        login(page, live_server.url, "lead")
        page.goto(live_server.url + "/board/?shop=demo")
        expect(page.locator("[data-attention][data-polls]")).to_be_attached()
        review = arrive_and_fall_due(shop)
        review.refresh_from_db()
        assert review.assigned_to is None
        expect(page.locator(".toast")).to_contain_text("到期：首次致电", timeout=5_000)
        expect(page.locator("#due-count .pill")).to_have_text("1")
        page.locator(".toast-link").click()
        page.wait_for_url(f"**/reviews/{review.pk}/")
        expect(page.get_by_text("无人可分配：没有客服当班")).to_have_count(1)
