"""The database connection dropped in the middle of a request: another
session terminates the request's backend (pg_terminate_backend) just before one of its
writes — every write in turn — and the request must answer with a clear, translated page that
needs no database, and leave nothing half-written."""

import contextlib
import json
from datetime import timedelta
from unittest import skipUnless

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client, TransactionTestCase
from django.urls import reverse
from django.utils import timezone

from outreach.models import ContactAttempt, Message, PlannedContact
from reviews.api import signed_headers
from reviews.models import (
    Buyer,
    ImportBatch,
    Membership,
    Platform,
    Rating,
    Review,
    ReviewEvent,
    Role,
    Shop,
)

from ..procs import wait_for
from .services import other_connection

WRITES = ("INSERT", "UPDATE", "DELETE")


class KillBeforeWrite:
    """An execute wrapper on this thread's connection: before its `nth` write, another session
    terminates the connection's backend and waits until PostgreSQL has ended it; the write
    then goes to a dead connection, as it would after a database restart or a network cut."""

    def __init__(self, nth: int) -> None:
        self.nth = nth
        self.writes: list[str] = []
        self.killed = ""

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            self.writes.append(sql)
            if len(self.writes) == self.nth:
                self.kill(context["connection"].connection.get_backend_pid())
                self.killed = sql
        return execute(sql, params, many, context)

    @staticmethod
    def kill(pid: int) -> None:
        with contextlib.closing(other_connection()) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])

            def gone() -> bool:
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                return cursor.fetchone()[0] == 0

            wait_for(gone, 10, interval=0.02, message="the backend to end")


@pytest.mark.services
@skipUnless(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
class DatabaseDropTestCase(TransactionTestCase):
    def setUp(self):
        self.shop = Shop.objects.create(name="Alpha", slug="alpha", platform=Platform.TAOBAO)
        self.agent = User.objects.create_user("alice")
        Membership.objects.create(user=self.agent, shop=self.shop, role=Role.AGENT)
        buyer = Buyer.objects.create(shop=self.shop, nick="tb_小鱼儿", phone="13812345678")
        self.review = Review.objects.create(
            shop=self.shop,
            buyer=buyer,
            external_key="r1",
            rating=Rating.NEGATIVE,
            text="质量太差",
            reviewed_at=timezone.now() - timedelta(hours=2),
            assigned_to=self.agent,
        )
        self.client = Client(raise_request_exception=False)

    def run_killed(self, nth: int, request):
        """The request with its backend killed before its nth write, and whether it was (not
        when the request makes fewer writes than that); then a fresh connection for checks."""
        killer = KillBeforeWrite(nth)
        try:
            with connection.execute_wrapper(killer):
                response = request()
        finally:
            connection.close()  # the test's own connection was the one killed
        return response, bool(killer.killed)

    def state(self) -> dict:
        review = Review.objects.get(pk=self.review.pk)
        return {
            "review": (review.version, review.status, review.updated_at),
            "attempts": ContactAttempt.objects.count(),
            "events": ReviewEvent.objects.count(),
            "planned": PlannedContact.objects.count(),
            "messages": Message.objects.count(),
            "batches": ImportBatch.objects.count(),
            "reviews": Review.objects.count(),
            "buyers": Buyer.objects.count(),
        }

    def test_a_review_action_cut_off_at_any_write_stores_none_of_it(self):
        self.client.force_login(self.agent)
        url = reverse("review_contact", args=[self.review.pk])

        def contact():
            data = {"version": self.review.version, "channel": "phone", "outcome": "no_answer"}
            headers = {"HX-Request": "true", "HX-Target": "review-work"}
            return self.client.post(url, data, headers=headers)

        before = self.state()
        nth = 0
        while True:
            nth += 1
            response, killed = self.run_killed(nth, contact)
            if not killed:
                break  # the action made fewer writes: every one of them was tried
            with self.subTest(write=nth):
                self.assertEqual(response.status_code, 503)
                self.assertEqual(response["Retry-After"], "30")
                page = response.content.decode()
                self.assertIn("暂时无法使用", page)  # Chinese, the default language
                self.assertIn("您刚才的操作没有保存", page)
                self.assertEqual(self.state(), before)
        self.assertGreater(nth, 3)  # the action writes several rows: all or nothing
        # Uncut, the same action goes through.
        self.assertEqual(response.status_code, 200)
        self.assertEqual(ContactAttempt.objects.count(), 1)

    def test_a_webhook_cut_off_at_any_write_stores_nothing_and_says_so(self):
        body = json.dumps(
            {
                "reviews": [
                    {
                        "review_id": f"W{i}",
                        "buyer_nick": f"买家{i}",
                        "rating": "差评",
                        "text": "快递太慢了",
                        "reviewed_at": "2024-11-12 10:00",
                    }
                    for i in range(3)
                ]
            },
            ensure_ascii=False,
        ).encode()
        url = f"/api/shops/{self.shop.slug}/reviews"

        def post():
            return self.client.post(
                url,
                body,
                content_type="application/json",
                headers=signed_headers(self.shop.webhook_secret, body),
            )

        before = self.state()
        nth = 0
        while True:
            nth += 1
            response, killed = self.run_killed(nth, post)
            if not killed:
                break
            with self.subTest(write=nth):
                self.assertEqual(response.status_code, 503)
                self.assertEqual(response.json()["error"], "unavailable")
                self.assertEqual(self.state(), before)  # no batch, review or buyer left over
        self.assertGreater(nth, 3)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["counts"]["created"], 3)
