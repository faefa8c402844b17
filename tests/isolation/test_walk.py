"""Every URL, walked by every person of another shop, with the victim shop's ids in every
place a view reads one: path, query string, form field; GET and POST, plain and htmx.

Nothing of the victim shop may change (a snapshot of all its rows before and after, audit
lines included), no response may carry any of its marker strings (body, headers, cookies,
queued messages), an object of it named in the path or in a field that looks one up must be
refused, and nothing may answer 500. tests/isolation/specs.py says what each view reads.
"""

import re
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from urllib.parse import quote, quote_plus

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.html import escape

from outreach.models import Reply
from reviews import cursors
from reviews.models import Review

from .specs import PUBLIC, SPECS, Spec
from .world import MARKERS, ShopData, TwoShopsTestCase, changed, snapshot

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "queue-results"}
REFUSED = {403, 404, 405}


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


def values_of(data: ShopData) -> dict[str, str]:
    """What a spec's templates are filled with, for one shop."""
    review = Review.objects.get(pk=data.ids["review"])
    return {
        **{key: str(pk) for key, pk in data.ids.items()},
        "slug": data.shop.slug,
        "product": review.product_name,
        "courier": review.courier,
        "order_id": review.order_id,
        "agent_alias": f"{data.agent.username}"[:40],
        "version": str(review.version),
        "digest": Reply.objects.get(pk=data.ids["reply"]).text_digest,
        "cursor": cursors.encode_moment(review.reviewed_at, review.pk + 1),
    }


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "imports"


def _csv_upload() -> SimpleUploadedFile:
    data = (FIXTURES / "taobao_gbk.csv").read_bytes()
    return SimpleUploadedFile("淘宝评价.csv", data, content_type="text/csv")


def fill(template, values: dict[str, str]):
    if template == "{upload}":
        return _csv_upload()
    return str(template).format(**values)


RANDOM_TOKEN = re.compile(r"[A-Za-z0-9]{30,}")


