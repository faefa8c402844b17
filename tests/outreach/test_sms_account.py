"""A shop's SMS account in the admin (credentials write-only and encrypted, changes audited)
and the lead's playbook form checking its texts against the approved SMS templates."""

import json
from datetime import time

from django.db import connection
from django.urls import reverse

from outreach.models import Kind, Playbook, SmsAccount
from reviews.models import AuditLog

from ..base import BaseTestCase
from .fake_aliyun_sms import KEY_ID, KEY_SECRET, aliyun_account

PLAYBOOK = reverse("playbook") + "?shop=alpha"


class SmsAccountAdminTestCase(BaseTestCase):
    def setUp(self):
        self.admin = self.make_user("root", self.shop, "lead")
        self.admin.is_staff = self.admin.is_superuser = True
        self.admin.save()
        self.login(self.admin)

    def add(self, **changes):
        data = {
            "shop": self.shop.id,
            "provider": "aliyun",
            "sign_name": "好店",
            "endpoint": "",
            "active": "on",
            "cred_access_key_id": KEY_ID,
            "cred_access_key_secret": KEY_SECRET,
            "templates-TOTAL_FORMS": "1",
            "templates-INITIAL_FORMS": "0",
            "templates-MIN_NUM_FORMS": "0",
            "templates-MAX_NUM_FORMS": "1000",
            "templates-0-kind": "reminder_sms",
            "templates-0-code": "SMS_4001",
            "templates-0-text": "您好${nick}，提醒：${link}",
            "templates-0-variables": '["nick", "link"]',
            "templates-0-approved": "on",
        }
        data.update(changes)
        return self.client.post(reverse("admin:outreach_smsaccount_add"), data)

    def test_it_stores_the_credentials_encrypted_and_never_shows_them_back(self):
        response = self.add()
        self.assertEqual(response.status_code, 302, getattr(response, "context", None))
        account = SmsAccount.objects.get()
        self.assertEqual(
            json.loads(account.credentials),
            {"access_key_id": KEY_ID, "access_key_secret": KEY_SECRET},
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT credentials FROM outreach_smsaccount")
            [(stored,)] = cursor.fetchall()
        self.assertTrue(stored.startswith("fernet:"))
        self.assertNotIn(KEY_SECRET, stored)
        page = self.client.get(reverse("admin:outreach_smsaccount_change", args=[account.pk]))
        self.assertNotContains(page, KEY_SECRET)
        self.assertContains(page, KEY_SECRET[-4:])  # 「已设置（尾号 …6789）」
        # The callback URLs to paste in the provider's console carry the account's token.
        self.assertContains(page, f"/sms/aliyun/{account.callback_token}/receipts")
        self.assertEqual(account.templates.get().code, "SMS_4001")

    def test_a_blank_secret_keeps_the_stored_one_and_every_change_is_audited(self):
        self.add()
        account = SmsAccount.objects.get()
        url = reverse("admin:outreach_smsaccount_change", args=[account.pk])
        template = account.templates.get()
        data = {
            "shop": self.shop.id,
            "provider": "aliyun",
            "sign_name": "新签名",
            "endpoint": "",
            "active": "on",
            "cred_access_key_id": "",
            "cred_access_key_secret": "",
            "templates-TOTAL_FORMS": "1",
            "templates-INITIAL_FORMS": "1",
            "templates-MIN_NUM_FORMS": "0",
            "templates-MAX_NUM_FORMS": "1000",
            "templates-0-id": template.id,
            "templates-0-account": account.id,
            "templates-0-kind": "reminder_sms",
            "templates-0-code": "SMS_4001",
            "templates-0-text": "您好${nick}，提醒：${link}",
            "templates-0-variables": '["nick", "link"]',
            "templates-0-approved": "on",
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        account.refresh_from_db()
        self.assertEqual(account.sign_name, "新签名")
        self.assertEqual(json.loads(account.credentials)["access_key_secret"], KEY_SECRET)
        data["cred_access_key_secret"] = "rotated-secret-9999"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        account.refresh_from_db()
        self.assertEqual(
            json.loads(account.credentials)["access_key_secret"], "rotated-secret-9999"
        )
        lines = AuditLog.objects.filter(shop=self.shop, target=f"smsaccount:{account.pk}").order_by(
            "id"
        )
        self.assertEqual(
            list(lines.values_list("action", flat=True)),
            ["settings_added", "settings_changed", "settings_changed"],
        )
        last = json.dumps(lines.last().data, ensure_ascii=False)
        self.assertIn("credential access_key_secret", last)
        self.assertNotIn("rotated-secret", last)

    def test_it_refuses_a_template_whose_variables_do_not_match_its_text(self):
        response = self.add(**{"templates-0-variables": '["nick"]'})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(SmsAccount.objects.exists())
        response = self.add(**{"templates-0-variables": '["nick", "coupon"]'})
        self.assertFalse(SmsAccount.objects.exists())

    def test_it_needs_every_credential_of_the_provider(self):
        response = self.add(cred_access_key_secret="")
        self.assertEqual(response.status_code, 200)
        self.assertFalse(SmsAccount.objects.exists())


class PlaybookAgainstSmsTemplatesTestCase(BaseTestCase):
    def setUp(self):
        self.login(self.lead)

    def form_data(self, **changes) -> dict:
        form = self.client.get(PLAYBOOK).context["form"]
        data = {"shop": "alpha"}
        for field in form:
            value = field.value()
            if isinstance(value, time):
                value = value.strftime("%H:%M")
            data[field.html_name] = "" if value is None else value
        data.update(changes)
        return data

    def test_the_default_texts_fit_templates_made_from_them(self):
        aliyun_account(self.shop, None)
        response = self.client.post(PLAYBOOK, self.form_data(cooling_off_hours="6"))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Playbook.objects.get(shop=self.shop).cooling_off_hours, 6)

    def test_a_text_that_no_longer_reads_as_its_approved_template_is_refused(self):
        aliyun_account(
            self.shop, None, templates={Kind.REMINDER_SMS: "您好{nick}，还有问题请联系我们：{link}"}
        )
        changed = "您好{nick}，之前的问题都解决了吗？{link}"
        response = self.client.post(PLAYBOOK, self.form_data(template_reminder=changed))
        self.assertEqual(response.status_code, 400)
        [error] = response.context["form"].errors["template_reminder"]
        self.assertIn("SMS_4000", error)
        self.assertIn("您好{nick}，还有问题请联系我们：{link}", error)
        self.assertEqual(Playbook.objects.get(shop=self.shop).templates, {})

    def test_an_unapproved_or_inactive_template_does_not_bind_the_text(self):
        account = aliyun_account(self.shop, None, templates={Kind.REMINDER_SMS: "您好{nick}"})
        account.templates.update(approved=False)
        changed = "您好{nick}，之前的问题都解决了吗？{link}"
        response = self.client.post(PLAYBOOK, self.form_data(template_reminder=changed))
        self.assertEqual(response.status_code, 302)
