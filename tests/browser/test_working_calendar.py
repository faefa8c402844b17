"""A minor review arriving on National Day, in real headless Chromium: the agent reads why its
call waits and when it will happen, and is warned when agreeing to a follow-up on a holiday."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from outreach.models import Kind, PlannedContact
from outreach.services import review_plan

from ..base import BaseTestCase
from .test_desk import desk, login  # noqa: F401 (desk is a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SH = ZoneInfo("Asia/Shanghai")


def test_a_review_on_national_day_waits_and_the_page_says_why_and_until_when(
    live_server,
    page,
    screenshot,
    desk,  # noqa: F811
):
    shop, people = desk
    with time_machine.travel(datetime(2026, 10, 1, 10, 0, tzinfo=SH), tick=True):
        review = BaseTestCase.make_review(
            shop,
            assigned_to=people["agent"],
            severity="minor",
            reviewed_at=datetime(2026, 10, 1, 9, 50, tzinfo=SH),
        )
        review_plan(review=review)
        call = PlannedContact.objects.get(review=review, kind=Kind.FIRST_CALL)
        assert call.due_at == datetime(2026, 10, 8, 9, 0, tzinfo=SH)

        login(page, live_server.url, "agent")
        expect(page.get_by_text("国庆节假期，10月8日 09:00 起联系")).to_be_visible()  # the queue
        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        expect(page.locator("#next-step p.waits")).to_have_text("国庆节假期，10月8日 09:00 起联系")

        page.get_by_placeholder("例如：今晚 20:15").fill("10月3日 15:00")
        expect(page.locator("#agreed-preview .off-duty")).to_contain_text("国庆节假期")
        screenshot("working-calendar-review-1366")
        page.set_viewport_size({"width": 390, "height": 844})
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot("working-calendar-review-390")
