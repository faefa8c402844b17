"""Issue 19's end-to-end flow: a Tmall shop's lead opens the shop's connector page from the
board, connects the shop with its TOP credentials (tried against the fake TOP gateway, which
checks the signature, before they are saved), tests the connection; the first pull the
connection queued brings the shop's 差评 and 中评 into the queue; the lead opens a pulled review,
drafts a reply, approves it and posts it with one click (「发布到平台」): the fake received
taobao.traderate.explain.add with that text, signed, and the page says it was posted."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext
from playwright.sync_api import expect

from connectors import triggers
from connectors.models import PlatformConnection
from connectors.tasks import connector_pull_task
from outreach.models import Reply, ReplyState
from reviews.models import Membership, Platform, Review, Role, Shop

from ..connectors.fake_top import FakeTop, rate
from .test_desk import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "亲，非常抱歉给您带来了不好的体验，我们已经为您重新发货，有问题请随时联系客服主管。"


def test_a_lead_connects_the_shop_pulls_and_posts_an_approved_reply_with_one_click(
    live_server, page, screenshot
):
    # Tmall: Taobao C-shops cannot post a reply through TOP.
    shop = Shop.objects.create(name="演示天猫旗舰店", slug="demo", platform=Platform.TMALL)
    lead = User.objects.create_user("lead", password=PASSWORD, first_name="老李")
    Membership.objects.create(user=lead, shop=shop, role=Role.LEAD)
    now = timezone.now()
    with FakeTop() as top, top.settings():
        top.add(
            rate(4401, created=now - timedelta(hours=2), content="收到的时候外盒已经破损了"),
            rate(4411, result="neutral", created=now - timedelta(hours=1), content="物流太慢"),
        )
        login(page, live_server.url, "lead")
        page.goto(f"{live_server.url}/board/?shop=demo")
        page.locator("a[href='/shops/demo/connector/']").click()
        expect(page.locator("#connector-connect")).to_be_visible()

        # A mistyped secret: the platform refuses it, nothing is saved, the form says why.
        page.locator("#id_app_key").fill(top.app_key)
        page.locator("#id_app_secret").fill("top-secret-typo")
        page.locator("#id_session_key").fill("sess-alpha")
        with mock.patch.object(triggers.current_app, "send_task") as sent:
            page.locator("#connector-save").click()
            expect(page.locator("#connector-connect .msg-error")).to_contain_text("25")
            assert not PlatformConnection.objects.exists()

            page.locator("#id_app_secret").fill(top.secret)
            page.locator("#id_session_key").fill("sess-alpha")
            page.locator("#id_token_expires_at").fill("2027-01-31T10:00")
            page.locator("#id_seller_nick").fill("演示旗舰店")
            page.locator("#connector-save").click()
            expect(page.locator(".msg-success")).to_be_visible()
        connection = PlatformConnection.objects.get(shop=shop)
        assert connection.session_key == "sess-alpha" and connection.app_secret == top.secret
        # Saving queued the shop's first pull at once.
        assert [c.kwargs["args"] for c in sent.call_args_list] == [(connection.id,)]
        expect(page.locator("#id_app_secret")).to_have_value("")
        expect(page.locator("#connector-connect")).to_contain_text("…0123")
        screenshot("connector-connected")

        page.locator("#connector-test").click()
        expect(page.locator(".msg-success")).to_be_visible()
        assert len(top.calls) == 2  # the try before saving, the test button

        # The queued pull (its task, applied here as the worker would run it).
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
        expect(page.get_by_text("物流太慢")).to_be_visible()
        row = page.locator("tr", has_text="收到的时候外盒已经破损了")
        expect(row).to_be_visible()

        # The lead opens the pulled 差评, drafts the reply and approves it.
        row.locator("a.row-link").click()
        review = Review.objects.get(shop=shop, platform_review_id="4401")
        expect(page).to_have_url(f"{live_server.url}/reviews/{review.pk}/")
        page.locator("#public-reply textarea[name=text]").fill(TEXT)
        page.locator("#public-reply button[name=action][value=submit]").click()
        expect(page.locator("#reply-pending")).to_have_text(TEXT)
        page.locator("#public-reply button[name=decision][value=approve]").click()
        button = page.locator("#reply-publish-button")
        expect(button).to_be_visible()
        assert not [c for c in top.calls if c["method"] == "taobao.traderate.explain.add"]
        screenshot("reply-publish-button")

        # One click posts it: the fake TOP received the explanation with that text, signed.
        button.click()
        outcome = page.locator("#reply-publish-outcome")
        expect(outcome).to_have_class("msg msg-success")
        expect(outcome).to_contain_text(gettext("Posted on %(platform)s.") % {"platform": "天猫"})
        expect(page.locator("#reply-publish-button")).to_have_count(0)
        screenshot("reply-published")
        explains = [c for c in top.calls if c["method"] == "taobao.traderate.explain.add"]
        assert [(c["oid"], c["reply"]) for c in explains] == [("4401", TEXT)]
        assert top.explained == {"4401": TEXT}
        # Only the mistyped secret was ever refused: the explanation went signed.
        assert [c["app_key"] for c in top.refused] == [top.app_key]
        assert all(c["method"] != "taobao.traderate.explain.add" for c in top.refused)
        assert Reply.objects.get(review=review).state == ReplyState.POSTED
