"""The set-up the follow-up tests against real processes share (tests/outreach and
tests/faults): one shop, an agent, and a negative review of a buyer with a phone."""

from datetime import time as clock
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from outreach.models import Channel, Kind, PlannedContact, Playbook
from reviews.models import Buyer, Platform, Rating, Review, Shop


class FollowupSceneMixin:
    def setUp(self):
        super().setUp()
        self.shop = Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)
        # Whatever the hour the suite runs at: no quiet hours for this shop (they have their
        # own unit tests), so nothing here is moved to tomorrow morning.
        Playbook.objects.create(
            shop=self.shop,
            quiet_start=clock(0),
            quiet_end=clock(0),
            work_start=clock(0),
            work_end=clock(0),
        )
        self.agent = User.objects.create_user("alice")
        self.buyer = Buyer.objects.create(shop=self.shop, nick="buyer", phone="13812345678")
        self.review = Review.objects.create(
            shop=self.shop,
            buyer=self.buyer,
            external_key="r1",
            rating=Rating.NEGATIVE,
            reviewed_at=timezone.now() - timedelta(hours=1),
            assigned_to=self.agent,
        )

    def plan(
        self, n: int, due_in: float, kind=Kind.REVISE_FOLLOWUP, channel=Channel.IM
    ) -> list[PlannedContact]:
        """`n` planned contacts on the review, due in `due_in` seconds."""
        due = timezone.now() + timedelta(seconds=due_in)
        return PlannedContact.objects.bulk_create(
            PlannedContact(
                shop=self.shop,
                review=self.review,
                buyer=self.buyer,
                kind=kind,
                channel=channel,
                due_at=due,
                assigned_to=self.agent,
                body="您好，提醒一下" if kind != Kind.REVISE_FOLLOWUP else "",
            )
            for _ in range(n)
        )
