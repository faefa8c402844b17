"""Login throttling over HTTP: wrong passwords lock a username at one address for a while."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ..base import PASSWORD, BaseTestCase

LIMIT = settings.AXES_FAILURE_LIMIT


class LoginThrottleTestCase(BaseTestCase):
    def post(self, username: str, password: str, ip: str = "203.0.113.7"):
        return self.client.post(
            reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
        )

    def fail(self, times: int, username: str = "alice", ip: str = "203.0.113.7") -> None:
        for _ in range(times):
            response = self.post(username, "wrong-password", ip)
            self.assertIn(response.status_code, (200, 429))

    def assertLockedOut(self, response, minutes: int = 15) -> None:
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "登录失败次数过多", status_code=429)
        self.assertContains(response, f"{minutes} 分钟", status_code=429)
        self.assertIn(int(response["Retry-After"]), range((minutes - 1) * 60 + 1, minutes * 60 + 1))
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_counts_wrong_passwords_up_to_the_limit(self):
        for _ in range(LIMIT - 1):
            response = self.post("alice", "wrong-password")
            self.assertContains(response, "用户名和密码不匹配")
        self.assertLockedOut(self.post("alice", "wrong-password"))

    def test_it_locks_out_after_the_limit_even_with_the_right_password(self):
        self.fail(LIMIT)
        self.assertLockedOut(self.post("alice", "wrong-password"))
        self.assertLockedOut(self.post("alice", PASSWORD))
        self.assertEqual(self.client.get(reverse("queue")).status_code, 302)

    def test_it_lets_the_user_in_again_after_the_cool_off(self):
        self.fail(LIMIT)
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = self.post("alice", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_tries_during_the_lock_out_do_not_extend_it(self):
        self.fail(LIMIT)
        with time_machine.travel(timezone.now() + timedelta(minutes=10)):
            self.assertLockedOut(self.post("alice", PASSWORD), minutes=5)
        with time_machine.travel(timezone.now() + timedelta(minutes=16)):
            response = self.post("alice", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_resets_the_count_on_success(self):
        self.fail(LIMIT - 1)
        self.assertEqual(self.post("alice", PASSWORD).status_code, 302)
        self.client.post(reverse("logout"))
        # The count started again: LIMIT - 1 more failures do not lock.
        self.fail(LIMIT - 1)
        response = self.post("alice", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_does_not_lock_another_user_or_the_same_user_elsewhere(self):
        self.fail(LIMIT)
        self.assertLockedOut(self.post("alice", PASSWORD))
        # Another user from the same address.
        response = self.post("larry", PASSWORD)
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.client.post(reverse("logout"))
        # The same user from another address.
        response = self.post("alice", PASSWORD, ip="198.51.100.20")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_says_so_in_english_too(self):
        self.fail(LIMIT)
        response = self.client.post(
            reverse("login"),
            {"username": "alice", "password": PASSWORD},
            REMOTE_ADDR="203.0.113.7",
            headers={"accept-language": "en"},
        )
        self.assertContains(response, "Too many failed logins", status_code=429)
        self.assertContains(response, "blocked for 15 minutes", status_code=429)
        # The form is still there, with the username kept.
        self.assertContains(response, 'value="alice"', status_code=429)

    def test_it_still_lets_code_log_in_without_a_request(self):
        self.fail(LIMIT)
        # The test client's login() (no request) is not a remote caller to throttle.
        self.assertTrue(self.client.login(username="larry", password=PASSWORD))
