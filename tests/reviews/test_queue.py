from datetime import timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from outreach.models import CareCall
from reviews.models import Buyer, Order, Rating, Severity, Status

from ..base import BaseTestCase


class QueueTestCase(BaseTestCase):
    def setUp(self):
        self.login(self.agent)

    def get(self, **params):
        return self.client.get(reverse("queue"), params)

    def ids(self, response):
        return [r.pk for r in response.context["reviews"]]

    def test_it_orders_serious_first_then_larger_orders_then_oldest(self):
        now = timezone.now()
        small_old = self.make_review(
            self.shop,
            assigned_to=self.agent,
            amount=Decimal("10"),
            reviewed_at=now - timedelta(days=2),
        )
        small_new = self.make_review(
            self.shop,
            assigned_to=self.agent,
            amount=Decimal("10"),
            reviewed_at=now - timedelta(days=1),
        )
        big = self.make_review(self.shop, assigned_to=self.agent, amount=Decimal("900"))
        serious = self.make_review(
            self.shop, assigned_to=self.agent, severity=Severity.SERIOUS, amount=Decimal("5")
        )
        no_amount = self.make_review(self.shop, assigned_to=self.agent, amount=None)
        self.assertEqual(
            self.ids(self.get()), [serious.pk, big.pk, small_old.pk, small_new.pk, no_amount.pk]
        )

    def test_it_pages_with_a_keyset_cursor_without_gaps_or_repeats(self):
        made = [
            self.make_review(self.shop, assigned_to=self.agent, amount=Decimal(i % 7))
            for i in range(60)
        ]
        seen, params, pages = [], {}, 0
        while True:
            response = self.get(**params)
            seen += self.ids(response)
            pages += 1
            cursor = response.context["next_cursor"]
            if not cursor:
                break
            params = {"after": cursor}
        self.assertEqual(pages, 3)
        self.assertEqual(len(seen), 60)
        self.assertEqual(set(seen), {r.pk for r in made})

    def test_it_runs_a_fixed_number_of_queries_whatever_the_page_holds(self):
        self.make_review(self.shop, assigned_to=self.agent)
        # 6: the session, the user, the user's memberships with their shops (the view's shops
        # and the navigation's roles), the page's sort keys, its rows, every lane's count and
        # whether a care call is due in one statement.
        with self.assertNumQueries(6) as one:
            self.get()
        for _ in range(30):
            self.make_review(self.shop, assigned_to=self.agent, nick="same-buyer")
        with self.assertNumQueries(len(one.captured_queries)):
            response = self.get()
        self.assertEqual(len(response.context["reviews"]), 25)

    def test_it_reads_the_care_calls_only_when_one_is_due(self):
        self.make_review(self.shop, assigned_to=self.agent)
        now = timezone.now()
        buyer = Buyer.objects.create(shop=self.shop, nick="买家甲", phone="13800001111")
        order = Order.objects.create(
            shop=self.shop, order_id="care-1", buyer=buyer, amount=Decimal("899")
        )
        call = CareCall.objects.create(
            shop=self.shop,
            order=order,
            due_at=now + timedelta(minutes=30),
            deadline_at=now + timedelta(minutes=90),
        )
        with self.assertNumQueries(6):
            response = self.get()
        self.assertNotContains(response, 'id="care-calls"')
        CareCall.objects.filter(pk=call.pk).update(due_at=now - timedelta(minutes=1))
        with self.assertNumQueries(7):  # and its list, with the order and the buyer
            response = self.get()
        self.assertContains(response, 'id="care-calls"')
        self.assertContains(response, "care-1")
        self.assertContains(response, "买家甲")
        # Due, but the buyer asked not to be contacted: looked for, not shown.
        Buyer.objects.filter(pk=buyer.pk).update(do_not_contact_at=now)
        self.assertNotContains(self.get(), 'id="care-calls"')
        # Another shop's due call is not this agent's business, and costs no query.
        CareCall.objects.filter(pk=call.pk).update(shop=self.other_shop)
        with self.assertNumQueries(6):
            self.get()

    def test_it_counts_every_lane_in_one_go(self):
        self.make_review(self.shop, assigned_to=self.agent)
        self.make_review(self.shop, assigned_to=self.agent, needs_triage=True)
        self.make_review(self.shop, assigned_to=None)
        self.make_review(self.shop, assigned_to=self.agent, status=Status.REVISED)
        self.make_review(self.other_shop, assigned_to=None)  # another shop: never counted
        counts = self.get().context["counts"]
        self.assertEqual(counts, {"mine": 2, "triage": 1, "unassigned": 1, "done": 1})

    def test_it_filters_by_lane_cause_severity_and_buyer_group(self):
        neutral = self.make_review(
            self.shop,
            assigned_to=self.agent,
            rating=Rating.NEUTRAL,
            cause="logistics",
            subcause="courier_speed",
        )
        agreed = self.make_review(
            self.shop, assigned_to=self.agent, status=Status.AGREED, severity=Severity.SERIOUS
        )
        triage = self.make_review(self.shop, assigned_to=None, needs_triage=True)
        self.assertEqual(self.ids(self.get(group="neutral")), [neutral.pk])
        self.assertEqual(self.ids(self.get(group="agreed")), [agreed.pk])
        self.assertEqual(self.ids(self.get(cause="logistics")), [neutral.pk])
        self.assertEqual(self.ids(self.get(subcause="courier_speed")), [neutral.pk])
        self.assertEqual(self.ids(self.get(severity="serious")), [agreed.pk])
        self.assertEqual(self.ids(self.get(lane="triage")), [triage.pk])
        self.assertEqual(self.ids(self.get(lane="unassigned")), [triage.pk])

    def test_it_searches_nick_order_id_and_review_words(self):
        a = self.make_review(
            self.shop, assigned_to=self.agent, nick="快乐的土豆", text="快递太慢了"
        )
        b = self.make_review(
            self.shop, assigned_to=self.agent, order_id="5566778899", text="颜色不对"
        )
        self.assertEqual(self.ids(self.get(q="土豆")), [a.pk])
        self.assertEqual(self.ids(self.get(q="5566778899")), [b.pk])
        self.assertEqual(self.ids(self.get(q="颜色")), [b.pk])

    def test_it_ignores_unknown_filter_values_instead_of_failing(self):
        mine = self.make_review(self.shop, assigned_to=self.agent)
        response = self.get(cause="nonsense", lane="everything", after="%%%garbage")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.ids(response), [mine.pk])

    def test_it_shows_group_and_repeat_complainant_badges(self):
        first = self.make_review(
            self.shop,
            assigned_to=self.agent,
            nick="老顾客",
            reviewed_at=timezone.now() - timedelta(days=40),
        )
        self.make_review(
            self.shop, buyer=first.buyer, assigned_to=self.agent, rating=Rating.NEUTRAL
        )
        response = self.get()
        self.assertContains(response, "中评买家")
        self.assertContains(response, "差评买家")
        self.assertContains(response, 'class="badge repeat"', count=1)  # only the later review

    def test_it_swaps_only_the_results_for_htmx(self):
        self.make_review(self.shop, assigned_to=self.agent, text="漏发了一件")
        response = self.client.get(
            reverse("queue"),
            {"lane": "mine"},
            headers={"HX-Request": "true", "HX-Target": "queue-results"},
        )
        body = response.content.decode()
        self.assertTrue(body.strip().startswith('<div id="queue-results">'))
        self.assertNotIn("<html", body)
        self.assertIn("漏发了一件", body)

    def test_it_keeps_filters_in_the_links(self):
        for _ in range(26):
            self.make_review(self.shop, assigned_to=self.agent, severity=Severity.SERIOUS)
        response = self.get(severity="serious")
        self.assertContains(response, "severity=serious&amp;after=")

    def test_the_filters_show_the_chosen_values_selected(self):
        response = self.get(cause="logistics", severity="serious", group="negative")
        body = response.content.decode()
        self.assertIn('<option value="logistics" selected>物流</option>', body)
        self.assertIn('<option value="serious" selected>严重</option>', body)
        self.assertIn('<option value="negative" selected>差评买家</option>', body)
        self.assertIn('<option value="minor" >', body)  # the others as the template wrote them
        self.assertEqual(body.count(" selected>"), 3)

    def test_the_filter_options_follow_the_language_of_each_request(self):
        chinese = self.get(severity="serious").content.decode()
        self.assertIn('<option value="serious" selected>严重</option>', chinese)
        english = self.client.get(
            reverse("queue"), {"status": "new"}, headers={"accept-language": "en"}
        ).content.decode()
        self.assertIn('<option value="serious" >Serious</option>', english)
        self.assertIn('<option value="new" selected>New</option>', english)
        self.assertNotIn("严重", english)
        self.assertIn('<option value="serious" >严重</option>', self.get().content.decode())

    def test_it_shows_each_buyers_nick_once_read_with_the_page(self):
        review = self.make_review(self.shop, assigned_to=self.agent, nick="<b>小王</b>")
        response = self.get()
        self.assertContains(response, "&lt;b&gt;小王&lt;/b&gt;")
        self.assertNotContains(response, "<b>小王</b>")
        [shown] = response.context["reviews"]
        self.assertEqual((shown.pk, shown.shop, shown.buyer), (review.pk, self.shop, review.buyer))


