"""Credentials in the admin: write-only secrets, stored encrypted, every save audited without
the values; new credentials let an expired connection pull again."""

from django.db import connection as db
from django.urls import reverse

from connectors.models import ConnectionStatus, PlatformConnection
from reviews.models import AuditLog

from .world import ConnectorWorld


class ConnectionAdminTestCase(ConnectorWorld):
    def setUp(self):
        super().setUp()
        self.admin = self.make_user("root", self.shop, "lead")
        self.admin.is_staff = self.admin.is_superuser = True
        self.admin.save()
        self.client.force_login(self.admin)
        self.url = reverse("admin:connectors_platformconnection_change", args=[self.connection.pk])

    def form(self, **fields):
        return {
            "shop": self.shop.pk,
            "platform": "taobao",
            "app_key": self.top.app_key,
            "app_secret": "",
            "session_key": "",
            "token_expires_at_0": "",
            "token_expires_at_1": "",
            "enabled": "on",
        } | fields

    def test_secrets_are_never_shown_and_blank_keeps_them(self):
        page = self.client.get(self.url)
        self.assertNotContains(page, self.top.secret)
        self.assertNotContains(page, "sess-alpha")
        response = self.client.post(self.url, self.form())
        self.assertEqual(response.status_code, 302)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.app_secret, self.top.secret)
        self.assertEqual(self.connection.session_key, "sess-alpha")

    def test_a_new_session_key_is_stored_encrypted_audited_and_revives_an_expired_shop(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            status=ConnectionStatus.EXPIRED, last_error="27: Invalid session"
        )
        response = self.client.post(self.url, self.form(session_key="sess-renewed"))
        self.assertEqual(response.status_code, 302)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.session_key, "sess-renewed")
        self.assertEqual(self.connection.status, ConnectionStatus.NEW)
        with db.cursor() as cursor:
            cursor.execute(
                "SELECT session_key FROM connectors_platformconnection WHERE id = %s",
                [self.connection.id],
            )
            self.assertTrue(cursor.fetchone()[0].startswith("fernet:"))
        line = AuditLog.objects.get(action="settings_changed", shop=self.shop)
        self.assertIn("Session key", str(line.data))
        self.assertNotIn("sess-renewed", str(line.data))

    def test_a_platform_without_a_connector_is_refused(self):
        response = self.client.post(self.url, self.form(platform="other"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(PlatformConnection.objects.get().platform, "taobao")

    def test_a_new_connection_needs_its_key_secret_and_session(self):
        add = reverse("admin:connectors_platformconnection_add")
        PlatformConnection.objects.all().delete()
        response = self.client.post(add, self.form(app_key="", app_secret="s"))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(PlatformConnection.objects.exists())
        form = self.form(app_secret="top-secret-0123", session_key="sess-alpha")
        self.assertEqual(self.client.post(add, form).status_code, 302)
        self.assertEqual(PlatformConnection.objects.get().session_key, "sess-alpha")

    def test_the_push_key_is_write_only_optional_and_audited_without_its_value(self):
        self.assertEqual(self.client.post(self.url, self.form()).status_code, 302)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.push_secret, "")  # optional: pulls need no push
        key = "AAECAwQFBgcICQoLDA0ODw=="
        self.assertEqual(self.client.post(self.url, self.form(push_secret=key)).status_code, 302)
        self.assertNotContains(self.client.get(self.url), key)
        self.assertEqual(self.client.post(self.url, self.form()).status_code, 302)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.push_secret, key)  # blank kept it
        lines = AuditLog.objects.filter(action="settings_changed", shop=self.shop)
        self.assertTrue(any("Push message key" in str(line.data) for line in lines))
        self.assertFalse(any(key in str(line.data) for line in lines))
