"""The agreed follow-up time on the review page: the live preview of what was understood, and
a save that uses exactly the minute shown."""

from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine
from django.urls import reverse

from outreach.models import ContactAttempt, Kind, PlannedContact
from reviews.models import Buyer

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
LA = ZoneInfo("America/Los_Angeles")
HTMX = {"HX-Request": "true", "HX-Target": "review-work"}
# Wednesday 2026-12-02, 10:00 in Shanghai.
WED_10 = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


@time_machine.travel(WED_10, tick=False)
class AgreedTimePreviewTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 12, 2, 8, 0, tzinfo=SH)
        )
        self.login(self.agent)

    def preview(self, phrase, review=None):
        url = reverse("review_agreed_preview", args=[(review or self.review).pk])
        return self.client.get(url, {"agreed_at": phrase}, headers={"HX-Request": "true"})

    def test_it_shows_the_date_weekday_minute_and_zone_understood(self):
        response = self.preview("明天 15:00")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="agreed-preview"')
        self.assertNotContains(response, "<html")
        self.assertContains(response, "= 12月3日 周四 15:00（店铺时间，Asia/Shanghai）")
        # The minute shown travels with the form, tied to the phrase it was shown for.
        self.assertContains(response, 'name="agreed_shown" value="2026-12-03T15:00:00+08:00"')
        self.assertContains(response, 'name="agreed_shown_for" value="明天 15:00"')

    def test_it_names_the_year_when_the_minute_is_in_another_one(self):
        response = self.preview("2027-01-04 09:30")
        self.assertContains(response, "= 2027年1月4日 周一 09:30")

    def test_the_pickers_value_is_understood_as_that_minute(self):
        response = self.preview("2026-12-03T15:00")
        self.assertContains(response, "= 12月3日 周四 15:00")

    def test_it_reads_the_phrase_in_the_buyers_own_zone_and_says_so(self):
        buyer = Buyer.objects.create(
            shop=self.shop, nick="la-buyer", timezone="America/Los_Angeles"
        )
        review = self.make_review(self.shop, buyer=buyer, assigned_to=self.agent)
        response = self.preview("明天 15:00", review=review)
        # 10:00 Wednesday in Shanghai is 18:00 Tuesday in Los Angeles: 明天 is Wednesday there.
        self.assertContains(response, "= 12月2日 周三 15:00（买家当地时间，America/Los_Angeles）")
        self.assertContains(response, 'value="2026-12-02T15:00:00-08:00"')

    def test_a_refused_phrase_shows_the_hint_and_no_minute(self):
        response = self.preview("明天下午")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "今晚 20:15")  # the hint names an exact clock time
        self.assertNotContains(response, "agreed_shown")
        self.assertNotContains(response, "= ")

    def test_an_empty_box_shows_nothing(self):
        response = self.preview("  ")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "今晚 20:15")
        self.assertNotContains(response, "agreed_shown")

    @time_machine.travel(datetime(2026, 12, 2, 7, 0, tzinfo=SH), tick=False)
    def test_an_ambiguous_hour_offers_one_button_per_reading_with_an_exact_value(self):
        response = self.preview("8:15")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "agreed_shown")
        self.assertContains(response, 'data-agreed-fill="2026-12-02 08:15">今天 08:15</button>')
        self.assertContains(response, 'data-agreed-fill="2026-12-02 20:15">今天 20:15</button>')

    def test_another_shops_review_is_not_found(self):
        self.login(self.outsider)
        self.assertEqual(self.preview("明天 15:00").status_code, 404)

    def test_it_needs_a_login(self):
        self.client.logout()
        response = self.preview("明天 15:00")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login/", response["Location"])

    def test_the_review_page_has_the_box_the_picker_and_the_preview(self):
        response = self.client.get(reverse("review_detail", args=[self.review.pk]))
        preview_url = reverse("review_agreed_preview", args=[self.review.pk])
        self.assertContains(response, f'hx-get="{preview_url}"')
        self.assertContains(response, 'type="datetime-local"')
        self.assertContains(response, 'id="agreed-preview"')


