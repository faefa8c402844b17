from django.urls import reverse

from reviews.assignment import StaleReview, review_assign, reviews_auto_assign
from reviews.models import AuditLog, Membership, ReviewEvent, Role, Severity, Status

from ..base import BaseTestCase


class BoardTestCase(BaseTestCase):
    def setUp(self):
        self.bob = self.make_user("bob", self.shop, Role.AGENT)
        self.login(self.lead)

    def test_it_shows_unassigned_and_workload(self):
        self.make_review(
            self.shop, assigned_to=None, severity=Severity.SERIOUS, text="假货！我要投诉"
        )
        self.make_review(self.shop, assigned_to=self.agent)
        self.make_review(self.other_shop, assigned_to=None, text="别的店的评价")
        response = self.client.get(reverse("board"))
        self.assertContains(response, "假货！我要投诉")
        self.assertNotContains(response, "别的店的评价")
        self.assertEqual(response.context["tiles"]["unassigned"], 1)
        self.assertEqual(response.context["tiles"]["serious_unassigned"], 1)
        loads = {row["user__username"]: row["open"] for row in response.context["workload"]}
        self.assertEqual(loads, {"alice": 1, "bob": 0})

    def test_it_bulk_assigns_and_records_each_on_the_timeline(self):
        reviews = [self.make_review(self.shop, assigned_to=None) for _ in range(3)]
        response = self.client.post(
            reverse("board_assign"),
            {"shop": "alpha", "agent": self.bob.pk, "review": [r.pk for r in reviews]},
        )
        self.assertRedirects(response, reverse("board") + "?shop=alpha")
        for review in reviews:
            review.refresh_from_db()
            self.assertEqual(review.assigned_to, self.bob)
            event = ReviewEvent.objects.get(review=review, kind="assigned")
            self.assertEqual(event.actor, self.lead)
        self.assertEqual(AuditLog.objects.filter(action="review_assigned").count(), 3)

    def test_it_cannot_assign_another_shops_reviews_or_to_another_shops_agent(self):
        foreign = self.make_review(self.other_shop, assigned_to=None)
        self.client.post(
            reverse("board_assign"), {"shop": "alpha", "agent": self.bob.pk, "review": [foreign.pk]}
        )
        foreign.refresh_from_db()
        self.assertIsNone(foreign.assigned_to)
        mine = self.make_review(self.shop, assigned_to=None)
        response = self.client.post(
            reverse("board_assign"),
            {"shop": "alpha", "agent": self.outsider.pk, "review": [mine.pk]},
        )
        self.assertEqual(response.status_code, 404)
        response = self.client.post(
            reverse("board_assign"), {"shop": "bravo", "agent": self.bob.pk, "review": [mine.pk]}
        )
        self.assertEqual(response.status_code, 404)

    def test_it_auto_assigns_least_loaded_within_capacity(self):
        Membership.objects.filter(user=self.agent).update(capacity=3)
        Membership.objects.filter(user=self.bob).update(capacity=2)
        self.make_review(self.shop, assigned_to=self.agent)
        for _ in range(6):
            self.make_review(self.shop, assigned_to=None)
        n = reviews_auto_assign(shop=self.shop, by=self.lead)
        self.assertEqual(n, 4)  # alice has room for 2 more, bob for 2; two stay unassigned
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.agent).count(), 3)
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=None).count(), 2)

    def test_it_skips_agents_off_duty_and_takes_turns_in_round_robin(self):
        carol = self.make_user("carol", self.shop, Role.AGENT)
        Membership.objects.filter(user=carol).update(on_duty=False)
        for _ in range(4):
            self.make_review(self.shop, assigned_to=None)
        self.client.post(reverse("board_auto_assign"), {"shop": "alpha", "strategy": "round_robin"})
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.agent).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 2)
        self.assertEqual(self.shop.reviews.filter(assigned_to=carol).count(), 0)

    def test_it_reassigns_an_absent_agents_open_work_in_one_action(self):
        for _ in range(3):
            self.make_review(self.shop, assigned_to=self.agent)
        done = self.make_review(self.shop, assigned_to=self.agent, status=Status.REVISED)
        self.client.post(reverse("board_reassign"), {"shop": "alpha", "absent": self.agent.pk})
        self.assertEqual(self.shop.reviews.filter(assigned_to=self.bob).count(), 3)
        done.refresh_from_db()
        self.assertEqual(done.assigned_to, self.agent)  # finished work keeps its history
        self.assertFalse(Membership.objects.get(user=self.agent, shop=self.shop).on_duty)

    def test_exactly_one_of_two_concurrent_assignments_wins(self):
        review = self.make_review(self.shop, assigned_to=None)
        seen_version = review.version
        review_assign(
            review=review, assignee=self.agent, by=self.lead, expected_version=seen_version
        )
        with self.assertRaises(StaleReview):
            review_assign(
                review=review, assignee=self.bob, by=self.lead, expected_version=seen_version
            )
        review.refresh_from_db()
        self.assertEqual(review.assigned_to, self.agent)

    def test_it_is_for_leads_only(self):
        self.login(self.agent)
        self.assertEqual(self.client.get(reverse("board")).status_code, 403)
        self.assertEqual(
            self.client.post(reverse("board_auto_assign"), {"shop": "alpha"}).status_code, 403
        )
