"""Every URL, walked as a user of another shop and as each role.

Each URL pattern must be listed here, with how to build its arguments for an object of shop
alpha: a new view that is not listed fails this test, and one that forgets its scope check
fails it too. That is the point.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .base import BaseTestCase

# URL names that need no scope check (public or framework pages).
PUBLIC = {"login", "logout", "healthz", "set_language"}

# URL name -> (kwargs builder for an object of `self.shop`, roles of alpha allowed to GET it).
# Roles: "agent", "lead", "manager". A role not listed must get 403 or 404.
SCOPED = {
    "home": (None, {"agent", "lead", "manager"}),
    "queue": (None, {"agent", "lead"}),
    "board": (None, {"lead"}),
    "board_assign": (None, {"lead"}),
    "board_auto_assign": (None, {"lead"}),
    "board_reassign": (None, {"lead"}),
    "reports": (None, {"manager"}),
    "review_detail": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_reveal_phone": (
        lambda t: {"pk": t.make_review(t.shop).pk},
        {"agent", "lead", "manager"},
    ),
    "review_correct": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
}


def project_url_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, namespace=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name == "admin":
                    continue
                walk(p.url_patterns, p.namespace or namespace)
            elif isinstance(p, URLPattern) and p.name:
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns)
    return names


class IsolationTestCase(BaseTestCase):
    def test_it_knows_every_url_pattern(self):
        unknown = project_url_names() - PUBLIC - set(SCOPED)
        self.assertFalse(
            unknown, f"Add these URL names to tests/test_isolation.py: {sorted(unknown)}"
        )

    def urls(self):
        for name, (build, roles) in SCOPED.items():
            kwargs = build(self) if build else {}
            yield name, reverse(name, kwargs=kwargs), bool(kwargs), roles

    def test_it_hides_a_shops_objects_from_users_of_another_shop(self):
        self.client.force_login(self.outsider)
        for name, url, has_object, _roles in self.urls():
            if not has_object:
                continue
            # GET of a POST-only view answers 405 for any id, which reveals nothing.
            response = self.client.get(url)
            self.assertIn(response.status_code, (404, 405), f"GET {name} {url}")
            response = self.client.post(url)
            self.assertEqual(response.status_code, 404, f"POST {name} {url}")

    def test_it_gives_each_role_only_its_pages(self):
        personas = {"agent": self.agent, "lead": self.lead, "manager": self.manager}
        for name, url, _has_object, roles in self.urls():
            for role, user in personas.items():
                self.client.force_login(user)
                status = self.client.get(url).status_code
                if role in roles:
                    self.assertIn(status, (200, 302, 405), f"{role} GET {name}")
                    continue
                self.assertIn(status, (403, 404, 405), f"{role} GET {name} answered {status}")
                # A POST-only view answers GET with 405 for anyone: the POST must be refused.
                status = self.client.post(url).status_code
                self.assertIn(status, (403, 404), f"{role} POST {name} answered {status}")

    def test_it_asks_anonymous_users_to_log_in_everywhere(self):
        for name, url, _has_object, _roles in self.urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, name)
            self.assertTrue(response["Location"].startswith(reverse("login")), name)
