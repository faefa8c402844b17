"""Security as a person meets it, in a real browser: the lock-out message after too many wrong
passwords, and a manager reading who revealed a buyer's phone number in the audit log."""

import pytest
from django.contrib.auth.models import User

from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop_people():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    people = {}
    for username, role in (("agent", Role.AGENT), ("manager", Role.MANAGER)):
        people[username] = User.objects.create_user(username, password="reviewdesk")
        Membership.objects.create(user=people[username], shop=shop, role=role)
    review = BaseTestCase.make_review(shop, assigned_to=people["agent"])
    return people, review


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def test_too_many_wrong_passwords_lock_the_login_with_a_message(
    live_server, page, screenshot, shop_people
):
    for _ in range(5):
        log_in(page, live_server.url, "agent", "wrong-password")
    log_in(page, live_server.url, "agent", "reviewdesk")  # the right one, too late
    message = page.locator("main").inner_text()
    assert "登录失败次数过多" in message
    assert "/login/" in page.url
    screenshot("login-locked-1366")


def test_a_manager_reads_who_revealed_a_phone_number(live_server, page, screenshot, shop_people):
    people, review = shop_people
    log_in(page, live_server.url, "agent", "reviewdesk")
    page.wait_for_url("**/queue/")
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    page.locator("#buyer-phone").get_by_role("button", name="显示").click()
    page.get_by_text("13812345678").wait_for()

    page.context.clear_cookies()
    log_in(page, live_server.url, "manager", "reviewdesk")
    page.wait_for_url("**/reports/**")
    page.get_by_role("link", name="操作日志").click()
    page.wait_for_url("**/audit/**")
    row = page.locator("tbody tr").first
    assert "agent" in row.inner_text()
    assert "13812345678" not in page.content()  # the log never holds the number
    screenshot("audit-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("audit-390")
