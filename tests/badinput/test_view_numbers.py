"""Numbers and dates in query strings and forms that str.isdigit() or date.fromisoformat()
accept but int(), the database or date arithmetic do not: "²" (a digit int() refuses),
5,000 digits (past Python's conversion limit), ids past the column, 1e400 yuan, the first
and last days of the calendar. Each is refused with a message or ignored with the page, never a 500."""

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
        url = reverse("review_contact", args=[self.review.pk])
        return self.client.post(url, data, headers=EN)

    BAD_AMOUNT = (
        "The refund is a whole percentage from 1 to 100, and the compensation an amount in "
        "yuan from 0.01 to 99,999,999.99."
    )
    STALE = "Someone else updated this review a moment ago."

    def test_a_contact_with_a_version_int_refuses_is_a_stale_form_and_logs_nothing(self):
        for version in ("²", HUGE):
            response = self.contact(version=version)
            self.assertContains(response, self.STALE, status_code=409)
        self.assertFalse(ContactAttempt.objects.filter(review=self.review).exists())

    def test_a_contact_with_a_percent_int_refuses_is_refused_with_a_message(self):
        for percent in ("²", HUGE):
            response = self.contact(resolution="partial_refund", refund_percent=percent)
            self.assertContains(response, self.BAD_AMOUNT, status_code=400)
        self.assertFalse(ContactAttempt.objects.filter(review=self.review).exists())

    def test_a_compensation_past_what_the_column_holds_is_refused_with_a_message(self):
        for amount in ("1e400", "99999999999999", "-1e400"):
            response = self.contact(resolution="red_packet", compensation_amount=amount)
            self.assertContains(response, self.BAD_AMOUNT, status_code=400)
        self.assertFalse(ContactAttempt.objects.filter(review=self.review).exists())

    def test_closing_with_a_version_int_refuses_is_a_stale_form(self):
        self.login(self.agent)
        response = self.client.post(
            reverse("review_close", args=[self.review.pk]),
            {"reason": "other", "note": "买家已退货", "version": HUGE},
            headers=EN,
        )
        self.assertContains(response, self.STALE, status_code=409)
        self.review.refresh_from_db()
        self.assertNotEqual(self.review.status, Status.CLOSED)

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

    def test_a_nan_compensation_is_refused_with_a_message(self):
        for amount in ("NaN", "sNaN", "¥-nan"):
            response = self.contact(resolution="red_packet", compensation_amount=amount)
            self.assertContains(response, self.BAD_AMOUNT, status_code=400)
        self.assertFalse(ContactAttempt.objects.filter(review=self.review).exists())
