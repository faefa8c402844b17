"""Issue 19: a lead opens the shop's connector page from the board, tests the connection
against the fake TOP gateway (which checks the signature), and beat's first pull brings the
shop's 差评 and 中评 into the queue and the page's figures."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from connectors.models import PlatformConnection
from connectors.tasks import connector_pull_task
from reviews.models import Membership, Platform, Role, Shop

from ..connectors.fake_top import FakeTop, rate
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_lead_tests_the_connection_and_the_first_pull_fills_the_queue(
    live_server, page, screenshot
):
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    lead = User.objects.create_user("lead", password=PASSWORD, first_name="老李")
    Membership.objects.create(user=lead, shop=shop, role=Role.LEAD)
    now = timezone.now()
    with FakeTop() as top, top.settings():
        top.add(
            rate(4401, created=now - timedelta(hours=2), content="收到的时候外盒已经破损了"),
            rate(4411, result="neutral", created=now - timedelta(hours=1), content="物流太慢"),
        )
        connection = PlatformConnection.objects.create(
            shop=shop,
            platform=Platform.TAOBAO,
            app_key=top.app_key,
            app_secret=top.secret,
            session_key="sess-alpha",
        )
        login(page, live_server.url, "lead")
        page.goto(f"{live_server.url}/board/?shop=demo")
        page.locator("a[href='/shops/demo/connector/']").click()
        expect(page.locator("#connector-runs")).to_be_visible()
        page.locator("#connector-test").click()
        expect(page.locator(".msg-success")).to_be_visible()
        assert top.refused == [] and len(top.calls) == 1

        # Beat's pull for the shop (its task, applied here as the worker would run it).
        assert connector_pull_task.apply(args=[connection.id]).get() == "ok"
        page.reload()
        expect(page.locator("#connector-today")).to_contain_text("2")
        screenshot("connector-page")

        # On a phone the page fits the screen: nothing to scroll sideways.
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot("connector-page-phone")
        page.set_viewport_size({"width": 1366, "height": 768})

        page.goto(f"{live_server.url}/queue/?lane=unassigned")
        expect(page.get_by_text("收到的时候外盒已经破损了")).to_be_visible()
        expect(page.get_by_text("物流太慢")).to_be_visible()
