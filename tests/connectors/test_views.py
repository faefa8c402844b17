"""The connector page and its 「连接测试」 button: a shop's leads only; CSRF on the button."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from connectors import services
from connectors.models import ConnectionStatus

from ..base import PASSWORD
from .world import ConnectorWorld


class ConnectorPageTestCase(ConnectorWorld):
    def page(self, slug="alpha"):
        return self.client.get(reverse("connector_page", args=[slug]))

    def test_it_shows_the_leads_the_last_pull_today_errors_and_expiry(self):
        self.rates(4)
        self.connection.token_expires_at = timezone.now() + timedelta(days=3)
        self.connection.save(update_fields=["token_expires_at"])
        services.connection_pull(connection_id=self.connection.id)
        self.client.login(username="larry", password=PASSWORD)
        response = self.page()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.context["today"]["created"], 4)
        self.assertEqual(response.context["lag_minutes"], 0)
        self.assertTrue(response.context["expires_soon"])
        self.assertContains(response, 'id="connector-test"')
        self.assertNotContains(response, self.top.secret)
        self.assertNotContains(response, "sess-alpha")

    def test_agents_managers_and_other_shops_leads_get_nothing(self):
        for username in ("alice", "mona", "bravo-lead"):
            self.client.login(username=username, password=PASSWORD)
            self.assertEqual(self.page().status_code, 404, username)

    def test_the_test_button_calls_the_platform_and_says_what_it_answered(self):
        self.client.login(username="larry", password=PASSWORD)
        response = self.client.post(reverse("connector_test", args=["alpha"]), follow=True)
        self.assertContains(response, 'class="msg')
        self.assertEqual(self.top.calls[-1]["method"], "taobao.traderates.get")
        self.top.sessions.clear()
        response = self.client.post(reverse("connector_test", args=["alpha"]), follow=True)
        self.assertContains(response, "27")
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.EXPIRED)

    def test_the_test_button_needs_the_csrf_token(self):
        client = Client(enforce_csrf_checks=True)
        client.login(username="larry", password=PASSWORD)
        response = client.post(reverse("connector_test", args=["alpha"]))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.top.calls, [])

    def test_a_shop_without_a_connection_says_how_to_connect_it(self):
        self.connection.delete()
        self.client.login(username="larry", password=PASSWORD)
        response = self.page()
        self.assertIsNone(response.context["connection"])
        self.assertContains(response, '<p class="empty">')
        self.assertNotContains(response, 'id="connector-test"')
