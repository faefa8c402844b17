"""Keyset cursors: what the URL carries back is never trusted."""

from datetime import UTC, datetime

from django.test import SimpleTestCase

from reviews import cursors


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
