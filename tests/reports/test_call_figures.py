"""Real call figures from masked calling's records: calls placed, answered (with its base) and
talk time per agent, on the reports page and in its export."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import translation

from calls.models import CallMode, CallRecord, MaskedCall
from reviews.models import Role
from tests.base import BaseTestCase

SH = ZoneInfo("Asia/Shanghai")
RANGE = {"from": "2026-03-01", "to": "2026-03-31", "grain": "day"}


class CallFiguresTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        review = cls.make_review(cls.shop)
        cls.bob = cls.make_user("bob", cls.shop, Role.AGENT)
        at = datetime(2026, 3, 10, 10, 0, tzinfo=SH)
        calls = {}
        for agent in (cls.agent, cls.bob):
            calls[agent] = MaskedCall.objects.create(
                shop=cls.shop,
                review=review,
                buyer=review.buyer,
                agent=agent,
                mode=CallMode.AXB,
                subs_id=f"s{agent.pk}",
                expires_at=at,
                created_at=at,
            )
        # alice: 3 calls, 2 answered (90 s and 150 s), one of them on the range's last evening
        # (in Shanghai: still March 31); bob: 1 unanswered. One call outside the range, one not
        # yet ended, one connected by nobody (unconnected cause 1: blacklist) with seconds.
        rows = [
            (cls.agent, at, 90, 0, True),
            (cls.agent, datetime(2026, 3, 31, 23, 30, tzinfo=SH), 150, 0, True),
            (cls.agent, at, 0, 0, True),
            (cls.agent, at, 20, 1, True),
            (cls.bob, at, 0, 0, True),
            (cls.bob, datetime(2026, 4, 1, 0, 30, tzinfo=SH), 60, 0, True),
            (cls.bob, at, None, None, False),
        ]
        for n, (agent, when, talk, cause, ended) in enumerate(rows):
            CallRecord.objects.create(
                call_id=f"c{n}",
                shop=cls.shop,
                masked_call=calls[agent],
                review=review,
                agent=agent,
                call_time=when,
                start_time=when,
                release_time=when + timedelta(seconds=talk or 0),
                talk_seconds=talk,
                unconnected_cause=cause,
                released_at=when if ended else None,
            )

    def setUp(self):
        self.login(self.manager)

    def get(self, **params):
        return self.client.get(reverse("reports"), {**RANGE, **params})

    def test_it_counts_calls_placed_answered_and_talk_time_per_agent(self):
        with translation.override("zh-hans"):
            ALL_AGENTS = translation.gettext("All agents")  # noqa: N806
        table = self.get().context["tables"]["calls_agents"]
        self.assertEqual(
            table.rows,
            [
                ["alice", 4, 2, 0.5, 4.0, 2.0],
                ["bob", 1, 0, 0.0, 0.0, None],
                [ALL_AGENTS, 5, 2, 0.4, 4.0, 2.0],
            ],
        )

    def test_it_exports_the_call_figures(self):
        response = self.get(export="csv", table="calls_agents")
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(len(rows), 4)
        self.assertEqual(rows[1][:4], ["alice", "4", "2", "0.5"])

    def test_the_table_shows_only_where_calls_were_made(self):
        self.assertContains(self.get(), 'id="table-calls_agents"')
        self.assertNotContains(
            self.get(**{"from": "2025-01-01", "to": "2025-01-31"}), 'id="table-calls_agents"'
        )
