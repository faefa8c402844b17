"""Attention: what the open pages poll (the JSON endpoint), the navigation's due count (a
lead's includes the shop's unassigned items and off-duty agents' items), the page wiring
(no inline script), and the lead's switch for assignment on arrival."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outreach.models import CareCall, Channel, Kind, PlannedContact, PlanState, Playbook
from reviews.models import Buyer, Membership, Order

from ..base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=SH)
URL = "/attention/"


@time_machine.travel(NOW, tick=False)
class AttentionTestCase(BaseTestCase):
    def due(self, review, assigned_to=None, state=PlanState.DUE, **fields):
        return PlannedContact.objects.create(
            shop=review.shop,
            review=review,
            buyer=review.buyer,
            kind=Kind.FIRST_CALL,
            channel=Channel.PHONE,
            due_at=NOW - timedelta(minutes=1),
            fired_at=NOW - timedelta(minutes=1),
            state=state,
            assigned_to=assigned_to,
            **fields,
        )

    def poll(self, user):
        self.login(user)
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Cache-Control"], "no-store")
        return response.json()

    def test_it_tells_an_agent_of_her_due_items_with_a_link_to_each_review(self):
        review = self.make_review(self.shop, assigned_to=self.agent, text="电话13812345678联系我")
        item = self.due(review, assigned_to=self.agent)
        self.due(self.make_review(self.shop), assigned_to=self.lead)  # someone else's
        self.make_review(self.shop, assigned_to=self.agent)  # planned, not due
        answer = self.poll(self.agent)
        self.assertEqual(answer["due"], 1)
        [sent] = answer["items"]
        self.assertEqual(sent["id"], item.id)
        self.assertEqual(sent["url"], f"/reviews/{review.pk}/")
        self.assertEqual(sent["what"], "首次致电")
        self.assertNotIn("13812345678", sent["text"])  # masked, as on every page

    def test_a_lead_is_told_of_the_shops_unassigned_items_and_those_of_agents_off_duty(self):
        unassigned = self.due(self.make_review(self.shop))
        away = self.due(self.make_review(self.shop, assigned_to=self.agent), self.agent)
        self.due(self.make_review(self.other_shop))  # another shop's: never
        self.assertEqual(self.poll(self.lead)["due"], 1)
        Membership.objects.filter(user=self.agent).update(on_duty=False)
        answer = self.poll(self.lead)
        self.assertEqual(answer["due"], 2)
        self.assertEqual({i["id"] for i in answer["items"]}, {unassigned.id, away.id})
        # The agent still sees her own; the outsider sees none of alpha's.
        self.assertEqual(self.poll(self.agent)["due"], 1)
        self.assertEqual(self.poll(self.outsider)["due"], 0)

    def test_the_navigation_badge_counts_the_same_items(self):
        self.due(self.make_review(self.shop))
        self.due(self.make_review(self.shop), state=PlanState.MISSED)
        self.login(self.lead)
        self.assertContains(self.client.get(reverse("due_count")), ">2</span>")
        self.login(self.agent)
        self.assertNotContains(self.client.get(reverse("due_count")), "pill")

    def test_the_queue_fingerprint_changes_when_a_review_is_given_to_the_agent(self):
        before = self.poll(self.agent)["queue"]
        self.assertEqual(self.poll(self.agent)["queue"], before)  # nothing happened
        self.make_review(self.shop, assigned_to=self.agent)
        self.assertNotEqual(self.poll(self.agent)["queue"], before)

    def test_a_poll_costs_the_same_however_much_is_due(self):
        self.login(self.lead)

        def queries():
            with CaptureQueriesContext(connection) as ctx:
                self.client.get(URL)
            return len(ctx)

        self.due(self.make_review(self.shop))
        one = queries()
        for _ in range(5):
            self.due(self.make_review(self.shop, assigned_to=self.lead), self.lead)
        self.assertEqual(queries(), one)
        # session, user, count, items, care calls' count, by-hand count, SMS answers' count,
        # fingerprint (the items of the last three only when there are some)
        self.assertLessEqual(one, 8)

    def test_a_logged_out_page_is_sent_to_log_in_and_stops(self):
        # attention.js fetches with redirect "manual": this redirect stops it.
        response = self.client.get(URL)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("login")))
        self.login(self.agent)
        self.assertEqual(self.client.post(URL).status_code, 405)

    @override_settings(LANGUAGE_CODE="en")
    def test_pages_of_agents_and_leads_carry_the_poller_without_inline_script(self):
        self.login(self.agent)
        page = self.client.get(reverse("queue")).content.decode()
        self.assertIn("js/attention.js", page)
        self.assertIn('data-attention-url="/attention/"', page)
        self.assertIn('data-poll-visible="15"', page)
        self.assertIn('data-poll-hidden="60"', page)
        self.assertIn("Turn on alerts", page)
        self.assertIn("data-attention-enable hidden", page)  # shown by the script, if useful
        self.assertNotRegex(page, r"<script(?![^>]*\bsrc=)[^>]*>")
        self.login(self.manager)
        self.assertNotIn("attention.js", self.client.get(reverse("reports")).content.decode())


class AssignOnArrivalSwitchTestCase(BaseTestCase):
    def test_a_lead_turns_assignment_on_arrival_off_on_the_playbook_page(self):
        url = reverse("playbook") + "?shop=alpha"
        self.login(self.lead)
        page = self.client.get(url)
        self.assertContains(page, 'type="checkbox" name="assign_on_arrival"')
        form = page.context["form"]
        data = {"shop": "alpha"}
        for field in form:
            value = field.value()
            data[field.html_name] = value.strftime("%H:%M") if isinstance(value, time) else value
        self.assertTrue(data.pop("assign_on_arrival"))  # on by default; unticked is absent
        data = {k: "" if v is None else v for k, v in data.items()}
        self.client.post(url, data)
        self.assertFalse(Playbook.objects.for_shop(self.shop).assign_on_arrival)


@time_machine.travel(NOW, tick=False)
class CareCallAttentionTestCase(BaseTestCase):
    """A care call due belongs to nobody (there is no review yet): every agent on duty in the
    shop and its leads are told, and it opens the order's page."""

    def setUp(self):
        super().setUp()
        buyer = Buyer.objects.create(shop=self.shop, nick="甲", phone="13800001111")
        self.order = Order.objects.create(shop=self.shop, order_id="T9001", buyer=buyer, amount=900)
        self.call = CareCall.objects.create(
            shop=self.shop,
            order=self.order,
            due_at=NOW - timedelta(minutes=2),
            deadline_at=NOW + timedelta(minutes=58),
        )

    def test_an_agent_on_duty_is_told_with_a_link_to_the_order(self):
        self.login(self.agent)
        answer = self.client.get(URL).json()
        self.assertEqual(answer["due"], 1)
        [item] = answer["items"]
        self.assertEqual(item["id"], f"care-{self.call.pk}")
        self.assertEqual(item["url"], reverse("order_detail", args=[self.order.pk]))
        self.assertIn("T9001", item["text"])
        badge = self.client.get(reverse("due_count"))
        self.assertContains(badge, ">1<")

    def test_the_lead_is_told_and_an_agent_off_duty_is_not(self):
        self.login(self.lead)
        self.assertEqual(self.client.get(URL).json()["due"], 1)
        Membership.objects.filter(user=self.agent).update(on_duty=False)
        self.login(self.agent)
        self.assertEqual(self.client.get(URL).json()["due"], 0)

    def test_once_logged_it_is_no_longer_due_and_the_queue_changes(self):
        self.login(self.agent)
        before = self.client.get(URL).json()["queue"]
        CareCall.objects.filter(pk=self.call.pk).update(outcome="all_well", logged_at=NOW)
        after = self.client.get(URL).json()
        self.assertEqual(after["due"], 0)
        self.assertNotEqual(after["queue"], before)

    def test_another_shops_care_call_is_not_told(self):
        self.login(self.outsider)
        self.assertEqual(self.client.get(URL).json()["due"], 0)
