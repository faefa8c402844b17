"""Issue 19: a Tmall shop's lead approves an agent's drafted reply and posts it with one click
(「发布到平台」); the fake TOP gateway received it, signed, and the page says it was posted."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from connectors import services
from connectors.models import PlatformConnection
from outreach.models import Reply, ReplyState
from reviews.models import Membership, Platform, Review, Role, Shop

from ..connectors.fake_top import FakeTop, rate
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "亲，非常抱歉给您带来了不好的体验，我们已经为您重新发货，有问题请随时联系客服主管。"


def test_a_lead_approves_a_reply_and_posts_it_to_tmall_with_one_click(
    live_server, page, screenshot
):
    shop = Shop.objects.create(name="演示天猫旗舰店", slug="demo", platform=Platform.TMALL)
    lead = User.objects.create_user("lead", password=PASSWORD, first_name="老李")
    agent = User.objects.create_user("agent", password=PASSWORD, first_name="小王")
    Membership.objects.create(user=lead, shop=shop, role=Role.LEAD)
    Membership.objects.create(user=agent, shop=shop, role=Role.AGENT)
    with FakeTop() as top, top.settings():
        top.add(rate(88801, created=timezone.now() - timedelta(days=1), content="外盒破损"))
        connection = PlatformConnection.objects.create(
            shop=shop,
            platform=Platform.TMALL,
            app_key=top.app_key,
            app_secret=top.secret,
            session_key="sess-alpha",
        )
        services.connection_pull(connection_id=connection.id)
        review = Review.objects.get(shop=shop, platform_review_id="88801")
        Reply.objects.create(
            review=review,
            shop=shop,
            text=TEXT,
            state=ReplyState.PENDING,
            drafted_by=agent,
            submitted_at=timezone.now(),
        )

        login(page, live_server.url, "lead")
        page.goto(f"{live_server.url}/reviews/{review.pk}/")
        page.locator("button[name=decision][value=approve]").click()
        button = page.locator("#reply-publish-button")
        expect(button).to_be_visible()
        screenshot("reply-publish-button")
        button.click()

        outcome = page.locator("#reply-publish-outcome")
        expect(outcome).to_have_class("msg msg-success")
        expect(outcome).to_contain_text(gettext("Posted on %(platform)s.") % {"platform": "天猫"})
        expect(page.locator("#reply-publish-button")).to_have_count(0)
        screenshot("reply-published")
        assert top.refused == []
        assert top.explained == {"88801": TEXT}
        assert Reply.objects.get(review=review).state == ReplyState.POSTED
