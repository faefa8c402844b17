"""A connected shop and rates on the fake TOP gateway, shared by the connector tests."""

from datetime import timedelta

from django.utils import timezone

from connectors.models import PlatformConnection
from reviews.models import Shop

from ..base import BaseTestCase
from .fake_top import FakeTop, rate


class ConnectorWorld(BaseTestCase):
    """Shop alpha (Taobao) connected to a fake TOP gateway that runs for each test."""

    def setUp(self) -> None:
        self.top = FakeTop()
        self.top.__enter__()
        self.addCleanup(self.top.__exit__, None, None, None)
        # Every page stored on its own, so the checkpoint moves page by page.
        overridden = self.top.settings(PAGE_SIZE=40, ITEMS_PER_COMMIT=1)
        overridden.enable()
        self.addCleanup(overridden.disable)
        self.connection = self.connect(self.shop)

    def connect(self, shop: Shop, session: str = "sess-alpha", **fields) -> PlatformConnection:
        self.top.sessions.add(session)
        return PlatformConnection.objects.create(
            shop=shop,
            platform=shop.platform,
            app_key=self.top.app_key,
            app_secret=self.top.secret,
            session_key=session,
            **fields,
        )

    def rates(self, count: int, *, start: int = 1000, result: str = "bad", hours: float = 60):
        """`count` rates spread over the last `hours` hours, oids from `start` (×10)."""
        now = timezone.now()
        made = [
            rate(
                (start + n) * 10 + 1,
                result=result,
                created=now - timedelta(hours=hours) * (n + 1) / (count + 1),
            )
            for n in range(count)
        ]
        self.top.add(*made)
        return made
