from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse

from outreach.models import Kind, Playbook
from outreach.services import review_plan
from outreach.wording import DEFAULT_TEMPLATES
from reviews.models import AuditLog, Role

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
URL = reverse("playbook") + "?shop=alpha"


class PlaybookPageTestCase(BaseTestCase):
    def setUp(self):
        self.login(self.lead)

    def form_data(self, **changes) -> dict:
        """What the page's form posts as it stands, with `changes`."""
        form = self.client.get(URL).context["form"]
        data = {"shop": "alpha"}
        for field in form:
            value = field.value()
            if isinstance(value, time):
                value = value.strftime("%H:%M")
            data[field.html_name] = "" if value is None else value
        data.update(changes)
        return data

    def test_it_shows_the_playbook_in_chinese_with_defaults_and_the_schedule(self):
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "跟进规则")
        self.assertContains(response, "严重差评冷静期（小时）")
        self.assertContains(response, "默认 24")
        self.assertContains(response, DEFAULT_TEMPLATES["reminder"])
        self.assertContains(response, "多次多渠道联系计划")
        self.assertContains(response, "只有管理员")
        board = self.client.get(reverse("board") + "?shop=alpha")
        self.assertContains(board, f'href="{URL}"')

    @time_machine.travel(datetime(2026, 11, 25, 10, 0, tzinfo=SH), tick=False)
    def test_it_saves_audits_and_changes_what_the_planner_does(self):
        response = self.client.post(URL, self.form_data(cooling_off_hours="6"), follow=True)
        self.assertRedirects(response, URL)
        self.assertEqual([str(m) for m in response.context["messages"]], ["已保存。"])
        book = Playbook.objects.get(shop=self.shop)
        self.assertEqual(book.cooling_off_hours, 6)
        self.assertEqual(book.templates, {})  # nothing typed: the defaults stay defaults
        line = AuditLog.objects.get(action="settings_changed")
        self.assertEqual(
            (line.actor, line.shop, line.target), (self.lead, self.shop, f"playbook:{book.pk}")
        )
        self.assertEqual(line.data["changes"], ["cooling_off_hours"])

        review = self.make_review(
            self.shop, assigned_to=self.agent, severity="serious", reviewed_at=datetime.now(SH)
        )
        call = next(p for p in review_plan(review=review) if p.kind == Kind.FIRST_CALL)
        self.assertEqual(call.due_at, datetime(2026, 11, 25, 16, 0, tzinfo=SH))

    def test_it_stores_a_template_only_when_it_differs_from_the_default(self):
        mine = "您好{nick}，订单{order_id}的问题解决了吗？修改步骤见：{link}"
        data = self.form_data(template_reminder=mine, template_apology=DEFAULT_TEMPLATES["apology"])
        self.client.post(URL, data)
        book = Playbook.objects.get(shop=self.shop)
        self.assertEqual(book.templates, {"reminder": mine})
        self.assertEqual(book.template("apology"), DEFAULT_TEMPLATES["apology"])
        line = AuditLog.objects.get(action="settings_changed")
        self.assertEqual(line.data["changes"], ["templates.reminder"])

        # Emptied again: back to the default.
        self.client.post(URL, self.form_data(template_reminder=""))
        book.refresh_from_db()
        self.assertEqual(book.templates, {})

    def test_it_refuses_a_template_that_trades_compensation_for_a_review(self):
        before = Playbook.objects.for_shop(self.shop).updated_at
        data = self.form_data(
            cooling_off_hours="6", template_reminder="您好{nick}，改好评就给您返现5元：{link}"
        )
        response = self.client.post(URL, data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "提醒", status_code=400)
        self.assertContains(response, "什么都没有保存", status_code=400)
        errors = response.context["form"].errors["template_reminder"]
        self.assertIn("提醒（买家同意了但还没改）", errors[0])
        self.assertIn("评价", errors[0])
        book = Playbook.objects.get(shop=self.shop)
        self.assertEqual((book.cooling_off_hours, book.templates), (24, {}))
        self.assertEqual(book.updated_at, before)
        self.assertFalse(AuditLog.objects.filter(action="settings_changed").exists())

    def test_it_refuses_placeholders_the_sender_cannot_fill(self):
        cases = {
            "template_persistence": ("您好{foo}，请联系我们", "{foo}"),
            "template_apology": ("您好{nick，很抱歉", "{{"),
            "template_revision_instructions": ("您好{nick}，请打开我的订单修改。", "{link}"),
            "template_invitation": ("您好{nick}，您的差评我们记着呢：{link}", "不能提到评价"),
        }
        for field, (text, expected) in cases.items():
            with self.subTest(field):
                response = self.client.post(URL, self.form_data(**{field: text}))
                self.assertEqual(response.status_code, 400)
                self.assertIn(expected, response.context["form"].errors[field][0])
        self.assertEqual(Playbook.objects.get(shop=self.shop).templates, {})
        self.assertFalse(AuditLog.objects.filter(action="settings_changed").exists())

    def test_it_refuses_windows_and_limits_that_make_no_sense(self):
        cases = {
            "quiet_end": ({"quiet_start": "21:30", "quiet_end": "21:30"}, "不能相同"),
            "work_end": ({"work_start": "22:00", "work_end": "02:00"}, "跨过午夜"),
            "care_call_end": ({"care_call_start": "19:00", "care_call_end": "18:00"}, "晚于"),
            "invitation_only_days": (
                {"historical_days": "30", "invitation_only_days": "30"},
                "历史评价",
            ),
            "max_calls_per_day": ({"max_calls_per_day": "0"}, "至少"),
            "max_messages_per_day": ({"max_messages_per_day": "0"}, "至少"),
        }
        for field, (changes, expected) in cases.items():
            with self.subTest(field):
                response = self.client.post(URL, self.form_data(**changes))
                self.assertEqual(response.status_code, 400)
                self.assertIn(expected, response.context["form"].errors[field][0])
        self.assertFalse(AuditLog.objects.filter(action="settings_changed").exists())
        # A quiet window past midnight is fine: it is the default.
        response = self.client.post(URL, self.form_data(quiet_start="22:00", quiet_end="08:00"))
        self.assertRedirects(response, URL)
        self.assertEqual(Playbook.objects.get(shop=self.shop).quiet_start, time(22, 0))

    def test_it_says_when_nothing_changed_and_writes_no_audit_line(self):
        response = self.client.post(URL, self.form_data(), follow=True)
        self.assertEqual([str(m) for m in response.context["messages"]], ["没有改动。"])
        self.assertFalse(AuditLog.objects.filter(action="settings_changed").exists())

    def test_it_is_for_the_shops_team_leads_only(self):
        for user in (self.agent, self.manager):
            self.login(user)
            self.assertEqual(self.client.get(URL).status_code, 403)
            self.assertEqual(self.client.post(URL, {"cooling_off_hours": "1"}).status_code, 403)
        self.login(self.make_user("bravo-lead-2", self.other_shop, Role.LEAD))
        self.assertEqual(self.client.get(URL).status_code, 404)
        self.assertEqual(
            self.client.post(URL, {"shop": "alpha", "cooling_off_hours": "1"}).status_code, 404
        )
        # Without ?shop= the other lead gets their own shop's playbook, never alpha's.
        response = self.client.get(reverse("playbook"))
        self.assertEqual(response.context["shop"], self.other_shop)
        self.assertEqual(Playbook.objects.for_shop(self.shop).cooling_off_hours, 24)

    def test_it_needs_the_csrf_token(self):
        data = self.form_data(cooling_off_hours="6")
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.lead)
        self.assertEqual(client.post(URL, data).status_code, 403)
        self.assertEqual(Playbook.objects.get(shop=self.shop).cooling_off_hours, 24)

    def test_it_keeps_the_compensation_threshold_as_money(self):
        self.client.post(URL, self.form_data(compensation_approval_above="250.50"))
        book = Playbook.objects.get(shop=self.shop)
        self.assertEqual(book.compensation_approval_above, Decimal("250.50"))
        response = self.client.post(URL, self.form_data(compensation_approval_above="-1"))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            Playbook.objects.get(shop=self.shop).compensation_approval_above, Decimal("250.50")
        )

    def test_it_reports_a_bad_template_kept_from_the_admin_instead_of_crashing(self):
        # A key the page has no field for (set in the admin under another name) still goes
        # through the model's guardrail check: shown above the form, nothing saved.
        Playbook.objects.filter(pk=Playbook.objects.for_shop(self.shop).pk).update(
            templates={"old_name": "好评返现5元"}
        )
        response = self.client.post(URL, self.form_data(cooling_off_hours="6"))
        self.assertEqual(response.status_code, 400)
        self.assertIn("old_name", response.context["form"].non_field_errors()[0])
        self.assertEqual(Playbook.objects.get(shop=self.shop).cooling_off_hours, 24)
