"""The board's unassigned rows are kept rendered (outreach.board_rows) and its labels come from
maps translated once per language (reviews.choices): the board must still show what is true
now — a review changed behind the ORM's back, another language — and say what Django's
get_FOO_display() says."""

from django.urls import reverse
from django.utils import translation

from outreach.models import ContactAttempt, PlannedContact
from reviews.choices import choice_label
from reviews.models import Buyer, Review, Severity, SubCause

from ..base import BaseTestCase


class BoardRowsTestCase(BaseTestCase):
    def setUp(self):
        self.login(self.lead)
        self.review = self.make_review(
            self.shop,
            assigned_to=None,
            nick="小李",
            severity=Severity.MINOR,
            subcause=SubCause.UNCLEAR,
            text="快递太慢了，打我电话13812345678问问",
        )

    def row(self, **headers) -> str:
        response = self.client.get(reverse("board"), headers=headers)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        start = html.rindex("<tr>", 0, html.index(f'name="review" value="{self.review.pk}"'))
        return html[start : html.index("</tr>", start)]

    def test_a_row_shows_what_changed_even_when_nothing_announced_it(self):
        before = self.row()
        self.assertIn("小李", before)
        self.assertIn("sev-minor", before)
        self.assertIn(reverse("review_detail", args=[self.review.pk]), before)
        self.assertNotIn("13812345678", before)  # masked in lists
        Review.objects.filter(pk=self.review.pk).update(
            severity=Severity.SERIOUS, subcause=SubCause.COURIER_SPEED, text="假货"
        )
        Buyer.objects.filter(pk=self.review.buyer_id).update(nick="")
        after = self.row()
        self.assertIn("sev-serious", after)
        self.assertIn(choice_label(Review(severity=Severity.SERIOUS), "severity"), after)
        self.assertIn("严重", after)
        self.assertIn("假货", after)
        self.assertNotIn("小李", after)
        self.assertIn(">—</a>", after)
        self.assertEqual(self.row(), after)

    def test_each_language_gets_its_rows_in_that_language(self):
        Review.objects.filter(pk=self.review.pk).update(severity=Severity.SERIOUS)
        chinese = self.row(accept_language="zh-hans")
        self.assertIn("严重", chinese)
        self.assertIn('aria-label="选择"', chinese)
        english = self.row(accept_language="en")
        self.assertNotIn("严重", english)
        self.assertIn("Serious", english)
        self.assertIn('aria-label="Select"', english)  # rendered in the row's kept HTML
        self.assertIn("严重", self.row(accept_language="zh-hans"))


class ChoiceLabelTestCase(BaseTestCase):
    def test_it_says_what_get_display_says_in_each_language_and_for_unknown_values(self):
        cases = [(Review, "subcause", SubCause.values), (Review, "severity", Severity.values)]
        cases += [
            (PlannedContact, "kind", PlannedContact._meta.get_field("kind").choices),
            (PlannedContact, "channel", PlannedContact._meta.get_field("channel").choices),
            (ContactAttempt, "resolution", ContactAttempt._meta.get_field("resolution").choices),
        ]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                for model, field, choices in cases:
                    values = [c[0] if isinstance(c, tuple) else c for c in choices]
                    for value in [*values, "no-such-value", ""]:
                        obj = model(**{field: value})
                        display = getattr(obj, f"get_{field}_display")()
                        self.assertEqual(choice_label(obj, field), display, (language, value))
        with translation.override("zh-hans"):
            self.assertEqual(choice_label(Review(severity="serious"), "severity"), "严重")
        with translation.override("en"):
            self.assertEqual(choice_label(Review(severity="serious"), "severity"), "Serious")
