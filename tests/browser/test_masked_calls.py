"""Issue 18 in real headless Chromium: the agent clicks 「拨打」 and is told the privacy number to
dial; the provider's call record arrives at our endpoint; the page asks for the outcome of the
answered call, with its duration; her answer is logged once. The buyer's number is never on
the page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import User
from playwright.sync_api import expect

from calls.models import AgentPhone, CallAccount, CallRecord, MaskedCall
from outreach.models import ContactAttempt, Outcome
from reviews.models import Membership, Platform, Role, Shop

from ..base import BaseTestCase
from ..calls.fake_aliyun_pls import FakePls, push_http, release_report, start_report
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SH = ZoneInfo("Asia/Shanghai")
BUYER_PHONE = "13812345678"


@pytest.fixture
def shop():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    AgentPhone.objects.create(user=agent, phone="13700007777")
    CallAccount.objects.create(
        shop=shop,
        enabled=True,
        access_key_id="LTAI-test",
        access_key_secret="secret-test",
        pool_key="FC100000123",
        numbers="17100001111",
    )
    return shop


def test_the_agent_dials_the_record_arrives_and_she_gives_the_outcome(
    live_server, page, screenshot, shop
):
    agent = User.objects.get(username="agent")
    now = datetime(2026, 12, 2, 10, 0, tzinfo=SH)
    with time_machine.travel(now, tick=True), FakePls() as fake:
        review = BaseTestCase.make_review(
            shop, assigned_to=agent, reviewed_at=datetime(2026, 12, 2, 8, 0, tzinfo=SH)
        )
        login(page, live_server.url, "agent")
        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        assert BUYER_PHONE not in page.content()

        # 「拨打」: the privacy number to dial, and until when.
        page.locator("#call-dial").click()
        expect(page.locator("#call-panel")).to_contain_text("17100001111")
        expect(page.locator("#call-panel")).to_contain_text("10:30")
        screenshot("masked-call-dial")
        call = MaskedCall.objects.get()
        assert call.subs_id in fake.bindings

        # The buyer picks up; after 95 s the provider pushes its records (start, then release).
        pushed = [
            start_report(call_id="4461122c4801", sub_id=call.subs_id, at=now),
            release_report(call_id="4461122c4801", sub_id=call.subs_id, at=now, talk_seconds=95),
        ]
        token = CallAccount.objects.get().callback_token
        answer = push_http(f"{live_server.url}/calls/aliyun/demo/{token}/", pushed)
        assert answer == {"code": 0, "msg": "成功"}
        assert not ContactAttempt.objects.exists()

        page.reload()
        prompt = page.locator(".call-outcome")
        expect(prompt).to_be_visible()
        expect(prompt.locator(".duration")).to_have_text("1:35")
        assert BUYER_PHONE not in page.content()
        screenshot("masked-call-outcome-prompt")

        prompt.locator(".outcome-solved").click()
        expect(page.locator(".call-outcome")).to_have_count(0)
        expect(page.locator("#timeline")).to_contain_text("已解决")
        [attempt] = ContactAttempt.objects.all()
        assert (attempt.outcome, attempt.agent) == (Outcome.SOLVED, agent)
        assert CallRecord.objects.get().attempt == attempt
