"""Every URL, walked as a user of another shop and as each role.

Each URL pattern must be listed here, with how to build its arguments for an object of shop
alpha: a new view that is not listed fails this test, and one that forgets its scope check
fails it too. That is the point.
"""

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .base import BaseTestCase

# URL names that need no scope check (public or framework pages).
PUBLIC = {
    "login",
    "logout",
    "healthz",
    "set_language",
    "api_openapi",
    # The webhook authenticates each call by the shop's HMAC signature, not by a session
    # (tests/reviews/test_webhook.py covers forged, stale and foreign-shop calls).
    "api_shop_reviews",
}


def _batch(t) -> dict:
    from reviews.models import ImportBatch

    return {"pk": ImportBatch.objects.create(shop=t.shop, source="file", platform="taobao").pk}


def _attempt(t) -> dict:
    from outreach.models import ContactAttempt

    review = t.make_review(t.shop)
    attempt = ContactAttempt.objects.create(
        review=review,
        buyer=review.buyer,
        agent=t.agent,
        channel="phone",
        outcome="solved",
        resolution="full_refund",
        approval="pending",
    )
    return {"pk": attempt.pk}


def _reply(t) -> dict:
    from outreach.models import Reply

    review = t.make_review(t.shop)
    return {
        "pk": Reply.objects.create(shop=t.shop, review=review, text="抱歉", state="approved").pk
    }


def _spike(t) -> dict:
    from datetime import date

    from reports.models import SpikeAlert

    alert = SpikeAlert.objects.create(
        shop=t.shop, dimension="product", key="纯棉T恤", subcause="quality",
        window_start=date(2026, 3, 1), window_end=date(2026, 3, 7), count=9, baseline=1,
    )  # fmt: skip
    return {"pk": alert.pk}


# URL name -> (kwargs builder for an object of `self.shop`, roles of alpha allowed to GET it).
# Roles: "agent", "lead", "manager". A role not listed must get 403 or 404.
SCOPED = {
    "home": (None, {"agent", "lead", "manager"}),
    "queue": (None, {"agent", "lead"}),
    "board": (None, {"lead"}),
    "board_assign": (None, {"lead"}),
    "board_auto_assign": (None, {"lead"}),
    "board_reassign": (None, {"lead"}),
    "board_reassign_followup": (None, {"lead"}),
    "playbook": (None, {"lead"}),
    "reports": (None, {"manager"}),
    "reports_reviews": (None, {"manager"}),
    "spike_acknowledge": (_spike, {"manager"}),
    "audit_log": (None, {"manager"}),
    "review_detail": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_reveal_phone": (
        lambda t: {"pk": t.make_review(t.shop).pk},
        {"agent", "lead", "manager"},
    ),
    "review_correct": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_contact": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_message": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_do_not_contact": (
        lambda t: {"pk": t.make_review(t.shop).pk},
        {"agent", "lead", "manager"},
    ),
    "review_close": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_reopen": (lambda t: {"pk": t.make_review(t.shop).pk}, {"lead"}),
    "due_count": (None, {"agent", "lead", "manager"}),
    "compensation_decide": (_attempt, {"lead"}),
    "review_reply": (lambda t: {"pk": t.make_review(t.shop).pk}, {"agent", "lead", "manager"}),
    "review_reply_suggest": (
        lambda t: {"pk": t.make_review(t.shop).pk},
        {"agent", "lead", "manager"},
    ),
    "reply_decide": (_reply, {"lead"}),
    "reply_posted": (_reply, {"agent", "lead", "manager"}),
    "reply_export": (_reply, {"agent", "lead", "manager"}),
    "imports": (None, {"lead", "manager"}),
    "import_batch": (_batch, {"lead", "manager"}),
    "import_batch_errors": (_batch, {"lead", "manager"}),
    "shop_webhook": (lambda t: {"slug": t.shop.slug}, {"manager"}),
    "shop_webhook_rotate": (lambda t: {"slug": t.shop.slug}, {"manager"}),
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
            # A view answers the method it does not accept with 405 for any id, which
            # reveals nothing; the method it accepts must answer 404.
            statuses = {m: getattr(self.client, m)(url).status_code for m in ("get", "post")}
            self.assertTrue(set(statuses.values()) <= {404, 405}, f"{name} {url}: {statuses}")
            self.assertIn(404, statuses.values(), f"{name} {url}: {statuses}")

    def test_it_gives_each_role_only_its_pages(self):
        personas = {"agent": self.agent, "lead": self.lead, "manager": self.manager}
        for name, url, _has_object, roles in self.urls():
            for role, user in personas.items():
                self.client.force_login(user)
                status = self.client.get(url).status_code
                if role in roles:
                    self.assertIn(status, (200, 302, 405), f"{role} GET {name}")
                    continue
                post = self.client.post(url).status_code
                statuses = {status, post}
                # Refused (403/404) by the method the view accepts; 405 for the other one.
                self.assertTrue(
                    statuses <= {403, 404, 405}, f"{role} {name}: GET {status}, POST {post}"
                )
                self.assertTrue(statuses & {403, 404}, f"{role} {name}: GET {status}, POST {post}")

    def test_it_asks_anonymous_users_to_log_in_everywhere(self):
        for name, url, _has_object, _roles in self.urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, name)
            self.assertTrue(response["Location"].startswith(reverse("login")), name)
