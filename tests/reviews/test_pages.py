from django.test import override_settings
from django.urls import reverse

from reviews.models import Role

from ..base import BaseTestCase


class PagesTestCase(BaseTestCase):
    def test_it_sends_anonymous_users_to_login(self):
        for name in ("home", "queue", "board", "reports"):
            response = self.client.get(reverse(name))
            self.assertRedirects(response, f"{reverse('login')}?next={reverse(name)}")

    def test_it_speaks_simplified_chinese_by_default(self):
        response = self.client.get(reverse("login"))
        self.assertContains(response, '<html lang="zh-hans">')
        self.assertContains(response, "登录")

    def test_it_speaks_english_when_asked(self):
        response = self.client.get(reverse("login"), headers={"accept-language": "en"})
        self.assertContains(response, '<html lang="en">')
        self.assertContains(response, "Log in to ReviewDesk")

    def test_it_logs_in_and_out(self):
        from ..base import PASSWORD

        response = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("queue"))
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("login"))
        self.assertEqual(self.client.get(reverse("queue")).status_code, 302)

    def test_it_rejects_a_wrong_password_with_a_message(self):
        response = self.client.post(reverse("login"), {"username": "alice", "password": "nope"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "用户名和密码不匹配")

    def test_it_routes_each_role_home(self):
        for user, target in (
            (self.agent, "queue"),
            (self.lead, "board"),
            (self.manager, "reports"),
        ):
            self.login(user)
            self.assertRedirects(self.client.get(reverse("home")), reverse(target))

    def test_it_shows_navigation_per_role(self):
        self.login(self.agent)
        page = self.client.get(reverse("queue")).content.decode()
        self.assertIn(reverse("queue"), page)
        self.assertNotIn(reverse("board"), page)
        self.assertNotIn(reverse("reports"), page)

    def test_the_navigation_is_each_users_own_on_every_page_and_language(self):
        # The links are kept rendered per role set, page and language ({% cache %} in
        # base.html): whoever asked first, the next user must get their own.
        def nav(user, name, language="zh-hans"):
            self.login(user)
            page = self.client.get(reverse(name), headers={"accept-language": language})
            html = page.content.decode()
            return html[html.index('<nav class="nav"') : html.index("</nav>")]

        agent_queue = nav(self.agent, "queue")
        self.assertNotIn(reverse("board"), agent_queue)
        self.assertIn(f'<a href="{reverse("queue")}" aria-current="page">我的待办', agent_queue)
        lead_queue = nav(self.lead, "queue")
        self.assertIn(f'<a href="{reverse("board")}" >分配看板', lead_queue)
        self.assertIn(f'<a href="{reverse("queue")}" aria-current="page">', lead_queue)
        lead_board = nav(self.lead, "board")
        self.assertIn(f'<a href="{reverse("board")}" aria-current="page">', lead_board)
        self.assertIn(f'<a href="{reverse("queue")}" >', lead_board)
        manager = nav(self.manager, "reports")
        self.assertNotIn(reverse("queue"), manager)
        self.assertIn(f'<a href="{reverse("reports")}" aria-current="page">', manager)
        self.assertIn("My queue", nav(self.agent, "queue", "en"))
        self.assertEqual(nav(self.agent, "queue"), agent_queue)

    def test_the_keyboard_help_and_language_buttons_follow_the_language(self):
        self.login(self.agent)
        for language, help_title, current in (
            ("zh-hans", "<h2>键盘快捷键</h2>", 'value="zh-hans" class="link current"'),
            ("en", "<h2>Keyboard shortcuts</h2>", 'value="en" class="link current"'),
            ("zh-hans", "<h2>键盘快捷键</h2>", 'value="zh-hans" class="link current"'),
        ):
            page = self.client.get(reverse("queue"), headers={"accept-language": language})
            self.assertContains(page, help_title)
            self.assertContains(page, current)
            self.assertContains(page, 'class="link current"', count=1)

    def test_it_forbids_pages_of_roles_the_user_lacks(self):
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("board")).status_code, 403)
        self.assertEqual(self.client.get(reverse("reports")).status_code, 403)
        self.login(self.manager)
        self.assertEqual(self.client.get(reverse("reports")).status_code, 200)
        self.assertEqual(self.client.get(reverse("queue")).status_code, 403)

    def test_it_lists_only_my_open_reviews_in_the_queue(self):
        mine = self.make_review(self.shop, assigned_to=self.agent, text="物流太慢")
        self.make_review(self.shop, assigned_to=self.lead)
        foreign = self.make_review(self.other_shop, assigned_to=self.agent)
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        self.assertEqual([r.pk for r in response.context["reviews"]], [mine.pk])
        self.assertNotContains(response, reverse("review_detail", args=[foreign.pk]))

    def test_it_sends_the_csrf_token_with_every_htmx_request(self):
        self.login(self.agent)
        response = self.client.get(reverse("queue"))
        self.assertRegex(response.content.decode(), r"hx-headers='\{\"X-CSRFToken\": \"[\w-]+\"\}'")

    def test_it_serves_htmx_from_static_not_a_cdn(self):
        self.login(self.agent)
        page = self.client.get(reverse("queue")).content.decode()
        self.assertIn("/static/vendor/htmx-2.0.11.min.js", page)
        self.assertNotRegex(page, r"<script[^>]+src=\"https?://")
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>")  # no inline script at all

    def test_it_sets_a_content_security_policy_without_inline_script(self):
        response = self.client.get(reverse("login"))
        csp = response.headers["Content-Security-Policy"]
        self.assertIn("script-src 'self'", csp)
        self.assertNotIn("unsafe-inline", csp)

    @override_settings(DEBUG=False)
    def test_it_answers_the_health_check(self):
        self.assertEqual(
            self.client.get("/healthz").json(), {"ok": True, "worker_seen_s_ago": None}
        )

    def test_it_masks_the_buyer_phone_on_the_review_page(self):
        review = self.make_review(self.shop, assigned_to=self.agent)
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[review.pk]))
        self.assertContains(response, "138****5678")
        self.assertNotContains(response, "13812345678")


class RolesTestCase(BaseTestCase):
    def test_it_has_three_roles(self):
        self.assertEqual({r.value for r in Role}, {"agent", "lead", "manager"})
