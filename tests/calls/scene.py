"""A shop with masked calling on: the account (pointing at the fake provider's keys), the
agent's own phone, and a review whose first call is due."""

from datetime import datetime
from zoneinfo import ZoneInfo

from calls.models import AgentPhone, CallAccount, CallMode
from outreach.models import Channel, Kind, PlannedContact, PlanState
from tests.base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=SH)  # a Friday morning: no quiet hours
AGENT_PHONE = "13700007777"
BUYER_PHONE = "13812345678"


class MaskedCallingTestCase(BaseTestCase):
    mode = CallMode.AXB

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.account = CallAccount.objects.create(
            shop=cls.shop,
            enabled=True,
            mode=cls.mode,
            access_key_id="LTAI-test",
            access_key_secret="secret-test",
            pool_key="FC100000123",
            numbers="17100001111",
        )
        AgentPhone.objects.create(user=cls.agent, phone=AGENT_PHONE)
        AgentPhone.objects.create(user=cls.lead, phone="13700008888")

    def setUp(self) -> None:
        self.review = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=datetime(2026, 11, 20, 8, 0, tzinfo=SH)
        )
        self.planned = PlannedContact.objects.create(
            shop=self.shop,
            review=self.review,
            buyer=self.review.buyer,
            kind=Kind.FIRST_CALL,
            channel=Channel.PHONE,
            due_at=NOW,
            state=PlanState.DUE,
            fired_at=NOW,
            assigned_to=self.agent,
        )

    @property
    def records_url(self) -> str:
        return f"/calls/aliyun/{self.shop.slug}/{self.account.callback_token}/"
