"""TMC's taobao_trade_TradeRated through `manage.py tmc_receive` (the relay's pipe): a
message queues an early pull of the shop it names, at once; a burst queues one; what cannot
be checked or names no shop queues nothing; the pull that runs clears the mark."""

import json
from io import StringIO
from unittest import mock

from django.core.management import call_command

from connectors import services, triggers
from connectors.models import ConnectionStatus, PlatformConnection
from reviews.models import Platform, Review, Shop

from .world import ConnectorWorld


def message(n: int = 1, *, nick: str = "alpha旗舰店", topic: str = "taobao_trade_TradeRated", **c):
    content = {"tid": 3812 + n, "oid": 38120 + n, "seller_nick": nick, "buyer_nick": "t***1"}
    content |= {"rater": "buyer"} | c
    return {
        "id": 9000 + n,
        "topic": topic,
        "user_id": 2200,
        "user_nick": nick,
        "pub_app_key": "12497914",
        "pub_time": "2026-12-04 10:00:00",
        "content": json.dumps(content, ensure_ascii=False),
    }


class TmcTestCase(ConnectorWorld):
    def setUp(self) -> None:
        super().setUp()
        PlatformConnection.objects.filter(id=self.connection.id).update(seller_nick="alpha旗舰店")
        patcher = mock.patch.object(triggers.current_app, "send_task")
        self.sent = patcher.start()
        self.addCleanup(patcher.stop)

    def receive(self, *messages) -> tuple[str, str]:
        lines = "".join(
            (m if isinstance(m, str) else json.dumps(m, ensure_ascii=False)) + "\n"
            for m in messages
        )
        out, err = StringIO(), StringIO()
        with self.captureOnCommitCallbacks(execute=True):
            call_command("tmc_receive", stdin=StringIO(lines), stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    def queued(self) -> list[int]:
        return [c.kwargs["args"][0] for c in self.sent.call_args_list]

    def test_a_new_rating_queues_a_pull_of_that_shop_at_once(self):
        out, _err = self.receive(message())
        self.assertEqual(self.queued(), [self.connection.id])
        self.assertEqual(self.sent.call_args.args[0], services.PULL_TASK)
        self.assertIn("9001: queued alpha", out)

    def test_a_burst_of_a_hundred_messages_queues_one_pull(self):
        out, err = self.receive(*(message(n) for n in range(100)))
        self.assertEqual(self.queued(), [self.connection.id])
        self.assertIn("already-queued 99", out)
        self.assertEqual(err.count("already-queued alpha"), 99)

    def test_the_pull_clears_the_mark_so_the_next_rating_queues_the_next_pull(self):
        self.receive(message(1))
        self.rates(2)
        run = services.connection_pull(connection_id=self.connection.id)
        self.assertEqual((run.outcome, Review.objects.count()), ("ok", 2))
        self.receive(message(2))
        self.assertEqual(self.queued(), [self.connection.id, self.connection.id])

    def test_a_mark_left_by_a_lost_task_expires_after_the_lease(self):
        self.receive(message(1))
        stale = PlatformConnection.objects.get(id=self.connection.id).pull_wanted_at
        PlatformConnection.objects.filter(id=self.connection.id).update(
            pull_wanted_at=stale - triggers.EARLY_PULL_LEASE
        )
        self.receive(message(2))
        self.assertEqual(len(self.queued()), 2)

    def test_what_cannot_be_checked_or_names_no_shop_queues_nothing(self):
        other = Shop.objects.create(name="Charlie 店", slug="charlie", platform=Platform.JD)
        self.connect(other, session="sess-c", seller_nick="charlie京东店")
        forged = message(3)
        forged["content"] = json.dumps({"tid": 1, "seller_nick": "别的店"})
        _out, err = self.receive(
            message(1, topic="taobao_trade_TradeSuccess"),
            message(2, nick="没接入的店"),
            message(4, nick="charlie京东店"),  # a JD shop: TOP's messages never name it
            forged,
            message(5, rater="seller"),
            {**message(6), "content": "{not json"},
            "[1, 2]",
            "not json at all",
        )
        self.assertEqual(self.queued(), [])
        for expected in (
            "9001: ignored topic taobao_trade_TradeSuccess",
            "9002: unknown-shop",
            "9004: unknown-shop",
            "9003: malformed",
            "9005: ignored",
            "9006: malformed content is not JSON",
            "7: malformed",
            "8: malformed",
        ):
            self.assertIn(expected, err)
        self.assertIsNone(PlatformConnection.objects.get(id=self.connection.id).pull_wanted_at)

    def test_a_switched_off_or_expired_shop_is_not_pulled_early(self):
        PlatformConnection.objects.filter(id=self.connection.id).update(enabled=False)
        self.receive(message(1))
        PlatformConnection.objects.filter(id=self.connection.id).update(
            enabled=True, status=ConnectionStatus.EXPIRED
        )
        self.receive(message(2))
        self.assertEqual(self.queued(), [])
