"""Numbers typed or forged into forms and links: text that is not the number asked for
answers 400 with a message, never a 500, and changes nothing."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse
from django.utils.translation import gettext

from outreach.models import ContactAttempt, PlannedContact
from reviews.models import AuditLog, Membership, Role

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}
# Looks like a number to str.isdigit() or to Decimal(), and is not the number asked for.
LOOKALIKES = ["abc", "²", "١٢", "1e400", "NaN", "-1", "0x10", "9" * 40, " ", "1.5"]


@time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=SH), tick=False)
class HostileNumbersTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 11, 20, 8, 0, tzinfo=SH)
        )

    def contact(self, **data):
        data = {"version": self.review.version, "channel": "phone", "outcome": "solved", **data}
        return self.client.post(
            reverse("review_contact", args=[self.review.pk]), data, headers=HTMX
        )

    def test_a_compensation_or_refund_that_is_not_an_amount_is_refused_with_a_message(self):
        self.login(self.agent)
        for field, values in (
            ("compensation_amount", ["NaN", "sNaN", "inf", "-Infinity", "-1", "0", "1e400",
                                     "abc", "¥1e9", "100000000"]),
            ("refund_percent", ["²", "0", "101", "-5", "50.5", "abc", "9" * 40]),
        ):  # fmt: skip
            for value in values:
                response = self.contact(resolution="red_packet", **{field: value})
                self.assertEqual(response.status_code, 400, (field, value))
                self.assertContains(response, "99,999,999.99", status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())
        response = self.contact(resolution="red_packet", compensation_amount="¥ 20.5")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(str(ContactAttempt.objects.get().compensation_amount), "20.50")

    def test_a_version_that_is_not_a_number_is_a_stale_form_not_a_crash(self):
        self.login(self.agent)
        for value in ("²", "9" * 40, "abc"):
            self.assertEqual(self.contact(version=value).status_code, 409, value)

    def test_the_board_refuses_a_follow_up_or_agent_that_is_not_an_id(self):
        planned = PlannedContact.objects.create(
            shop=self.shop, review=self.review, buyer=self.review.buyer, kind="follow_up",
            channel="phone", due_at=self.review.reviewed_at, assigned_to=self.agent,
        )  # fmt: skip
        self.login(self.lead)
        url = reverse("board_reassign_followup")
        for value in LOOKALIKES:
            response = self.client.post(
                url, {"shop": "alpha", "planned": value, "agent": self.agent.pk}
            )
            self.assertEqual(response.status_code, 400, value)
            self.assertContains(
                response, gettext("Choose the follow-up to give to another agent."), status_code=400
            )
        for value in LOOKALIKES:
            response = self.client.post(
                url, {"shop": "alpha", "planned": planned.pk, "agent": value}
            )
            self.assertEqual(response.status_code, 404, value)
        response = self.client.post(
            reverse("board_assign"), {"shop": "alpha", "review": ["²", "abc"], "agent": "²"}
        )
        self.assertLess(response.status_code, 500)

    def test_filters_and_choices_in_links_never_crash(self):
        Membership.objects.create(user=self.manager, shop=self.other_shop, role=Role.MANAGER)
        self.login(self.manager)
        for value in LOOKALIKES:
            self.assertEqual(
                self.client.get(reverse("audit_log"), {"user": value}).status_code, 200, value
            )
            self.assertEqual(
                self.client.get(reverse("reports"), {"preset": value}).status_code, 200, value
            )
            self.assertEqual(
                self.client.get(reverse("reports_reviews"), {"agent": value}).status_code,
                200,
                value,
            )
        self.login(self.agent)
        for value in LOOKALIKES:
            response = self.client.get(
                reverse("review_reply_suggest", args=[self.review.pk]), {"variant": value}
            )
            self.assertEqual(response.status_code, 200, value)
        self.assertFalse(AuditLog.objects.exists())


class HostileQueueCursorTestCase(BaseTestCase):
    def test_the_queue_reads_a_forged_cursor_as_no_cursor(self):
        from reviews import cursors

        self.make_review(self.shop, assigned_to=self.agent)
        self.login(self.agent)
        t = "2026-03-01T10:00:00+00:00"
        for values in (
            ["9999-12-31T23:59:59+23:59", 1, "1", t, 1],  # an offset PostgreSQL refuses
            [t, 1, "1", "0001-01-01T00:00:00+23:59", 1],
            [t, 1e308, "NaN", t, 1],
            [t, 1, "1e400", t, -1],
            [t, 1, "1", t, 10**30],
            [t, True, "x", t, "y"],
        ):
            response = self.client.get(reverse("queue"), {"after": cursors.encode(values)})
            self.assertEqual(response.status_code, 200, values)
