"""Wrong passwords for one username from many addresses: each further try waits a little
longer (capped), and the genuine user still gets in once the wait is over."""

import itertools
from datetime import timedelta

import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ..base import PASSWORD, BaseTestCase

LIMIT = 6
_addresses = (f"198.51.{n // 250}.{n % 250 + 1}" for n in itertools.count())


@override_settings(LOGIN_USER_FAILURE_LIMIT=LIMIT, LOGIN_USER_DELAY_MAX_SECONDS=60)
class LoginDelayTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.now = timezone.now()

    def post(self, password: str, username: str = "alice", **headers):
        # A new address every time: the per-address lock-out never applies.
        with time_machine.travel(self.now, tick=False):
            return self.client.post(
                reverse("login"),
                {"username": username, "password": password},
                REMOTE_ADDR=next(_addresses),
                headers=headers,
            )

    def fail(self, times: int, username: str = "alice") -> None:
        """`times` wrong passwords, each after any delay the one before started (the last
        one's delay is still running at the end)."""
        for n in range(times):
            if n:
                self.wait(60)
            self.assertEqual(self.post("wrong-password", username).status_code, 200)

    def wait(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    def assertDelayed(self, response, seconds: int) -> None:
        self.assertContains(response, "data-locked-out", status_code=429)
        self.assertEqual(response["Retry-After"], str(seconds))
        self.assertNotIn("_auth_user_id", self.client.session)

    def assertLoggedIn(self, response) -> None:
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_delays_a_username_failing_from_many_addresses(self):
        self.fail(LIMIT - 1)
        # The LIMIT-th wrong password is still answered; the next try has to wait.
        self.assertEqual(self.post("wrong-password").status_code, 200)
        self.assertDelayed(self.post(PASSWORD), 1)

    def test_it_lets_the_genuine_user_in_once_the_delay_is_over(self):
        self.fail(LIMIT + 3)
        self.assertDelayed(self.post(PASSWORD), 8)
        self.wait(8)
        self.assertLoggedIn(self.post(PASSWORD))

    def test_the_delay_grows_to_its_cap(self):
        self.fail(LIMIT - 1)
        for seconds in (1, 2, 4, 8, 16, 32, 60, 60, 60):
            self.assertEqual(self.post("wrong-password").status_code, 200)
            self.assertDelayed(self.post("wrong-password"), seconds)
            self.wait(seconds)

    def test_tries_during_the_delay_neither_count_nor_extend_it(self):
        self.fail(LIMIT + 5)
        for _ in range(20):
            self.assertDelayed(self.post("wrong-password"), 32)
        self.wait(20)
        self.assertDelayed(self.post(PASSWORD), 12)
        self.wait(12)
        self.assertLoggedIn(self.post(PASSWORD))

    def test_a_login_clears_the_count(self):
        self.fail(LIMIT + 1)
        self.wait(2)
        self.assertLoggedIn(self.post(PASSWORD))
        self.client.post(reverse("logout"))
        self.fail(LIMIT - 1)
        self.assertLoggedIn(self.post(PASSWORD))

    def test_it_forgets_old_failures_after_the_cool_off(self):
        self.fail(LIMIT - 1)
        self.wait(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
        self.fail(LIMIT - 1)
        self.assertLoggedIn(self.post(PASSWORD))

    def test_it_does_not_delay_another_username(self):
        self.fail(LIMIT + 2)
        self.assertDelayed(self.post(PASSWORD), 4)
        self.assertLoggedIn(self.post(PASSWORD, username="larry"))

    def test_it_counts_the_admin_login_too(self):
        for _ in range(LIMIT):
            with time_machine.travel(self.now, tick=False):
                self.client.post(
                    reverse("admin:login"),
                    {"username": "alice", "password": "wrong-password"},
                    REMOTE_ADDR=next(_addresses),
                )
        self.assertDelayed(self.post(PASSWORD), 1)

    def test_it_says_when_to_try_again(self):
        self.fail(LIMIT + 1)
        response = self.post(PASSWORD)
        self.assertContains(response, "该账号登录失败次数过多，请 2 秒后再试。", status_code=429)
        self.assertContains(response, 'value="alice"', status_code=429)

    def test_it_says_so_in_english_too(self):
        self.fail(LIMIT + 1)
        response = self.post(PASSWORD, accept_language="en")
        self.assertContains(response, "Try again in 2 seconds.", status_code=429)
        self.assertContains(response, 'value="alice"', status_code=429)


class LoginWithoutRedisTestCase(BaseTestCase):
    # Production's caches with Redis unreachable (the template fragments' stays in-process).
    @override_settings(
        CACHES={
            **settings.CACHES,
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
            },
        }
    )
    def test_it_still_logs_in_when_the_cache_is_down(self):
        with self.assertLogs("reviews.security", "WARNING"):
            response = self.client.post(
                reverse("login"), {"username": "alice", "password": "wrong-password"}
            )
        self.assertContains(response, "用户名和密码不匹配")
        with self.assertLogs("reviews.security", "WARNING"):
            response = self.client.post(
                reverse("login"), {"username": "alice", "password": PASSWORD}
            )
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
