import pytest
from django.contrib.auth.models import User

from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def agent_with_review():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    agent = User.objects.create_user("agent", password="reviewdesk", first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    review = BaseTestCase.make_review(shop, assigned_to=agent, product_name="加厚纯棉T恤")
    return agent, review


def test_it_logs_in_as_agent_and_sees_the_queue_in_chinese(
    live_server, page, screenshot, agent_with_review
):
    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("reviewdesk")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/queue/")
    assert page.locator("h1").inner_text() == "我的待办"
    assert page.get_by_text("加厚纯棉T恤").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    screenshot("queue-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.get_by_text("加厚纯棉T恤").is_visible()
    # Nothing wider than the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("queue-390")


def test_it_switches_to_english(live_server, page, agent_with_review):
    page.goto(live_server.url + "/login/")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Log in to ReviewDesk").is_visible()


def test_question_mark_opens_the_keyboard_help(live_server, page, agent_with_review):
    page.goto(live_server.url + "/login/")
    page.get_by_label("用户名").fill("agent")
    page.get_by_label("密码").fill("reviewdesk")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/queue/")
    page.keyboard.press("?")
    assert page.locator("dialog[data-help]").is_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert page.locator("[data-queue] tbody tr.is-selected").count() == 1
