"""The manager's reports in a real browser: a dashboard that reads at a glance (two screens at
1366×768 before anything is unfolded, every headline rate with its base), charts drawn under
the CSP, the date range changed, a folded table opened, a root cause drilled down, a table
exported."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from reports.models import SpikeAlert
from reports.tasks import report_rollup_task
from reviews.models import AuditLog, Membership, Platform, Role, Shop, Status

from ..base import BaseTestCase

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def manager_with_reviews():
    shop = Shop.objects.create(name="演示旗舰店", slug="demo", platform=Platform.TAOBAO)
    manager = User.objects.create_user("manager", password="reviewdesk", first_name="王店长")
    Membership.objects.create(user=manager, shop=shop, role=Role.MANAGER)
    now = timezone.now()
    for i, status in enumerate([Status.REVISED, Status.REPLIED, Status.NEW, Status.REVISED]):
        BaseTestCase.make_review(
            shop,
            product_name="加厚纯棉T恤",
            courier="中通快递",
            status=status,
            status_changed_at=now,
            reviewed_at=now - timedelta(days=i, hours=3),
        )
    BaseTestCase.make_review(shop, product_name="帆布包", reviewed_at=now - timedelta(days=60))
    # A defect batch: five cups arrived broken this week.
    for i in range(5):
        BaseTestCase.make_review(
            shop, product_name="保温杯", cause="product_service", subcause="damaged",
            reviewed_at=now - timedelta(days=1, hours=i),
        )  # fmt: skip
    report_rollup_task.apply()  # what beat runs every minute: roll-ups, then spikes
    return manager


def test_it_reads_changes_the_range_drills_down_and_exports(
    live_server, page, screenshot, manager_with_reviews
):
    errors = []  # script errors and CSP violations (a missing favicon is neither)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Security Policy" in m.text else None)
    page.goto(live_server.url + "/")
    page.get_by_label("用户名").fill("manager")
    page.get_by_label("密码").fill("reviewdesk")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/reports/")
    assert page.locator("h1").inner_text() == "报表"
    # Chart.js drew on every canvas (it would not under a CSP violation).
    page.wait_for_function(
        "[...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))"
    )
    assert errors == []
    # The dashboard fits two screens before anything is unfolded.
    assert page.evaluate("document.documentElement.scrollHeight") <= 2 * 768
    # Nine reviews in the last 30 days: two revised, six still open; each rate with its base.
    headline = page.locator("#headline").inner_text()
    assert "2 条已修改 / 9 条（22.2%）" in headline
    assert "6 条未解决 / 9 条（66.7%）" in headline
    assert "已完成 3 条中 2 条已修改（66.7%）" in headline
    assert "解决率" not in headline
    assert page.locator("#worst").get_by_role("link", name="保温杯").is_visible()
    assert page.locator("details.report-table[open]").count() == 0
    spike = page.locator("#spikes")
    assert "保温杯" in spike.inner_text()
    screenshot("reports-1366")
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    # Wide tables scroll inside their card; the page itself never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("reports-390")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Ninety days back: the canvas bag of two months ago appears among the products.
    start = (timezone.localdate() - timedelta(days=89)).isoformat()
    page.locator("input[name=from]").fill(start)
    page.get_by_role("button", name="显示").click()
    page.wait_for_url(f"**from={start}**")
    products = page.locator("#table-top_products")
    assert not products.get_by_role("link", name="帆布包").is_visible()  # folded
    products.locator("summary").click()
    assert products.get_by_role("link", name="帆布包").is_visible()

    products.get_by_role("link", name="加厚纯棉T恤").click()
    page.wait_for_url("**/reports/reviews/**")
    assert page.locator("tbody tr").count() == 4

    page.go_back()
    if not products.evaluate("details => details.open"):
        products.locator("summary").click()
    with page.expect_download() as download:
        page.locator("#table-top_products").get_by_role("link", name="CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "加厚纯棉T恤,4" in text
    assert AuditLog.objects.filter(action="report_exported").count() == 1

    # The manager marks the spike seen: it stays listed, as seen, until the spike ends.
    page.locator("#spikes").get_by_role("button", name="已阅").click()
    page.wait_for_url("**/reports/**")
    assert "已阅" not in page.locator("#spikes").get_by_role("button").all_inner_texts()
    assert SpikeAlert.objects.get().acknowledged_by.username == "manager"