class QueueDueOrderTestCase(BaseTestCase):
    def test_it_puts_overdue_first_then_due_soonest(self):
        from outreach.models import PlannedContact

        now = timezone.now()
        self.login(self.agent)
        serious_nothing_due = self.make_review(
            self.shop, assigned_to=self.agent, severity=Severity.SERIOUS
        )
        later = self.make_review(self.shop, assigned_to=self.agent)
        overdue = self.make_review(self.shop, assigned_to=self.agent)
        soon = self.make_review(self.shop, assigned_to=self.agent)
        for review, due, state in (
            (later, now + timedelta(hours=5), "planned"),
            (overdue, now - timedelta(minutes=20), "due"),
            (soon, now + timedelta(minutes=10), "planned"),
        ):
            PlannedContact.objects.create(
                shop=self.shop,
                review=review,
                buyer=review.buyer,
                kind="revise_followup",
                channel="phone",
                due_at=due,
                state=state,
                fired_at=now if state == "due" else None,
                assigned_to=self.agent,
            )
        response = self.client.get(reverse("queue"))
        self.assertEqual(
            [r.pk for r in response.context["reviews"]],
            [overdue.pk, soon.pk, later.pk, serious_nothing_due.pk],
        )
        self.assertContains(response, "已逾期", count=1)

    def test_it_filters_by_the_channel_of_what_is_planned(self):
        from outreach.models import PlannedContact

        self.login(self.agent)
        by_sms = self.make_review(self.shop, assigned_to=self.agent)
        self.make_review(self.shop, assigned_to=self.agent)
        PlannedContact.objects.create(
            shop=self.shop,
            review=by_sms,
            buyer=by_sms.buyer,
            kind="reminder_sms",
            channel="sms",
            due_at=timezone.now(),
        )
        response = self.client.get(reverse("queue"), {"channel": "sms"})
        self.assertEqual([r.pk for r in response.context["reviews"]], [by_sms.pk])
