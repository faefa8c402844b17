"""The two ways into a shop's data besides the desk's views: the Django admin and the Celery
tasks.

The admin is the platform staff's (superusers configure shops and people there): a shop's
own people may be marked staff, but without model permissions they must see nothing of
another shop on any admin page. The tasks take only ids of rows and do system work; none
acts in a person's name, so none can be handed a person of one shop and an object of another
(the day one does, the test below says where its isolation test belongs).
"""

import inspect

from celery import current_app
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from .test_walk import body_text
from .world import MARKERS, TwoShopsTestCase, shop_rows


class AdminTestCase(TwoShopsTestCase):
    def admin_urls(self):
        # The index and app lists answer (saying there is nothing to see); the rest refuse.
        yield reverse("admin:index"), False
        people = list(self.victim.shop.memberships.values_list("user_id", flat=True))
        for model, _model_admin in admin.site._registry.items():
            info = model._meta.app_label, model._meta.model_name
            yield reverse("admin:app_list", args=[info[0]]), False
            for view in ("changelist", "add"):
                yield reverse(f"admin:{info[0]}_{info[1]}_{view}"), True
            where = shop_rows(model, self.victim.shop, people)
            victim = model.objects.filter(where).first() if where is not None else None
            if victim is None:
                continue
            for view in ("change", "history", "delete"):
                try:
                    yield reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[victim.pk]), True
                except NoReverseMatch:
                    continue
            yield reverse(f"admin:{info[0]}_{info[1]}_changelist") + f"?q={victim.pk}", True

    def test_a_shops_staff_member_sees_nothing_of_another_shop_in_the_admin(self):
        self.client.force_login(self.staff)
        urls = list(self.admin_urls())
        self.assertGreater(len(urls), 40)
        for url, refused in urls:
            for method in ("get", "post"):
                response = getattr(self.client, method)(url)
                allowed = (302, 403, 404) if refused else (200, 302, 403, 404)
                self.assertIn(response.status_code, allowed, f"{method} {url}")
                text = body_text(response)
                self.assertFalse([m for m in MARKERS if m.lower() in text.lower()], url)

    def test_a_shop_person_who_is_not_staff_is_sent_to_the_admins_login(self):
        self.client.force_login(self.home.manager)
        for url, _refused in self.admin_urls():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn(reverse("admin:login"), response["Location"], url)


# Parameter names that would make a task act for someone.
PERSON = ("user", "actor", "agent", "by", "lead", "manager", "person")


class TasksTestCase(TwoShopsTestCase):
    def test_no_task_acts_in_a_persons_name(self):
        import outreach.tasks  # noqa: F401  (registers the tasks)
        import reports.tasks  # noqa: F401
        import reviews.tasks  # noqa: F401

        ours = {
            name: task
            for name, task in current_app.tasks.items()
            if name.split(".")[0] in ("reviews", "outreach", "reports")
        }
        self.assertGreaterEqual(len(ours), 8)
        for name, task in ours.items():
            params = inspect.signature(task.run).parameters
            person = [p for p in params if any(word in p.split("_") for word in PERSON)]
            self.assertFalse(
                person,
                f"{name} takes {person}: test that a person of one shop cannot make it act on "
                "another shop's object (tests/isolation)",
            )
