"""A lead connects the shop's platform on the connector page (issue 19): the credentials its
platform needs, tried with the platform before they are stored (a refusal stores nothing),
stored encrypted, write-only, audited by field name; leads only, CSRF on."""

from datetime import datetime
from unittest import mock

from django import db
from django.test import Client
from django.urls import reverse
from django.utils import translation

from connectors import triggers
from connectors.models import ConnectionStatus, PlatformConnection
from reviews.models import AuditLog, Platform, Shop

from ..base import PASSWORD
from .world import ConnectorWorld


class ConnectTestCase(ConnectorWorld):
    def setUp(self) -> None:
        super().setUp()
        self.connection.delete()
        self.client.login(username="larry", password=PASSWORD)
        patcher = mock.patch.object(triggers.current_app, "send_task")
        self.sent = patcher.start()
        self.addCleanup(patcher.stop)

    def url(self, slug="alpha"):
        return reverse("connector_connect", args=[slug])

    def form(self, **fields):
        return {
            "app_key": self.top.app_key,
            "app_secret": self.top.secret,
            "session_key": "sess-alpha",
            "token_expires_at": "2027-01-31T10:00",
            "seller_nick": "alpha旗舰店",
        } | fields

    def post(self, **fields):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(self.url(), self.form(**fields))

    def stored_raw(self, column: str) -> str:
        with db.connection.cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM connectors_platformconnection")  # noqa: S608
            return cursor.fetchone()[0]

    def test_the_page_offers_a_lead_the_fields_of_the_shops_platform(self):
        page = self.client.get(reverse("connector_page", args=["alpha"]))
        self.assertEqual(
            list(page.context["form"].fields),
            ["app_key", "app_secret", "session_key", "token_expires_at", "seller_nick"],
        )
        self.assertContains(page, 'id="connector-save"')

    def test_a_lead_connects_the_shop_tried_stored_encrypted_audited_and_pulled_at_once(self):
        response = self.post()
        self.assertRedirects(response, reverse("connector_page", args=["alpha"]))
        connection = PlatformConnection.objects.get(shop=self.shop)
        self.assertEqual(
            (connection.platform, connection.app_key, connection.session_key),
            (Platform.TAOBAO, self.top.app_key, "sess-alpha"),
        )
        self.assertEqual(connection.app_secret, self.top.secret)
        self.assertEqual(connection.seller_nick, "alpha旗舰店")
        self.assertEqual(
            connection.token_expires_at, datetime(2027, 1, 31, 10, 0, tzinfo=self.shop.tz)
        )
        self.assertTrue(self.stored_raw("app_secret").startswith("fernet:"))
        self.assertTrue(self.stored_raw("session_key").startswith("fernet:"))
        # Tried first: one signed call the fake accepted.
        self.assertEqual(len(self.top.calls), 1)
        line = AuditLog.objects.get(shop=self.shop, action="settings_added")
        self.assertEqual(line.actor, self.lead)
        self.assertEqual(
            line.data["changes"],
            ["app_key", "app_secret", "seller_nick", "session_key", "token_expires_at"],
        )
        self.assertNotIn(self.top.secret, str(line.data))
        self.assertNotIn("sess-alpha", str(line.data))
        # The first pull is queued at once rather than at beat's next round.
        self.assertEqual([c.kwargs["args"] for c in self.sent.call_args_list], [(connection.id,)])

    def test_credentials_the_platform_refuses_store_nothing_and_say_why(self):
        response = self.post(app_secret="wrong-secret")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(PlatformConnection.objects.exists())
        self.assertIn("25", str(response.context["form"].non_field_errors()))
        self.assertEqual(AuditLog.objects.filter(shop=self.shop).count(), 0)
        self.sent.assert_not_called()

    def test_a_wrong_new_session_keeps_the_working_one(self):
        self.post()
        self.top.sessions.add("sess-renewed")
        response = self.post(app_secret="", session_key="sess-typo")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "27", status_code=400)
        self.assertEqual(PlatformConnection.objects.get().session_key, "sess-alpha")

    def test_secrets_are_write_only_blank_keeps_them_and_a_renewal_revives_an_expired_shop(self):
        self.post()
        PlatformConnection.objects.update(
            status=ConnectionStatus.EXPIRED, last_error="27: Invalid session"
        )
        page = self.client.get(reverse("connector_page", args=["alpha"]))
        self.assertNotContains(page, self.top.secret)
        self.assertNotContains(page, "sess-alpha")
        self.assertContains(page, "…0123")  # the secret's tail, as the admin shows it
        self.top.sessions.add("sess-renewed")
        self.assertEqual(self.post(app_secret="", session_key="sess-renewed").status_code, 302)
        connection = PlatformConnection.objects.get()
        self.assertEqual(connection.app_secret, self.top.secret)
        self.assertEqual(connection.session_key, "sess-renewed")
        self.assertEqual((connection.status, connection.last_error), (ConnectionStatus.NEW, ""))
        line = AuditLog.objects.filter(action="settings_changed").get()
        self.assertEqual(line.data["changes"], ["session_key"])

    def test_a_new_connection_needs_every_credential(self):
        response = self.client.post(self.url(), self.form(app_key="", session_key=""))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.context["form"].errors), {"app_key", "session_key"})
        self.assertEqual(self.top.calls, [])

    def test_an_ebay_shop_gives_only_its_token(self):
        shop = Shop.objects.create(name="Echo", slug="echo", platform=Platform.EBAY)
        self.make_user("echo-lead", shop, "lead")
        self.client.login(username="echo-lead", password=PASSWORD)
        form = self.client.get(reverse("connector_page", args=["echo"])).context["form"]
        self.assertEqual(list(form.fields), ["session_key", "token_expires_at"])
        with translation.override("en"):
            self.assertEqual(str(form.fields["session_key"].label), "OAuth user token")

    def test_only_the_shops_leads_may_connect_it(self):
        for username in ("alice", "mona", "bravo-lead", "oscar"):
            self.client.login(username=username, password=PASSWORD)
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(self.url(), self.form())
            self.assertEqual(response.status_code, 404, username)
        self.assertFalse(PlatformConnection.objects.exists())
        self.assertEqual(self.top.calls, [])

    def test_it_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.login(username="larry", password=PASSWORD)
        self.assertEqual(client.post(self.url(), self.form()).status_code, 403)
        self.assertFalse(PlatformConnection.objects.exists())

    def test_a_platform_without_a_connector_offers_no_form_and_refuses_a_post(self):
        shop = Shop.objects.create(name="Other", slug="other", platform=Platform.OTHER)
        self.make_user("other-lead", shop, "lead")
        self.client.login(username="other-lead", password=PASSWORD)
        page = self.client.get(reverse("connector_page", args=["other"]))
        self.assertIsNone(page.context["form"])
        self.assertNotContains(page, 'id="connector-save"')
        response = self.client.post(self.url("other"), self.form())
        self.assertRedirects(response, reverse("connector_page", args=["other"]))
        self.assertFalse(PlatformConnection.objects.exists())
        self.assertEqual(self.top.calls, [])
