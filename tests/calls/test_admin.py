"""The shop's masked-calling account and the agents' phones in the admin: secrets encrypted at
rest and never shown back, a blank field keeps them, every change in the shop's audit log
without the values."""

from django.contrib.auth.models import User
from django.db import connection

from calls.models import AgentPhone, CallAccount
from reviews.models import AuditLog
from tests.base import BaseTestCase

ADD = "/admin/calls/callaccount/add/"


class CallAccountAdminTestCase(BaseTestCase):
    def setUp(self):
        self.admin = User.objects.create_superuser("root", password="x")
        self.client.force_login(self.admin)

    def form(self, **fields):
        data = {
            "shop": self.shop.pk,
            "enabled": "on",
            "mode": "axb",
            "access_key_id": "LTAI5tSecretId",
            "access_key_secret": "TopSecretValue123",
            "pool_key": "FC100000123",
            "numbers": "17100001111",
            "expiry_minutes": "30",
            "recording": "on",
        }
        data.update(fields)
        return data

    def raw(self, column: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM calls_callaccount")  # noqa: S608 - fixed names
            return cursor.fetchone()[0]

    def test_it_stores_the_secrets_encrypted_and_never_shows_them(self):
        response = self.client.post(ADD, self.form())
        self.assertEqual(response.status_code, 302)
        account = CallAccount.objects.get()
        self.assertEqual(account.access_key_secret, "TopSecretValue123")
        self.assertTrue(self.raw("access_key_secret").startswith("fernet:"))
        self.assertNotIn("TopSecretValue123", self.raw("access_key_secret"))
        page = self.client.get(f"/admin/calls/callaccount/{account.pk}/change/")
        self.assertNotContains(page, "TopSecretValue123")
        self.assertNotContains(page, "LTAI5tSecretId")
        self.assertContains(page, account.callback_token)
        log = AuditLog.objects.get(action="settings_added")
        self.assertEqual(log.shop, self.shop)
        self.assertNotIn("TopSecretValue123", str(log.data))

    def test_a_blank_secret_keeps_the_stored_one(self):
        self.client.post(ADD, self.form())
        account = CallAccount.objects.get()
        url = f"/admin/calls/callaccount/{account.pk}/change/"
        response = self.client.post(
            url, self.form(access_key_id="", access_key_secret="", expiry_minutes="45")
        )
        self.assertEqual(response.status_code, 302)
        account.refresh_from_db()
        self.assertEqual(
            (account.access_key_secret, account.expiry_minutes), ("TopSecretValue123", 45)
        )
        self.assertTrue(AuditLog.objects.filter(action="settings_changed", shop=self.shop).exists())

    def test_it_refuses_to_turn_on_without_credentials(self):
        response = self.client.post(ADD, self.form(access_key_secret="", pool_key=""))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(CallAccount.objects.exists())

    def test_the_agents_phone_is_encrypted_and_shown_masked(self):
        response = self.client.post(
            "/admin/calls/agentphone/add/", {"user": self.agent.pk, "phone": "13700007777"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(AgentPhone.objects.get().phone, "13700007777")
        with connection.cursor() as cursor:
            cursor.execute("SELECT phone FROM calls_agentphone")
            self.assertTrue(cursor.fetchone()[0].startswith("fernet:"))
        listing = self.client.get("/admin/calls/agentphone/")
        self.assertNotContains(listing, "13700007777")
        self.assertTrue(AuditLog.objects.filter(action="settings_added").exists())
