"""The team lead tunes the shop's playbook in real headless Chromium, on a desk and a phone."""

import re

import pytest
from playwright.sync_api import expect

from outreach.models import Playbook
from reviews.models import AuditLog

from .test_desk import desk, login  # noqa: F401 (desk is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_tunes_the_playbook_and_a_bad_template_is_refused(
    live_server,
    page,
    screenshot,
    desk,  # noqa: F811
):
    shop, _people = desk
    login(page, live_server.url, "lead")
    page.goto(live_server.url + "/board/")
    page.get_by_role("link", name="跟进规则").click()
    expect(page.get_by_role("heading", name="跟进规则")).to_be_visible()

    page.get_by_label("严重差评冷静期（小时）").fill("12")
    page.get_by_label("提醒（买家同意了但还没改）").fill("您好{nick}，改好评就返现5元：{link}")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("什么都没有保存")).to_be_visible()
    # The reason names the reward and the review it ties together.
    expect(page.get_by_text(re.compile("提醒（买家同意了但还没改）：.*返现.*好评"))).to_be_visible()
    assert Playbook.objects.for_shop(shop).cooling_off_hours == 24
    screenshot("playbook-refused-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    screenshot("playbook-refused-390")

    page.get_by_label("提醒（买家同意了但还没改）").fill("")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("已保存。")).to_be_visible()
    assert Playbook.objects.for_shop(shop).cooling_off_hours == 12
    assert AuditLog.objects.get(action="settings_changed").data["changes"] == ["cooling_off_hours"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("playbook-saved-390")
    page.set_viewport_size({"width": 1366, "height": 768})
    screenshot("playbook-1366")