def body_text(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    queued = getattr(getattr(response.wsgi_request, "_messages", None), "_queued_messages", [])
    return "\n".join(
        [
            content.decode("utf-8", "replace"),
            str(response.headers),
            str(response.cookies),
            *(str(m) for m in queued),
        ]
    )


class Walk:
    """One attacker's requests at every URL of the specs."""

    def __init__(self, case: "WalkTestCase", user, *, check_markers: bool = True):
        self.case, self.user, self.check_markers = case, user, check_markers
        self.own = values_of(case.home)
        self.victim = values_of(case.victim)

    def victim_values(self, template) -> list[str]:
        """The victim's ids for one field: the kind its template names, else the review's."""
        if template == "{upload}":
            return [self.victim["review"]]
        text = str(template)
        if "{" in text:
            return [text.format(**self.victim)]
        return [self.victim["review"], self.victim["slug"]]

    def variants(self, spec: Spec):
        """(description, path values, query, form, refused-because) per request to make."""
        own_q = {k: fill(v, self.own) for k, v in spec.query.items()}

        def own_form():
            return {k: fill(v, self.own) for k, v in spec.form.items()}

        if spec.path:
            yield "victim path", self.victim, own_q, own_form(), "path"
        for name, template in spec.query.items():
            for value in self.victim_values(template):
                yield (
                    f"query {name}={value}",
                    self.own,
                    own_q | {name: value},
                    own_form(),
                    f"query:{name}",
                )
        for name, template in spec.form.items():
            for value in self.victim_values(template):
                yield (
                    f"form {name}={value}",
                    self.own,
                    own_q,
                    own_form() | {name: value},
                    f"form:{name}",
                )
        every_q = {k: self.victim_values(v)[0] for k, v in spec.query.items()}
        every_f = {k: self.victim_values(v)[0] for k, v in spec.form.items()}
        yield "every place", self.victim, every_q, every_f, "path" if spec.path else ""

    def url(self, name: str, spec: Spec, values: dict[str, str]) -> str:
        kwargs = {k: fill(v, values) for k, v in spec.path.items()}
        return reverse(name, kwargs=kwargs)

    def run(self, names=None) -> None:
        self.case.client.force_login(self.user)
        for name, spec in SPECS.items():
            if names is not None and name not in names:
                continue
            before = snapshot(self.case.victim.shop)
            for what, path_values, query, form, reason in self.variants(spec):
                url = self.url(name, spec, path_values)
                for method in ("get", "post"):
                    for headers in ({}, HTMX):
                        self.request(name, spec, what, url, method, headers, query, form, reason)
            after = snapshot(self.case.victim.shop)
            self.case.assertEqual(
                changed(before, after), [], f"{self.user.username} changed alpha through {name}"
            )

    def request(self, name, spec, what, url, method, headers, query, form, reason) -> None:
        client = self.case.client
        if method == "get":
            response = client.get(url, query, **headers)
        else:
            # Query parameters stay in the URL (some views read them on POST too).
            target = f"{url}?{_encode(query)}" if query else url
            response = client.post(target, {k: _fresh(v) for k, v in form.items()}, **headers)
        label = f"{self.user.username} {method.upper()} {name} {what} htmx={bool(headers)}"
        status = response.status_code
        self.case.assertLess(status, 500, label)
        if self.check_markers:
            text = body_text(response)
            # A value the request sent (the victim's order id typed into the search box) may
            # come back as it was sent: that is an echo, not a leak.
            for value in [*query.values(), *form.values()]:
                if isinstance(value, str) and MARKERS[0].lower() in value.lower():
                    for form_of in (value, escape(value), quote_plus(value), quote(value)):
                        text = text.replace(form_of, "")
            # Random tokens (the CSRF token, session and cookie keys: 32–64 letters and digits)
            # hold any four letters now and then; no marked text is that long in one run.
            text = RANDOM_TOKEN.sub("", text)
            leaked = [m for m in MARKERS if m.lower() in text.lower()]
            self.case.assertFalse(leaked, f"{label}: the response holds {leaked}: {_around(text)}")
        if method not in spec.methods:
            self.case.assertEqual(status, 405, label)
        elif reason == "path":
            self.case.assertIn(status, REFUSED, label)
        elif reason.partition(":")[2] in spec.lookups and reason.startswith(
            "form:" if method == "post" else "query:"
        ):
            self.case.assertIn(status, REFUSED | {400}, label)


def _around(text: str) -> str:
    at = text.lower().find(MARKERS[0].lower())
    return text[max(0, at - 150) : at + 150]


def _encode(query: dict[str, str]) -> str:
    q = QueryDict(mutable=True)
    q.update(query)
    return q.urlencode()


def _fresh(value):
    if isinstance(value, SimpleUploadedFile):
        value.seek(0)
    return value


class WalkTestCase(TwoShopsTestCase):
    def test_it_knows_every_url_pattern(self):
        unknown = project_url_names() - PUBLIC - set(SPECS)
        self.assertFalse(
            unknown, f"Add these URL names to tests/isolation/specs.py: {sorted(unknown)}"
        )

    def test_an_agent_of_another_shop_gets_nothing(self):
        Walk(self, self.home.agent).run()

    def test_a_lead_of_another_shop_gets_nothing(self):
        Walk(self, self.home.lead).run()

    def test_a_manager_of_another_shop_gets_nothing(self):
        Walk(self, self.home.manager).run()

    def test_a_staff_member_of_another_shop_gets_nothing(self):
        Walk(self, self.staff).run()

    def test_a_lead_elsewhere_has_no_lead_powers_where_they_are_an_agent(self):
        # An agent of alpha reads alpha's reviews by right (so no marker check), but none of
        # a lead's actions may reach alpha.
        lead_only = {name for name, spec in SPECS.items() if spec.roles == {"lead"}}
        Walk(self, self.mixed, check_markers=False).run(lead_only)


@contextmanager
def recording_reads():
    """The names every view reads from request.GET and request.POST while inside."""
    seen: set[str] = set()

    class Recording(QueryDict):
        def __getitem__(self, key):
            seen.add(key)
            return super().__getitem__(key)

        def getlist(self, key, default=None):
            seen.add(key)
            return super().getlist(key, default)

        def __contains__(self, key):
            seen.add(key)
            return super().__contains__(key)

    original_get = WSGIRequest.__dict__["GET"]
    original_post = WSGIRequest.__dict__["POST"]

    def wrapped(original, attr):
        def read(request):
            if attr not in request.__dict__:
                recording = Recording("", mutable=True)
                for key, values in original.__get__(request, WSGIRequest).lists():
                    recording.setlist(key, values)
                recording._mutable = False
                request.__dict__[attr] = recording
            return request.__dict__[attr]

        return property(read)

    with (
        mock.patch.object(WSGIRequest, "GET", wrapped(original_get, "_recording_get")),
        mock.patch.object(WSGIRequest, "POST", wrapped(original_post, "_recording_post")),
    ):
        yield seen


class SpecsTestCase(TwoShopsTestCase):
    def test_each_spec_lists_every_parameter_its_view_reads(self):
        people = {"agent": self.home.agent, "lead": self.home.lead, "manager": self.home.manager}
        own = values_of(self.home)
        for name, spec in SPECS.items():
            self.client.force_login(people[sorted(spec.roles)[0]])
            url = reverse(name, kwargs={k: fill(v, own) for k, v in spec.path.items()})
            # Every key the request offers, so a view's probe of any of them is seen.
            query = {k: fill(v, own) for k, v in spec.query.items()}
            with recording_reads() as seen:
                for headers in ({}, HTMX):
                    form = {k: fill(v, own) for k, v in spec.form.items()}
                    self.client.get(url, query, **headers)
                    self.client.post(f"{url}?{_encode(query)}", form, **headers)
            # "file-clear" is the file widget's own checkbox, read with the file.
            unlisted = seen - set(spec.query) - set(spec.form) - {"csrfmiddlewaretoken"}
            if "file" in spec.form:
                unlisted.discard("file-clear")
            self.assertFalse(unlisted, f"{name} reads {sorted(unlisted)}: add them to its spec")

    def test_the_victims_own_people_see_their_own_data(self):
        # The walks' marker check would pass on a blank page: here the same requests show
        # the markers to alpha's own people, so the walks check something real.
        own = values_of(self.victim)
        for role, user in (("agent", self.victim.agent), ("lead", self.victim.lead)):
            self.client.force_login(user)
            url = reverse("review_detail", args=[own["review"]])
            self.assertContains(self.client.get(url), "QZMK", msg_prefix=role)
        self.client.force_login(self.victim.manager)
        self.assertContains(self.client.get(reverse("audit_log")), "qzmk")
        self.assertContains(self.client.get(reverse("shop_webhook", args=["alpha"])), "QZMK")

    def test_it_gives_each_role_only_its_pages(self):
        own = values_of(self.victim)
        people = {"agent": self.victim.agent, "lead": self.victim.lead}
        people["manager"] = self.victim.manager
        for name, spec in SPECS.items():
            url = reverse(name, kwargs={k: fill(v, own) for k, v in spec.path.items()})
            for role, user in people.items():
                self.client.force_login(user)
                status = self.client.get(url).status_code
                if role in spec.roles:
                    self.assertIn(status, (200, 302, 405), f"{role} GET {name}")
                    continue
                post = self.client.post(url).status_code
                statuses = {status, post}
                # Refused (403/404) by the method the view accepts; 405 for the other one.
                self.assertTrue(statuses <= REFUSED, f"{role} {name}: GET {status}, POST {post}")
                self.assertTrue(statuses & {403, 404}, f"{role} {name}: GET {status}, POST {post}")

    def test_it_asks_anonymous_users_to_log_in_everywhere(self):
        own = values_of(self.victim)
        for name, spec in SPECS.items():
            url = reverse(name, kwargs={k: fill(v, own) for k, v in spec.path.items()})
            for method in ("get", "post"):
                response = getattr(self.client, method)(url)
                if method in spec.methods:
                    self.assertEqual(response.status_code, 302, name)
                    self.assertTrue(response["Location"].startswith(reverse("login")), name)
                else:
                    self.assertIn(response.status_code, (302, 405), name)
