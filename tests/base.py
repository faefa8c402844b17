"""Named personas every test can rely on (after healthchecks' hc/test.py)."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

from django.contrib.auth.models import User
from django.test import TestCase
from django.utils import timezone

from reviews.models import Buyer, Membership, Platform, Rating, Review, Role, Shop

PASSWORD = "password-for-tests"
_seq = count(1)


class BaseTestCase(TestCase):
    """Shop "alpha" with an agent (alice), a lead (larry) and a manager (mona); shop "bravo"
    with its own people, among them the outsider (oscar), who must never see alpha's data."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.shop = Shop.objects.create(name="Alpha 旗舰店", slug="alpha", platform=Platform.TAOBAO)
        cls.other_shop = Shop.objects.create(
            name="Bravo 专营店", slug="bravo", platform=Platform.JD
        )
        cls.agent = cls.make_user("alice", cls.shop, Role.AGENT)
        cls.lead = cls.make_user("larry", cls.shop, Role.LEAD)
        cls.manager = cls.make_user("mona", cls.shop, Role.MANAGER)
        cls.outsider = cls.make_user("oscar", cls.other_shop, Role.AGENT)
        for role in (Role.LEAD, Role.MANAGER):
            cls.make_user(f"bravo-{role}", cls.other_shop, role)

    @staticmethod
    def make_user(username: str, shop: Shop, role: str) -> User:
        user = User.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, shop=shop, role=role)
        return user

    @staticmethod
    def make_review(shop: Shop, **fields) -> Review:
        n = next(_seq)
        buyer = (
            fields.pop("buyer", None)
            or Buyer.objects.get_or_create(
                shop=shop, nick=fields.pop("nick", f"buyer{n}"), defaults={"phone": "13812345678"}
            )[0]
        )
        defaults = {
            "external_key": f"r{n}",
            "order_id": f"2024{n:08d}",
            "product_name": "纯棉T恤",
            "amount": Decimal("99.00"),
            "rating": Rating.NEGATIVE,
            "text": "质量太差了，洗了一次就破了",
            "reviewed_at": timezone.now() - timedelta(hours=2),
        }
        defaults.update(fields)
        return Review.objects.create(shop=shop, buyer=buyer, **defaults)

    def login(self, user: User) -> None:
        self.client.force_login(user)
