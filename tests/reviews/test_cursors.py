"""Keyset cursors: what the URL carries back is never trusted."""

from datetime import UTC, datetime

from django.test import SimpleTestCase
from django.urls import reverse

from reviews import cursors

from ..base import BaseTestCase


class CursorTestCase(SimpleTestCase):
    def test_a_cursor_round_trips(self):
        moment = datetime(2026, 3, 1, 10, 0, 0, 123456, tzinfo=UTC)
        self.assertEqual(cursors.decode_moment(cursors.encode_moment(moment, 42)), (moment, 42))
        self.assertEqual(cursors.decode(cursors.encode([1, "a", None]), 3), [1, "a", None])

    def test_anything_else_is_no_cursor(self):
        forged = [
            "",
            "not base64 at all!",
            cursors.encode([1, 2, 3]),  # the wrong length
            cursors.encode({"a": 1}),  # not a list
            cursors.encode(["yesterday", 1]),  # not a moment
            cursors.encode(["2026-03-01T10:00:00+00:00", "x"]),  # not an id
        ]
        for cursor in forged:
            self.assertIsNone(cursors.decode_moment(cursor), cursor)


def _raw(text: str) -> str:
    """A cursor holding `text` as its JSON, as a forger would write it."""
    import base64

    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


HOSTILE = [
    _raw('["2026-03-01T10:00:00+00:00", 1e400]'),  # an infinite float
    _raw('["2026-03-01T10:00:00+00:00", NaN]'),
    _raw('["2026-03-01T10:00:00+00:00", -1]'),
    _raw('["2026-03-01T10:00:00+00:00", 99999999999999999999999999999]'),
    _raw('["2026-03-01T10:00:00+00:00", 1.5]'),
    _raw('["2026-03-01T10:00:00+00:00", true]'),
    _raw('["2026-03-01T10:00:00", 5]'),  # no time zone
    _raw('["0001-01-01T00:00:00+23:59", 5]'),
    _raw("[1e400, 5]"),
    _raw("[" * 5000),
    "%%%not-base64%%%",
    "a",
]


class HostileCursorPagesTestCase(BaseTestCase):
    """Every page with a cursor answers junk with 400 and a message, never a 500."""

    def test_the_audit_page_and_the_report_drill_down_refuse_a_forged_cursor(self):
        from reviews.services import audit_record

        audit_record(actor=self.agent, action="phone_revealed", shop=self.shop, target="t")
        self.make_review(self.shop)
        self.login(self.manager)
        for name in ("audit_log", "reports_reviews"):
            for cursor in HOSTILE:
                response = self.client.get(reverse(name), {"after": cursor})
                self.assertEqual(response.status_code, 400, (name, cursor))
                self.assertContains(response, str(cursors.BROKEN), status_code=400, msg_prefix=name)
            self.assertEqual(self.client.get(reverse(name)).status_code, 200)
            # A far offset PostgreSQL would refuse is a moment all the same: read in UTC.
            far = _raw('["9999-12-31T23:59:59+23:59", 5]')
            self.assertEqual(self.client.get(reverse(name), {"after": far}).status_code, 200)

    def test_the_cursor_decoder_refuses_them_too(self):
        for cursor in HOSTILE:
            self.assertIsNone(cursors.decode_moment(cursor), cursor)
