"""What the connector tests share: a fake gateway served for a test (`serve`), a shop
connected to a fake (`connected`), a pull (`pull`), items spread over the last hours
(`spread`), a client whose worker dies mid-pull (`crashing_after`), and ConnectorWorld, a
connected shop and rates on the fake TOP gateway."""

from datetime import timedelta

from django.utils import timezone

from connectors import services
from connectors.models import PlatformConnection
from reviews.models import Shop

from ..base import BaseTestCase
from .fake_top import FakeTop, rate


def serve(test, fake, **connectors):
    """Run `fake` for the test and point CONNECTORS at it (`connectors` overriding more)."""
    fake.__enter__()
    test.addCleanup(fake.__exit__, None, None, None)
    overridden = fake.settings(**connectors)
    overridden.enable()
    test.addCleanup(overridden.disable)
    return fake


def pull(connection):
    return services.connection_pull(connection_id=connection.id)


def crashing_after(client: type, pages: int):
    """A `client` whose worker dies once it has read `pages` pages with reviews."""
    read = []

    class Crashing(client):
        def page(self, stream, window):
            if len(read) == pages:
                raise RuntimeError(f"worker killed after page {pages}")
            page = super().page(stream, window)
            if page.items:
                read.append(window.page_no)
            return page

    return Crashing


def connected(shop: Shop, fake, session_key: str, **fields) -> PlatformConnection:
    """`shop` connected, on its platform, with `fake`'s app key and secret."""
    return PlatformConnection.objects.create(
        shop=shop,
        platform=shop.platform,
        app_key=fake.app_key,
        app_secret=fake.secret,
        session_key=session_key,
        **fields,
    )


def spread(make, count: int, *, start: int = 1000, hours: float = 60, **fields) -> list[dict]:
    """`count` items `make(id, created=…, **fields)` with ids from `start`, spread over the
    last `hours` hours, newest first."""
    now = timezone.now()
    return [
        make(start + n, created=now - timedelta(hours=hours) * (n + 1) / (count + 1), **fields)
        for n in range(count)
    ]


class ConnectorWorld(BaseTestCase):
    """Shop alpha (Taobao) connected to a fake TOP gateway that runs for each test."""

    def setUp(self) -> None:
        # Every page stored on its own, so the checkpoint moves page by page.
        self.top = serve(self, FakeTop(), PAGE_SIZE=40, ITEMS_PER_COMMIT=1)
        self.connection = self.connect(self.shop)

    def connect(self, shop: Shop, session: str = "sess-alpha", **fields) -> PlatformConnection:
        self.top.sessions.add(session)
        return connected(shop, self.top, session, **fields)

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
