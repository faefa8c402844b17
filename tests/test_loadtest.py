"""The load test (loadtest/, `make load`) must not rot: its URLs reverse to the project's URL
names, and its scenario, read with the same page parsers, works against the real views."""

import ast
import importlib.util
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from loadtest import scenario as sc
from outreach.models import ContactAttempt, Kind, PlannedContact, Reply, ReplyState
from reviews.models import Membership, Role, Status

from .base import BaseTestCase

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = ROOT / "loadtest" / "locustfile.py"


def test_every_action_requests_an_existing_url_name():
    for action, (url_name, _template) in sc.ACTIONS.items():
        kwargs = {"pk": 123} if "{pk}" in _template else {}
        assert reverse(url_name, kwargs=kwargs) == sc.path(action, **kwargs), action


def test_the_locustfile_plays_every_action_and_no_other():
    source = LOCUSTFILE.read_text()
    strings = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    assert set(sc.ACTIONS) <= strings
    # Every request is named after an action of the scenario (so the figures match docs/load.md).
    assert "self.client.get(url, name=action" in source
    assert 'name="login"' in source


def test_the_locustfile_loads_in_locust():
    """With the `load` extra installed; CI installs only the test extra and skips this."""
    if importlib.util.find_spec("locust") is None:
        import pytest

        pytest.skip("locust is not installed (pip install -e '.[load]')")
    result = subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Agent" in result.stdout


class ScenarioTestCase(BaseTestCase):
    """One agent's round of the load test, through the login form with CSRF enforced."""

    def setUp(self):
        self.agent = self.make_user(sc.agent_username(0), self.shop, Role.AGENT)
        self.agent.set_password(sc.PASSWORD)
        self.agent.save()
        now = timezone.now()
        self.reviews = [
            self.make_review(
                self.shop, assigned_to=self.agent, reviewed_at=now - timedelta(hours=i)
            )
            for i in range(1, 28)
        ]
        self.client = Client(enforce_csrf_checks=True)
        self.base = "http://testserver"

    def htmx(self, target: str, current: str) -> dict:
        return {
            "Origin": self.base,
            "HX-Request": "true",
            "HX-Target": target,
            "HX-Current-URL": self.base + current,
        }

    def test_an_agent_round_works_with_the_parsed_forms(self):
        login = self.client.get(sc.path("login")).content.decode()
        response = self.client.post(
            sc.path("login"),
            {
                "csrfmiddlewaretoken": sc.csrf_token(login),
                "username": sc.agent_username(0),
                "password": sc.PASSWORD,
            },
            follow=True,
            headers={"Origin": self.base},
        )
        queue = response.content.decode()
        self.assertIn(sc.EXPECT["open queue"], queue)
        ids = sc.review_ids(queue)
        self.assertEqual(len(ids), 25)
        self.assertTrue(set(ids) <= {r.pk for r in self.reviews})

        after = sc.next_page(queue)
        self.assertIsNotNone(after)
        second = self.client.get(after, headers=self.htmx("queue-results", "/queue/"))
        self.assertIn(sc.EXPECT["open queue"], second.content.decode())
        self.assertEqual(len(sc.review_ids(second.content.decode())), 2)

        pk = ids[0]
        page = self.client.get(sc.path("open review", pk=pk)).content.decode()
        self.assertIn(sc.EXPECT["open review"], page)
        current = sc.path("open review", pk=pk)

        def post(step: str, form: str, versioned: bool = True, **data) -> str:
            data["csrfmiddlewaretoken"] = sc.csrf_token(form)
            if versioned:
                data["version"] = sc.form_version(form)
            response = self.client.post(
                sc.path(step, pk=pk), data, headers=self.htmx("review-work", current)
            )
            html = response.content.decode()
            self.assertEqual(response.status_code, 200, sc.alert(html))
            self.assertIn(sc.EXPECT[step], html)
            return html

        panel = post("log contact", page, channel="phone", outcome="no_answer")
        phrase = sc.agreed_phrase(timezone.now(), self.shop.tz, 3)
        panel = post(
            "schedule follow-up", panel, channel="phone", outcome="agreed", agreed_at=phrase
        )
        review = self.reviews[[r.pk for r in self.reviews].index(pk)]
        review.refresh_from_db()
        self.assertEqual(review.status, Status.AGREED)
        self.assertEqual(ContactAttempt.objects.filter(review=review).count(), 2)
        self.assertTrue(
            PlannedContact.objects.filter(review=review, kind=Kind.REVISE_FOLLOWUP).exists()
        )

        composer = self.client.get(
            sc.path("compose reply", pk=pk) + "?situation=&variant=2",
            headers=self.htmx("reply-composer", current),
        ).content.decode()
        self.assertIn(sc.EXPECT["compose reply"], composer)
        draft = sc.reply_text(composer)
        self.assertTrue(draft)
        post("draft reply", panel, versioned=False, text=draft, action="draft")
        reply = Reply.objects.get(review=review)
        self.assertEqual((reply.state, reply.text), (ReplyState.DRAFT, draft))

    def test_a_stale_version_is_a_conflict_the_load_test_counts(self):
        """Why the agents never share reviews: the second post of the same form is a 409."""
        self.client.force_login(self.agent)
        pk = self.reviews[0].pk
        page = self.client.get(sc.path("open review", pk=pk)).content.decode()
        data = {
            "csrfmiddlewaretoken": sc.csrf_token(page),
            "version": sc.form_version(page),
            "channel": "phone",
            "outcome": "reached",
        }
        headers = self.htmx("review-work", sc.path("open review", pk=pk))
        first = self.client.post(sc.path("log contact", pk=pk), data, headers=headers)
        second = self.client.post(sc.path("log contact", pk=pk), data, headers=headers)
        self.assertEqual((first.status_code, second.status_code), (200, 409))
        self.assertNotIn(sc.EXPECT["log contact"], second.content.decode())

    def test_agreed_phrases_are_accepted_at_any_hour(self):
        """The phrase the scenario types is in the future and outside quiet hours all day."""
        from outreach import guardrails
        from outreach.models import Playbook
        from outreach.timephrase import parse_time_phrase

        playbook = Playbook.objects.for_shop(self.shop)
        start = timezone.now().astimezone(self.shop.tz).replace(hour=0, minute=5)
        for hour in range(24):
            now = start + timedelta(hours=hour)
            for n in range(6):
                phrase = sc.agreed_phrase(now, self.shop.tz, n)
                when = parse_time_phrase(phrase, now=now, tz=self.shop.tz)
                self.assertGreater(when, now, phrase)
                self.assertFalse(
                    guardrails.is_quiet(when, playbook=playbook, buyer_tz=self.shop.tz), phrase
                )
        self.assertTrue(Membership.objects.filter(user=self.agent, role=Role.AGENT).exists())


def test_think_time_reads_seconds_and_refuses_nonsense():
    import pytest

    assert sc.think_time("") == sc.THINK_S
    assert sc.think_time("1-3") == (1.0, 3.0)
    assert sc.think_time("2") == (2.0, 2.0)
    with pytest.raises(ValueError, match="LOAD_THINK"):
        sc.think_time("5-1")
