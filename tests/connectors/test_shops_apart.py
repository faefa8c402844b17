"""One shop's slow platform answers never delay another shop's pull: each pull claims only
its own connection, and two run side by side on their own database connections (issue 19)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection as db
from django.utils import timezone

from connectors import services
from connectors.models import PlatformConnection, PullCursor
from reviews.models import Platform, Review, Shop

from .fake_top import FakeTop, rate

pytestmark = pytest.mark.django_db(transaction=True)


def connect(slug: str, oid: int, top: FakeTop) -> PlatformConnection:
    """A shop read up to an hour ago (one window slice left), and a new 差评."""
    now = timezone.now()
    shop = Shop.objects.create(name=slug, slug=slug, platform=Platform.TAOBAO)
    top.add(rate(oid, created=now - timedelta(minutes=20)))
    connection = PlatformConnection.objects.create(
        shop=shop,
        platform=Platform.TAOBAO,
        app_key=top.app_key,
        app_secret=top.secret,
        session_key=f"sess-{slug}",
    )
    top.sessions.add(connection.session_key)
    for stream in ("bad", "neutral"):
        PullCursor.objects.create(
            connection=connection, stream=stream, synced_until=now - timedelta(hours=1)
        )
    return connection


def test_a_slow_shop_does_not_hold_up_a_quick_one():
    with FakeTop() as top, top.settings(TIMEOUT=5):
        slow, quick = connect("slow", 101, top), connect("quick", 201, top)
        answer = top.answer

        def slowly(params):  # every call with the slow shop's session answers after 1.5 s
            if params.get("session") == slow.session_key:
                time.sleep(1.5)
            return answer(params)

        top.answer = slowly
        outcomes: dict[str, tuple[str, float]] = {}

        def pull(conn: PlatformConnection) -> None:
            try:
                run = services.connection_pull(connection_id=conn.id)
                outcomes[conn.shop.slug] = (run.outcome, time.monotonic())
            finally:
                db.close()

        started = time.monotonic()
        threads = [threading.Thread(target=pull, args=(c,)) for c in (slow, quick)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert {slug: outcome for slug, (outcome, _at) in outcomes.items()} == {
        "slow": "ok",
        "quick": "ok",
    }
    assert outcomes["slow"][1] - started >= 3  # two calls of 1.5 s at least
    assert outcomes["quick"][1] < outcomes["slow"][1] - 1.5  # not waiting for them
    # The fake serves its rates to every session: each shop stored both, once.
    assert Review.objects.filter(shop__slug="quick").count() == 2
    assert Review.objects.filter(shop__slug="slow").count() == 2
