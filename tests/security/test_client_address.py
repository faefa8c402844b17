"""Which address a request comes from: X-Forwarded-For is believed only from TRUSTED_PROXIES,
for login throttling and for the audit log alike."""

from django.conf import settings
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from reviews.models import AuditLog

from ..base import PASSWORD, BaseTestCase
from ..test_deploy import check_deploy, run_manage

LIMIT = settings.AXES_FAILURE_LIMIT
PROXY = "10.0.0.2"
BEHIND_PROXY = {
    "TRUSTED_PROXIES": ["10.0.0.0/24", "127.0.0.1"],
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
}


@override_settings(**BEHIND_PROXY)
class ClientAddressTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.review = self.make_review(self.shop)

    def login(self, password: str, remote: str, forwarded: str | None = None):
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        return self.client.post(
            reverse("login"), {"username": "alice", "password": password}, **extra
        )

    def audited_ip(self, remote: str, forwarded: str | None = None) -> str | None:
        """The address the audit line of a phone reveal records for this request."""
        self.client.force_login(self.agent)
        extra = {"REMOTE_ADDR": remote}
        if forwarded is not None:
            extra["HTTP_X_FORWARDED_FOR"] = forwarded
        self.client.post(reverse("review_reveal_phone", args=[self.review.pk]), **extra)
        return AuditLog.objects.order_by("-pk").first().ip

    def test_it_ignores_a_forged_header_from_a_caller_that_is_not_a_proxy(self):
        for n in range(LIMIT - 1):
            response = self.login("wrong-password", "203.0.113.7", f"198.51.100.{n}")
            self.assertEqual(response.status_code, 200)
        response = self.login("wrong-password", "203.0.113.7", "198.51.100.100")
        self.assertEqual(response.status_code, 429)
        response = self.login(PASSWORD, "203.0.113.7", "198.51.100.200")
        self.assertEqual(response.status_code, 429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_it_records_the_real_peer_when_the_header_is_forged(self):
        self.assertEqual(self.audited_ip("203.0.113.7", "1.2.3.4"), "203.0.113.7")
        self.assertEqual(self.audited_ip("203.0.113.7", "1.2.3.4, 10.0.0.9"), "203.0.113.7")

    def test_it_believes_the_address_a_trusted_proxy_appended(self):
        self.assertEqual(self.audited_ip(PROXY, "1.2.3.4, 198.51.100.7"), "198.51.100.7")
        # Each address behind the proxy is throttled on its own: one caller's failures do
        # not lock out another caller coming through the same proxy.
        for _ in range(LIMIT):
            self.login("wrong-password", PROXY, "198.51.100.7")
        self.assertEqual(self.login(PASSWORD, PROXY, "198.51.100.7").status_code, 429)
        response = self.login(PASSWORD, PROXY, "198.51.100.8")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    def test_it_walks_a_chain_of_trusted_proxies_from_the_right(self):
        # client → 10.0.0.5 (an inner proxy) → 10.0.0.2: the first untrusted entry from the
        # right is the caller; what the client put left of it is ignored.
        chain = "6.6.6.6, 198.51.100.7, 10.0.0.5"
        self.assertEqual(self.audited_ip(PROXY, chain), "198.51.100.7")
        self.assertEqual(self.audited_ip("127.0.0.1", chain + ", 10.0.0.2"), "198.51.100.7")
        # Only proxies in the header: the farthest of them is the caller.
        self.assertEqual(self.audited_ip(PROXY, "10.0.0.7, 10.0.0.5"), "10.0.0.7")
        # Two X-Forwarded-For headers arrive joined by a comma, and IPv6 works the same.
        self.assertEqual(self.audited_ip(PROXY, "2001:db8::1,10.0.0.5"), "2001:db8::1")
        # A proxy connecting over IPv6 with an IPv4-mapped address is still the proxy.
        self.assertEqual(self.audited_ip("::ffff:10.0.0.2", "198.51.100.7"), "198.51.100.7")

    def test_it_never_fails_on_a_garbage_header(self):
        for forwarded, expected in [
            ("", PROXY),
            (" , ,", PROXY),
            ("not-an-address", PROXY),
            ("198.51.100.7:4431", PROXY),
            ("198.51.100.7, <script>", PROXY),
            ("<script>, 198.51.100.7", "198.51.100.7"),
            ("999.1.1.1, 10.0.0.5", "10.0.0.5"),
            ("x" * 5000, PROXY),
        ]:
            with self.subTest(forwarded=forwarded):
                self.assertEqual(self.audited_ip(PROXY, forwarded), expected)
        response = self.login(PASSWORD, PROXY, "\x00, ::::, 1.2.3")
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)

    @override_settings(TRUSTED_PROXIES=[])
    def test_it_believes_no_header_when_no_proxy_is_trusted(self):
        self.assertEqual(self.audited_ip(PROXY, "198.51.100.7"), PROXY)


class ProxySettingsTestCase(SimpleTestCase):
    def test_it_refuses_to_start_behind_a_proxy_it_cannot_tell_apart(self):
        result = run_manage("check", DEBUG="1", BEHIND_TLS_PROXY="1", TRUSTED_PROXIES="")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("BEHIND_TLS_PROXY is on but TRUSTED_PROXIES is empty", result.stderr)

    def test_it_names_a_bad_proxy_address(self):
        result = run_manage("check", DEBUG="1", TRUSTED_PROXIES="127.0.0.1,10.0.0.0/33")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("TRUSTED_PROXIES: '10.0.0.0/33' is not an IP address", result.stderr)

    def test_it_starts_behind_a_proxy_it_knows(self):
        result = check_deploy(BEHIND_TLS_PROXY="1", TRUSTED_PROXIES="127.0.0.1, 172.16.0.0/12")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("no issues", result.stdout)


@override_settings(**BEHIND_PROXY, SECURE_SSL_REDIRECT=True)
class ForwardedSchemeTestCase(SimpleTestCase):
    """X-Forwarded-Proto says the connection was HTTPS: believed from a trusted proxy only, or
    anyone reaching the port could dodge the HTTPS redirect and get secure cookies over HTTP."""

    def get(self, remote: str):
        return self.client.get(
            "/login/", REMOTE_ADDR=remote, headers={"X-Forwarded-Proto": "https"}
        )

    def test_it_believes_the_scheme_a_trusted_proxy_sends(self):
        self.assertEqual(self.get(PROXY).status_code, 200)

    def test_it_redirects_a_caller_that_only_claims_https(self):
        response = self.get("203.0.113.9")
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"), response["Location"])
