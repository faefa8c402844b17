"""One English word, two meanings: each place reads the Chinese of its own meaning."""

from django.urls import reverse

from outreach.models import Kind, Message, MessageState
from reviews.models import ImportBatch, ImportSource, ImportStatus, Platform

from ..base import BaseTestCase


class SharedWordsTestCase(BaseTestCase):
    def test_a_failed_import_reads_import_failed_not_send_failed(self):
        batch = ImportBatch.objects.create(
            shop=self.shop,
            source=ImportSource.FILE,
            platform=Platform.TAOBAO,
            status=ImportStatus.FAILED,
            message="文件无法读取",
        )
        self.login(self.lead)
        for url in (reverse("import_batch", args=[batch.pk]), reverse("imports")):
            with self.subTest(url):
                response = self.client.get(url)
                self.assertContains(response, "导入失败")
                self.assertNotContains(response, "发送失败")

    def test_a_failed_message_still_reads_send_failed(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        Message.objects.create(
            shop=self.shop,
            review=review,
            buyer=review.buyer,
            kind=Kind.AGENT_MESSAGE,
            channel="sms",
            to="13812345678",
            body="您好",
            state=MessageState.FAILED,
            idempotency_key="wording-1",
        )
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(response, '<span class="badge msg-state-failed">发送失败</span>')

    def test_the_reports_resolution_tables_say_resolution_as_outcomes_not_remedy(self):
        self.login(self.manager)
        response = self.client.get(reverse("reports"))
        self.assertContains(response, "<h2>各时段解决情况</h2>")
        self.assertNotContains(response, "解决方案")

    def test_the_contact_form_keeps_resolution_as_the_remedy(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(response, "<label>解决方案<select")

    def test_the_audit_log_filters_say_all_not_tick_all(self):
        self.login(self.manager)
        response = self.client.get(reverse("audit_log"))
        self.assertContains(response, '<option value="">全部</option>', count=2)  # action, who
        self.assertNotContains(response, "全选")

    def test_the_board_tick_all_box_still_says_tick_all(self):
        self.make_review(self.shop)  # one unassigned review: the board lists it with the box
        self.login(self.lead)
        response = self.client.get(reverse("board"))
        self.assertContains(response, "全选")

    def test_the_triage_badge_uses_the_lanes_name(self):
        self.make_review(self.shop, assigned_to=self.agent, needs_triage=True)
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        self.assertContains(response, ">待人工分类</span>")  # the row's badge
        self.assertContains(response, "待人工分类 <span")  # the lane
        self.assertNotContains(response, "待分类<")


class KeyboardHelpTestCase(BaseTestCase):
    def test_it_says_where_each_key_works_and_lists_esc(self):
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        page = response.content.decode()
        help_ = page[page.index("data-help>") : page.index("</dialog>")]
        queue_part = help_[help_.index("在待办列表") : help_.index("在评价页")]
        review_part = help_[help_.index("在评价页") : help_.index("任何页面")]
        self.assertIn("<kbd>j</kbd>", queue_part)
        self.assertIn("<kbd>/</kbd>", queue_part)
        self.assertNotIn("<kbd>j</kbd>", review_part)
        self.assertIn("<kbd>c</kbd>", review_part)
        self.assertIn("<kbd>Esc</kbd></dt><dd>回到待办（保留筛选和分页）", review_part)
