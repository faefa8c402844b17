"""The queue's rows are kept rendered (outreach.queue_rows): a page shown again must still show
what is true now — a review changed behind the ORM's back, a due time that has passed, another
language."""

from datetime import timedelta

import time_machine
from django.urls import reverse
from django.utils import timezone

from outreach.models import PlannedContact
from reviews.models import Buyer, Review, Severity, Status

from ..base import BaseTestCase


class QueueRowsTestCase(BaseTestCase):
    def setUp(self):
        self.login(self.agent)
        self.review = self.make_review(self.shop, assigned_to=self.agent, nick="小李")

    def row(self, **headers) -> str:
        response = self.client.get(reverse("queue"), headers=headers)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        start = html.index(f'<tr data-href="{reverse("review_detail", args=[self.review.pk])}"')
        return html[start : html.index("</tr>", start)]

    def test_a_row_shows_what_changed_even_when_nothing_announced_it(self):
        before = self.row()
        self.assertIn("小李", before)
        self.assertIn("sev-minor", before)
        # Bulk updates send no signal: nothing could have told a cache to forget the row.
        Review.objects.filter(pk=self.review.pk).update(
            severity=Severity.SERIOUS, status=Status.CONTACTING, needs_triage=True
        )
        Buyer.objects.filter(pk=self.review.buyer_id).update(nick="")
        after = self.row()
        self.assertIn("sev-serious", after)
        self.assertIn("严重", after)
        self.assertIn("badge triage", after)
        self.assertNotIn("小李", after)
        self.assertIn('class="row-link">—</a>', after)
        self.assertEqual(self.row(), after)

    def test_a_due_time_that_passes_turns_the_same_row_overdue(self):
        now = timezone.now()
        PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind="revise_followup",
            channel="phone",
            due_at=now + timedelta(minutes=10),
            state="planned",
            assigned_to=self.agent,
        )
        self.assertNotIn("已逾期", self.row())
        with time_machine.travel(now + timedelta(minutes=20)):
            self.assertIn("已逾期", self.row())

    def test_each_language_gets_its_rows_in_that_language(self):
        Review.objects.filter(pk=self.review.pk).update(severity=Severity.SERIOUS)
        self.assertIn("严重", self.row(accept_language="zh-hans"))
        english = self.row(accept_language="en")
        self.assertIn(">Serious<", english)
        self.assertNotIn("严重", english)
        self.assertIn("严重", self.row(accept_language="zh-hans"))
