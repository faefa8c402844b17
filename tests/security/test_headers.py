"""What a browser receives from production settings: security headers and cookie flags."""

from pathlib import Path

from django.test import Client, SimpleTestCase, override_settings
from django.urls import reverse

from ..base import PASSWORD, BaseTestCase

# test_settings turns these three off for plain-HTTP tests; production has them on (DEBUG off,
# see tests/test_deploy.py for `check --deploy` on the real settings module).
PRODUCTION = {
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
}


@override_settings(**PRODUCTION)
class ProductionHeadersTestCase(BaseTestCase):
    def setUp(self):
        # A fresh client per test: middleware reads these settings when it is built.
        self.client = Client()

    def test_it_redirects_plain_http_to_https(self):
        response = self.client.get(reverse("login"))
        self.assertEqual(response.status_code, 301)
        self.assertTrue(response["Location"].startswith("https://"))

    def test_it_sends_the_security_headers(self):
        response = self.client.get(reverse("login"), secure=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Strict-Transport-Security"], "max-age=31536000; includeSubDomains; preload"
        )
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")
        csp = dict(
            (part.strip().split(" ", 1) + [""])[:2]
            for part in response["Content-Security-Policy"].split(";")
        )
        self.assertEqual(csp["script-src"], "'self'")
        self.assertEqual(csp["style-src"], "'self'")
        self.assertEqual(csp["frame-ancestors"], "'none'")
        self.assertEqual(csp["object-src"], "'none'")
        self.assertNotIn("unsafe-inline", response["Content-Security-Policy"])
        self.assertNotIn("unsafe-eval", response["Content-Security-Policy"])

    def test_it_has_no_inline_script_on_a_working_page(self):
        self.client.force_login(self.agent)
        page = self.client.get(reverse("queue"), secure=True).content.decode()
        self.assertNotIn("<script>", page)
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.assertNotRegex(page, r"\son[a-z]+=")  # no inline event handlers either

    def test_it_sets_secure_http_only_same_site_cookies(self):
        login_page = self.client.get(reverse("login"), secure=True)
        csrf = login_page.cookies["csrftoken"]
        self.assertTrue(csrf["secure"])
        self.assertTrue(csrf["httponly"])
        self.assertEqual(csrf["samesite"], "Lax")
        response = self.client.post(
            reverse("login"), {"username": "alice", "password": PASSWORD}, secure=True
        )
        self.assertEqual(response.status_code, 302)
        session = response.cookies["sessionid"]
        self.assertTrue(session["secure"])
        self.assertTrue(session["httponly"])
        self.assertEqual(session["samesite"], "Lax")


class DownloadHeaderTestCase(SimpleTestCase):
    def test_every_download_names_its_file_through_the_one_helper(self):
        root = Path(__file__).resolve().parents[2]
        found = []
        for path in root.glob("*/**/*.py"):
            if path.relative_to(root).parts[0] in ("tests", ".venv"):
                continue
            for line in path.read_text().splitlines():
                if '["Content-Disposition"]' in line:
                    found.append((path.name, line.split("=", 1)[1].strip()))
        self.assertGreaterEqual(len(found), 4)
        for name, value in found:
            self.assertTrue(value.startswith("attachment("), (name, value))

    def test_the_helper_keeps_a_hostile_name_inside_its_parameter(self):
        from reviews.downloads import attachment

        cases = {
            "report.csv": "attachment; filename=\"report.csv\"; filename*=UTF-8''report.csv",
            '报表"; x=1.csv': (
                'attachment; filename="____ x_1.csv"; '
                "filename*=UTF-8''%E6%8A%A5%E8%A1%A8%22%3B%20x%3D1.csv"
            ),
            "a\r\nb": "attachment; filename=\"a__b\"; filename*=UTF-8''a__b",
            "": "attachment; filename=\"download\"; filename*=UTF-8''download",
        }
        for name, header in cases.items():
            self.assertEqual(attachment(name), header, name)