@time_machine.travel(WED_10, tick=False)
class AgreedTimeSaveTestCase(BaseTestCase):
    def setUp(self):
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 12, 2, 8, 0, tzinfo=SH)
        )
        self.login(self.agent)

    def agree(self, review=None, **data):
        review = review or self.review
        data = {"version": review.version, "channel": "phone", "outcome": "agreed", **data}
        return self.client.post(reverse("review_contact", args=[review.pk]), data, headers=HTMX)

    def followup(self, review=None) -> PlannedContact:
        return PlannedContact.objects.get(review=review or self.review, kind=Kind.REVISE_FOLLOWUP)

    def test_it_confirms_the_minute_it_saved_on_the_page_and_the_timeline(self):
        response = self.agree(agreed_at="明天 15:00")
        self.assertEqual(response.status_code, 200)
        self.assertContains(
            response,
            "已保存，下一步已安排。跟进时间：12月3日 周四 15:00（店铺时间，Asia/Shanghai）",
        )
        self.assertEqual(self.followup().due_at, datetime(2026, 12, 3, 15, 0, tzinfo=SH))
        self.assertContains(response, "12-03 15:00")  # the timeline's "planned for" line

    def test_it_saves_the_minute_shown_even_when_the_phrase_now_means_another_day(self):
        # Shown just before midnight: 明天上午 10:00 was Thursday; saved a minute later, it
        # would be read as Friday. The agent read Thursday back to the buyer.
        with time_machine.travel(datetime(2026, 12, 2, 23, 59, 30, tzinfo=SH), tick=False):
            shown = self.client.get(
                reverse("review_agreed_preview", args=[self.review.pk]),
                {"agreed_at": "明天上午 10:00"},
            )
        self.assertContains(shown, 'value="2026-12-03T10:00:00+08:00"')
        with time_machine.travel(datetime(2026, 12, 3, 0, 0, 30, tzinfo=SH), tick=False):
            response = self.agree(
                agreed_at="明天上午 10:00",
                agreed_shown="2026-12-03T10:00:00+08:00",
                agreed_shown_for="明天上午 10:00",
            )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.followup().due_at, datetime(2026, 12, 3, 10, 0, tzinfo=SH))

    def test_a_minute_shown_for_another_phrase_is_ignored(self):
        # Typed on after the preview answered: the phrase in the box is what counts.
        response = self.agree(
            agreed_at="明天 16:30",
            agreed_shown="2026-12-03T15:00:00+08:00",
            agreed_shown_for="明天 15:00",
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.followup().due_at, datetime(2026, 12, 3, 16, 30, tzinfo=SH))

    def test_a_shown_minute_that_has_passed_or_is_junk_is_not_used(self):
        for shown in ("2026-12-01T15:00:00+08:00", "2026-12-03T15:00", "soon", "9999-99-99"):
            with self.subTest(shown=shown):
                response = self.agree(
                    agreed_at="明天下午", agreed_shown=shown, agreed_shown_for="明天下午"
                )
                self.assertEqual(response.status_code, 400)
                self.assertFalse(ContactAttempt.objects.exists())

    def test_it_reads_and_saves_in_the_buyers_own_zone(self):
        buyer = Buyer.objects.create(
            shop=self.shop, nick="la-buyer", phone="13812345678", timezone="America/Los_Angeles"
        )
        review = self.make_review(self.shop, buyer=buyer, assigned_to=self.agent)
        response = self.agree(review=review, agreed_at="明天 15:00")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "12月2日 周三 15:00（买家当地时间，America/Los_Angeles）")
        self.assertEqual(self.followup(review).due_at, datetime(2026, 12, 2, 15, 0, tzinfo=LA))

    def test_a_refused_phrase_answers_400_with_the_hint_under_the_box_and_saves_nothing(self):
        response = self.agree(agreed_at="明天下午")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="明天下午"', status_code=400)
        preview = response.content.decode().split('id="agreed-preview"', 1)[1].split("</div>")[0]
        self.assertIn("今晚 20:15", preview)
        self.assertFalse(ContactAttempt.objects.exists())
        self.assertFalse(PlannedContact.objects.filter(kind=Kind.REVISE_FOLLOWUP).exists())

    @time_machine.travel(datetime(2026, 12, 2, 7, 0, tzinfo=SH), tick=False)
    def test_an_ambiguous_hour_answers_400_with_the_buttons_and_saves_nothing(self):
        response = self.agree(agreed_at="8:15")
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'data-agreed-fill="2026-12-02 20:15"', status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())

    def test_a_time_in_the_buyers_quiet_hours_is_refused_and_the_phrase_stays_in_the_box(self):
        response = self.agree(agreed_at="今晚 22:00")  # quiet hours start at 21:30
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "免打扰", status_code=400)
        self.assertContains(response, 'value="今晚 22:00"', status_code=400)
        self.assertContains(response, "= 12月2日 周三 22:00", status_code=400)
        self.assertFalse(ContactAttempt.objects.exists())
