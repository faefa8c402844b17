"""Numbers and dates in query strings and forms that str.isdigit() or date.fromisoformat()
accept but int(), the database or date arithmetic do not: "²" (a digit int() refuses),
5,000 digits (past Python's conversion limit), ids past the column, 1e400 yuan, the first
and last days of the calendar. Each is refused or ignored with the page, never a 500."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from outreach.models import Channel, ContactAttempt, Kind, PlannedContact, PlanState
from reviews.models import Status
from tests.base import BaseTestCase

EN = {"Accept-Language": "en"}
HUGE = "9" * 5000


class NumbersTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(self.shop, assigned_to=self.agent)

    def contact(self, **fields):
        self.login(self.agent)
        data = {"channel": "phone", "outcome": "reached", "resolution": ""} | fields
        return self.client.post(reverse("review_contact", args=[self.review.pk]), data)

    def test_a_contact_with_a_version_int_refuses_is_logged(self):
        for version in ("²", HUGE):
            self.assertEqual(self.contact(version=version).status_code, 302, version)

    def test_a_contact_with_a_percent_int_refuses_logs_no_percent(self):
        self.contact(resolution="partial_refund", refund_percent="²")
        self.assertIsNone(ContactAttempt.objects.get(review=self.review).refund_percent)

    def test_a_compensation_past_what_the_column_holds_is_not_stored(self):
        for amount in ("1e400", "99999999999999", "-1e400"):
            response = self.contact(resolution="red_packet", compensation_amount=amount)
            self.assertEqual(response.status_code, 302, amount)
        amounts = ContactAttempt.objects.filter(review=self.review)
        self.assertEqual(list(amounts.values_list("compensation_amount", flat=True)), [None] * 3)

    def test_closing_with_a_version_int_refuses_closes(self):
        self.login(self.agent)
        response = self.client.post(
            reverse("review_close", args=[self.review.pk]),
            {"reason": "other", "note": "买家已退货", "version": HUGE},
        )
        self.assertEqual(response.status_code, 302)
        self.review.refresh_from_db()
        self.assertEqual(self.review.status, Status.CLOSED)

    def test_another_wording_with_a_variant_int_refuses_is_the_first(self):
        self.login(self.agent)
        url = reverse("review_reply_suggest", args=[self.review.pk])
        for variant in ("²", HUGE):
            self.assertEqual(self.client.get(url, {"variant": variant}).status_code, 200)

    def test_the_board_refuses_a_person_or_review_int_refuses(self):
        self.login(self.lead)
        planned = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.REVISE_FOLLOWUP,
            channel=Channel.PHONE,
            due_at=timezone.now() - timedelta(minutes=30),
            fired_at=timezone.now() - timedelta(minutes=30),
            state=PlanState.MISSED,
            assigned_to=self.agent,
        )
        for value in ("²", HUGE, str(2**64)):
            posts = {
                "board_assign": {"agent": value, "review": self.review.pk},
                "board_reassign": {"absent": value},
                "board_reassign_followup": {"planned": planned.pk, "agent": value},
            }
            for name, data in posts.items():
                response = self.client.post(reverse(name), {"shop": "alpha", **data})
                self.assertEqual(response.status_code, 404, f"{name} {value}")
            response = self.client.post(
                reverse("board_assign"),
                {"shop": "alpha", "agent": self.agent.pk, "review": value},
                headers=EN,
                follow=True,
            )
            self.assertContains(response, "Tick the reviews to assign first.")

    def test_the_audit_log_says_which_person_or_day_it_did_not_filter_by(self):
        self.login(self.manager)
        url = reverse("audit_log")
        response = self.client.get(url, {"user": "²"}, headers=EN)
        self.assertContains(response, "Unknown person “²”: not filtered.")
        for day in ("9999-12-31", "0001-01-01"):
            response = self.client.get(url, {"to": day}, headers=EN)
            self.assertContains(response, f"“{day}” is outside the years 1970 to 2999")

    def test_the_reports_ignore_a_preset_agent_or_day_they_cannot_use(self):
        self.login(self.manager)
        cases = [
            ("reports", {"preset": "²"}),
            ("reports", {"from": "0001-01-01", "to": "0001-01-02"}),
            ("reports", {"from": "9999-12-30", "to": "9999-12-31"}),
            ("reports_reviews", {"preset": HUGE}),
            ("reports_reviews", {"agent": "²"}),
            ("reports_reviews", {"to": "9999-12-31"}),
            ("reports_reviews", {"from": "0001-01-01", "to": "0001-01-02"}),
        ]
        for name, params in cases:
            self.assertEqual(self.client.get(reverse(name), params).status_code, 200, params)

    def test_a_nan_compensation_is_not_stored(self):
        for amount in ("NaN", "sNaN", "¥-nan"):
            response = self.contact(resolution="red_packet", compensation_amount=amount)
            self.assertEqual(response.status_code, 302, amount)
        self.assertFalse(ContactAttempt.objects.exclude(compensation_amount=None).exists())
