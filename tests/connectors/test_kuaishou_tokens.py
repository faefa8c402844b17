"""Kuaishou's 48-hour access token refreshed before it runs out (issue 19), against the fake
gateway's OAuth2 refresh, through the pull task, the command and beat's check.

| the connection                                 | what happens                                    |
| ---------------------------------------------- | ----------------------------------------------- |
| access token expiring within 2 hours           | refreshed before the pull; both tokens and      |
|                                                | expiries stored (encrypted), audited without    |
|                                                | values; the pull reads with the new token       |
| access token with days left                    | nothing refreshed                               |
| access token refused before its time          | renewed at once, the pull reads on; refused     |
|                                                | again: stopped                                  |
| two workers refreshing at once                 | one refresh asked; the answer kept (row lock)   |
| a spent or revoked refresh token               | shop stopped with the expired alert             |
| the refresh's answer lost (network)            | the pull goes on with the still-valid token     |
| refresh token expiring within a week           | the leads warned about that day, not the access |
|                                                | token's                                         |
"""

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection as db
from django.urls import reverse
from django.utils import timezone

from connectors.models import ConnectionStatus, PlatformConnection
from connectors.tasks import connector_pull_task, refresh_tokens_task
from outreach.models import AlertKind, LeadAlert
from reviews.models import AuditLog, Platform, Review

from ..base import PASSWORD
from .fake_kuaishou import ACCESS_LASTS, REFRESH_LASTS, FakeKuaishou, comment
from .test_kuaishou import KuaishouConnectWorld, KuaishouWorld


def raw(connection_id: int, column: str) -> str:
    """A column as stored in the database (what is at rest)."""
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM connectors_platformconnection WHERE id = %s",  # noqa: S608
            [connection_id],
        )
        return cursor.fetchone()[0]


class TokenWorld(KuaishouWorld):
    def setUp(self) -> None:
        super().setUp()
        self.now = timezone.now()
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=self.now + timedelta(hours=1),
            refresh_token="rt-ks",
            refresh_expires_at=self.now + timedelta(days=100),
            oauth_secret=self.ks.app_secret,
        )
        self.ks.add(comment(7001, created=self.now - timedelta(hours=3), content="漏发了一件"))

    def stored(self) -> PlatformConnection:
        return PlatformConnection.objects.get(id=self.connection.id)

    def comment_calls_tokens(self) -> set[str]:
        return {c["access_token"] for c in self.ks.calls}


