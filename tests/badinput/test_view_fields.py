"""Every view's parameters against hostile values, sent by a person whose role may use the
view: text, huge numbers, NaN, inf, 1e400, negatives, Unicode digits, NULs, empty, very
long strings, JSON and list shapes, the same key sent several times, hostile paging cursors.
Whatever arrives, no 500 — a refusal or the page with its message.

What each view reads comes from tests/isolation/specs.py (whose walk fails when a view reads
a parameter its entry does not list), so a new parameter is fuzzed without touching this file.
"""

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from reviews import cursors
from tests.isolation.specs import SPECS
from tests.isolation.test_walk import HTMX, _encode, fill, values_of
from tests.isolation.world import TwoShopsTestCase

HOSTILE = [
    "", " ", "abc", "NaN", "nan", "-nan", "sNaN", "inf", "-inf", "Infinity", "1e400", "-1e400",
    "1e-400", "-1", "0", "-0", "1.5", "0x10", "99999999999999999999999", str(2**63), str(2**31),
    "１２", "²", "٣", "\x00", "a\x00b", "null", "None", "true", "[]", "{}", '{"a": 1}',
    "'; DROP TABLE reviews_review; --", "<script>alert(1)</script>", "𠜎𠜎", "💩" * 10,
    "a" * 10_000, "评" * 3000, "\u202e", "\r\n", "%00", "¥NaN", "¥-5", "25:99", "2026-02-30",
    "9999-12-31", "0000-00-00", "-5 days", "../../etc/passwd",
]  # fmt: skip
# Paging cursors: well-formed base64 of JSON that holds hostile values.
CURSORS = [
    cursors.encode(values)
    for values in (
        ["2026-01-01T00:00:00+00:00", 1e400],
        ["9999-12-31T23:59:59+00:00", 2**70],
        ["not a date", 1],
        [None, None],
        [1, 2, 3, 4, 5],
        ["2026-01-01T00:00:00+00:00", 0, "NaN", "2026-01-01T00:00:00+00:00", 1],
        ["2026-01-01T00:00:00+00:00", 0, "1e400", "x", 1e400],
        [{"a": 1}, []],
    )
] + ["!!!", "=" * 10, "WzFd"]

scalars = st.one_of(
    st.sampled_from(HOSTILE + CURSORS),
    st.text(max_size=50),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# A list is the same key sent several times.
values = st.one_of(scalars, st.lists(scalars, min_size=2, max_size=3))


class ViewFieldsTestCase(TwoShopsTestCase, HypothesisTestCase):
    def person_for(self, spec):
        people = {"agent": self.victim.agent, "lead": self.victim.lead}
        people["manager"] = self.victim.manager
        return people[sorted(spec.roles)[0]]

    def fuzz(self, name: str, data) -> None:
        spec = SPECS[name]
        own = values_of(self.victim)
        self.client.force_login(self.person_for(spec))
        kwargs = {k: fill(v, own) for k, v in spec.path.items()}
        if "pk" in kwargs and data.draw(st.booleans()):
            kwargs["pk"] = str(data.draw(st.sampled_from([0, 2**31, 2**63, 10**30])))
        url = reverse(name, kwargs=kwargs)

        def draw_fields(fields):
            drawn = {}
            for field, template in fields.items():
                # Mostly hostile; now and then the realistic value, so the view gets further.
                own_value = data.draw(st.integers(0, 3)) == 0
                drawn[field] = fill(template, own) if own_value else data.draw(values)
            return drawn

        query, form = draw_fields(spec.query), draw_fields(spec.form)
        headers = HTMX if data.draw(st.booleans()) else {}
        method = data.draw(st.sampled_from(sorted(spec.methods)))
        if method == "get":
            response = self.client.get(url, query, **headers)
        else:
            target = f"{url}?{_encode(query)}" if query else url
            response = self.client.post(target, form, **headers)
        self.assertLess(
            response.status_code,
            500,
            f"{method.upper()} {name} query={query!r:.300} form={form!r:.300}",
        )


def _fuzz_test(name: str):
    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def test(self, data):
        self.fuzz(name, data)

    test.__name__ = f"test_{name}_answers_hostile_values_without_a_500"
    return test


for _name in SPECS:
    setattr(
        ViewFieldsTestCase, f"test_{_name}_answers_hostile_values_without_a_500", _fuzz_test(_name)
    )


# The sharpest values, each tried in every field of every view (the rest realistic): random
# draws alone rarely hit one of them in a given field.
SHARP = [
    "abc", "²", "NaN", "1e400", "-1", "99999999999999999999", "9" * 5000, "0001-01-01",
    "9999-12-31", "", ["1", "abc"],
]  # fmt: skip


class SharpValuesTestCase(TwoShopsTestCase):
    def sweep(self, names) -> None:
        own = values_of(self.victim)
        people = {"agent": self.victim.agent, "lead": self.victim.lead}
        people["manager"] = self.victim.manager
        failures = []
        # Collect every 500 (the handler's page) rather than stop at the first exception.
        self.client.raise_request_exception = False
        for name in names:
            spec = SPECS[name]
            self.client.force_login(people[sorted(spec.roles)[0]])
            url = reverse(name, kwargs={k: fill(v, own) for k, v in spec.path.items()})
            for method in sorted(spec.methods):
                fields = spec.query if method == "get" else spec.form
                for field in fields:
                    if field.startswith("template_"):
                        continue  # the playbook's free texts: plain form fields, fuzzed above
                    for value in SHARP:
                        own = values_of(self.victim)  # the review's version moves on
                        query = {k: fill(v, own) for k, v in spec.query.items()}
                        form = {k: fill(v, own) for k, v in spec.form.items()}
                        (query if method == "get" else form)[field] = value
                        if method == "get":
                            response = self.client.get(url, query)
                        else:
                            response = self.client.post(f"{url}?{_encode(query)}", form)
                        if response.status_code >= 500:
                            failures.append(f"{method.upper()} {name} {field}={value!r:.40}")
        self.assertFalse(failures, "\n".join(failures))

    def test_every_field_answers_the_sharpest_values_without_a_500(self):
        self.sweep(SPECS)