class RefreshTestCase(TokenWorld):
    def test_a_token_expiring_within_two_hours_is_refreshed_before_the_pull(self):
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "ok")
        self.assertEqual(len(self.ks.refreshes), 1)
        asked = self.ks.refreshes[0]
        self.assertEqual(
            asked,
            {
                "app_id": self.ks.app_key,
                "app_secret": self.ks.app_secret,
                "grant_type": "refresh_token",
                "refresh_token": "rt-ks",
            },
        )
        stored = self.stored()
        self.assertEqual((stored.session_key, stored.refresh_token), ("tok-ks-1", "rt-ks-1"))
        expected = timezone.now() + timedelta(seconds=ACCESS_LASTS)
        self.assertLess(abs(stored.token_expires_at - expected), timedelta(minutes=1))
        expected = timezone.now() + timedelta(seconds=REFRESH_LASTS)
        self.assertLess(abs(stored.refresh_expires_at - expected), timedelta(minutes=1))
        # The pull read with the new token only, and stored the review.
        self.assertEqual(self.comment_calls_tokens(), {"tok-ks-1"})
        self.assertTrue(Review.objects.filter(shop=self.shop_ks, platform_review_id="7001"))
        # Encrypted at rest.
        for column, value in (("session_key", "tok-ks-1"), ("refresh_token", "rt-ks-1")):
            self.assertNotIn(value, raw(self.connection.id, column))
        # Audited, without the values.
        line = AuditLog.objects.get(shop=self.shop_ks, action="settings_changed")
        self.assertIn("refresh_token", line.data["changes"])
        self.assertIsNone(line.actor)
        for value in ("tok-ks-1", "rt-ks-1", "rt-ks", self.ks.app_secret):
            self.assertNotIn(value, str(line.data) + line.target)
        # The next pull finds a fresh token: nothing refreshed again.
        connector_pull_task.apply(args=[self.connection.id]).get()
        self.assertEqual(len(self.ks.refreshes), 1)

    def test_a_token_with_days_left_is_not_refreshed(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=self.now + timedelta(hours=30)
        )
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "ok")
        self.assertEqual(refresh_tokens_task.apply().get(), 0)
        self.assertEqual(self.ks.refreshes, [])
        self.assertEqual(self.comment_calls_tokens(), {"tok-ks"})

    def test_an_access_token_refused_before_its_time_is_renewed_and_the_pull_reads_on(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=self.now + timedelta(hours=30)
        )
        self.ks.tokens.discard("tok-ks")  # revoked on the platform a day early
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "ok")
        self.assertEqual(len(self.ks.refreshes), 1)
        stored = self.stored()
        self.assertEqual((stored.session_key, stored.status), ("tok-ks-1", ConnectionStatus.OK))
        self.assertTrue(Review.objects.filter(shop=self.shop_ks, platform_review_id="7001"))
        self.assertFalse(LeadAlert.objects.exists())

    def test_a_fresh_token_refused_again_stops_the_shop(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=self.now + timedelta(hours=30)
        )
        self.ks.tokens.clear()
        original = self.ks.refresh

        def refresh_but_unusable(params):  # the app's authorisation withdrawn
            answer = original(params)
            self.ks.tokens.clear()
            return answer

        self.ks.refresh = refresh_but_unusable
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "expired")
        self.assertEqual(len(self.ks.refreshes), 1)  # renewed once, not in a loop
        self.assertEqual(self.stored().status, ConnectionStatus.EXPIRED)
        self.assertEqual(LeadAlert.objects.filter(shop=self.shop_ks).count(), 1)

    def test_the_command_refreshes_then_pulls_and_says_what_it_found(self):
        out = StringIO()
        call_command("connector_pull", "ks-echo", stdout=out)
        self.assertIn("ks-echo: ok", out.getvalue())
        self.assertIn("new 1", out.getvalue())
        self.assertEqual(self.stored().session_key, "tok-ks-1")

    def test_a_spent_refresh_token_stops_the_shop_with_the_expired_alert(self):
        self.ks.refresh_tokens.clear()  # revoked, or spent by someone else's refresh
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "expired")
        stored = self.stored()
        self.assertEqual(stored.status, ConnectionStatus.EXPIRED)
        self.assertIn("102", stored.last_error)
        self.assertEqual(stored.session_key, "tok-ks")  # nothing replaced
        self.assertEqual(self.ks.calls, [])  # no comment read with a token about to go
        alert = LeadAlert.objects.get(shop=self.shop_ks)
        self.assertEqual(alert.kind, AlertKind.CONNECTOR)
        self.assertIn("refresh_token", alert.body)
        # Stopped: no more pulls, and beat's check leaves it alone.
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "")
        self.assertEqual(refresh_tokens_task.apply().get(), 0)
        self.assertEqual(len(self.ks.refreshes), 1)

    def test_a_refresh_token_used_once_is_refused_the_second_time(self):
        refresh_tokens_task.apply().get()
        self.assertEqual(self.stored().refresh_token, "rt-ks-1")
        # A stale copy (a restored backup) sends the spent token again: refused, shop stopped.
        PlatformConnection.objects.filter(id=self.connection.id).update(
            refresh_token="rt-ks", token_expires_at=self.now
        )
        self.assertEqual(refresh_tokens_task.apply().get(), 0)
        self.assertEqual(self.stored().status, ConnectionStatus.EXPIRED)
        self.assertEqual(LeadAlert.objects.filter(shop=self.shop_ks).count(), 1)

    def test_beat_refreshes_a_token_about_to_expire_without_a_pull(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(enabled=False)
        self.assertEqual(refresh_tokens_task.apply().get(), 1)
        self.assertEqual(self.stored().session_key, "tok-ks-1")
        self.assertEqual(self.ks.calls, [])
        self.assertEqual(refresh_tokens_task.apply().get(), 0)

    def test_a_lost_refresh_answer_lets_the_pull_go_on_with_the_valid_token(self):
        self.ks.refresh_delay = 3  # past the 2 s timeout
        self.assertEqual(connector_pull_task.apply(args=[self.connection.id]).get(), "ok")
        stored = self.stored()
        self.assertEqual((stored.session_key, stored.status), ("tok-ks", ConnectionStatus.OK))
        self.assertEqual(self.comment_calls_tokens(), {"tok-ks"})
        self.assertFalse(LeadAlert.objects.exists())

    def test_the_week_before_warning_is_about_the_refresh_tokens_expiry(self):
        # The access token expires within days all the time: no warning for it.
        PlatformConnection.objects.filter(id=self.connection.id).update(
            token_expires_at=self.now + timedelta(hours=30)
        )
        connector_pull_task.apply(args=[self.connection.id]).get()
        self.assertFalse(LeadAlert.objects.exists())
        ends = self.now + timedelta(days=5)
        PlatformConnection.objects.filter(id=self.connection.id).update(refresh_expires_at=ends)
        connector_pull_task.apply(args=[self.connection.id]).get()
        alert = LeadAlert.objects.get(shop=self.shop_ks)
        day = timezone.localtime(ends, self.shop_ks.tz).strftime("%Y-%m-%d")
        self.assertIn(day, alert.subject)
        self.assertIn("刷新令牌", alert.body)  # the leads read it in Chinese


class RefreshPageTestCase(TokenWorld):
    def test_the_page_shows_the_refresh_tokens_expiry_not_the_access_tokens(self):
        self.client.login(username="kelly", password=PASSWORD)
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        # The access token expires within the hour, but renews itself: nothing to warn of.
        self.assertFalse(page.context["expires_soon"])
        ends = timezone.localtime(self.now + timedelta(days=100), self.shop_ks.tz)
        self.assertContains(page, ends.strftime("%Y-%m-%d %H:%M"))
        PlatformConnection.objects.filter(id=self.connection.id).update(
            refresh_expires_at=self.now + timedelta(days=3)
        )
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        self.assertTrue(page.context["expires_soon"])


class RefreshConnectTestCase(KuaishouConnectWorld):
    """The lead enters the refresh token and the appSecret on the connector page."""

    form_more = {"refresh_expires_at": ""}

    def test_the_refresh_token_and_app_secret_are_write_only_and_renew_the_token(self):
        response = self.connect(
            refresh_token="rt-ks",
            oauth_secret=self.ks.app_secret,
            token_expires_at="",
            refresh_expires_at="2027-05-01T10:00",
        )
        self.assertEqual(response.status_code, 302)
        connection = PlatformConnection.objects.get(shop=self.shop_ks)
        self.assertEqual(
            (connection.refresh_token, connection.oauth_secret), ("rt-ks", self.ks.app_secret)
        )
        self.assertEqual(
            timezone.localtime(connection.refresh_expires_at, self.shop_ks.tz).strftime(
                "%Y-%m-%d %H:%M"
            ),
            "2027-05-01 10:00",
        )
        page = self.client.get(reverse("connector_page", args=["ks-echo"]))
        self.assertNotContains(page, self.ks.app_secret)
        self.assertNotContains(page, 'value="rt-ks"')
        line = AuditLog.objects.filter(shop=self.shop_ks).latest("id")
        self.assertIn("refresh_token", line.data["changes"])
        self.assertNotIn("rt-ks", str(line.data))
        # Blank keeps them; the access token's expiry unknown: the first pull renews it.
        self.assertEqual(self.connect(refresh_token="", oauth_secret="").status_code, 302)
        connection.refresh_from_db()
        self.assertEqual(connection.refresh_token, "rt-ks")
        self.assertEqual(connector_pull_task.apply(args=[connection.id]).get(), "ok")
        connection.refresh_from_db()
        self.assertEqual(connection.session_key, "tok-ks-1")

    def test_a_refresh_token_without_the_app_secret_is_refused(self):
        response = self.connect(refresh_token="rt-ks")
        self.assertEqual(response.status_code, 400)
        self.assertFalse(PlatformConnection.objects.exists())
        self.assertEqual(self.ks.refreshes, [])

    def test_other_platforms_do_not_ask_for_it(self):
        from reviews.models import Shop

        Shop.objects.filter(id=self.shop_ks.id).update(platform=Platform.TMALL)
        form = self.client.get(reverse("connector_page", args=["ks-echo"])).context["form"]
        self.assertNotIn("refresh_token", form.fields)
        self.assertNotIn("oauth_secret", form.fields)


class RefreshAdminTestCase(TokenWorld):
    def test_the_admin_keeps_the_refresh_token_write_only(self):
        root = self.make_user("root", self.shop_ks, "lead")
        root.is_staff = root.is_superuser = True
        root.save()
        self.client.force_login(root)
        url = reverse("admin:connectors_platformconnection_change", args=[self.connection.pk])
        page = self.client.get(url)
        self.assertContains(page, 'name="refresh_token"')
        self.assertNotContains(page, "rt-ks")
        self.assertNotContains(page, self.ks.app_secret)
        form = {
            "shop": self.shop_ks.pk,
            "platform": "kuaishou",
            "app_key": self.ks.app_key,
            "token_expires_at_0": "",
            "token_expires_at_1": "",
            "refresh_expires_at_0": "",
            "refresh_expires_at_1": "",
            "enabled": "on",
        }
        self.assertEqual(self.client.post(url, form | {"refresh_token": "rt-new"}).status_code, 302)
        stored = self.stored()
        self.assertEqual(
            (stored.refresh_token, stored.oauth_secret), ("rt-new", self.ks.app_secret)
        )
        lines = AuditLog.objects.filter(action="settings_changed", shop=self.shop_ks)
        self.assertTrue(any("Refresh token" in str(line.data) for line in lines))
        self.assertFalse(any("rt-new" in str(line.data) for line in lines))


@pytest.mark.django_db(transaction=True)
def test_two_workers_refreshing_at_once_ask_once_and_keep_the_answer(make_kuaishou_shop):
    fake, connection = make_kuaishou_shop
    fake.refresh_delay = 0.5  # the first worker holds the lock while Kuaishou answers
    results = []

    def beat_check():
        try:
            results.append(refresh_tokens_task.apply().get())
        finally:
            db.close()

    threads = [threading.Thread(target=beat_check) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 1]
    assert len(fake.refreshes) == 1  # the second found it fresh once the lock was free
    stored = PlatformConnection.objects.get(id=connection.id)
    assert (stored.session_key, stored.refresh_token) == ("tok-ks-1", "rt-ks-1")
    assert stored.status != ConnectionStatus.EXPIRED
    assert fake.refresh_tokens == {"rt-ks-1"}


@pytest.fixture
def make_kuaishou_shop(django_user_model):
    from reviews.models import Shop

    with FakeKuaishou() as fake, fake.settings():
        shop = Shop.objects.create(name="快手并发小店", slug="ks-race", platform=Platform.KUAISHOU)
        connection = PlatformConnection.objects.create(
            shop=shop,
            platform=Platform.KUAISHOU,
            app_key=fake.app_key,
            app_secret=fake.secret,
            session_key="tok-ks",
            token_expires_at=timezone.now() + timedelta(minutes=30),
            refresh_token="rt-ks",
            oauth_secret=fake.app_secret,
        )
        yield fake, connection
