"""The pull's answers to a gateway refusing, timing out or answering garbage, the same on
every platform whose fake scripts "throttle", "expired", "refused", "malformed" and
`slow_pages`: mixed into a platform's failures test case (PullFailures
first, then the platform's world), which names its fake (`gateway`), what the platform's
refusals say (`throttled_says`, `expired_says`, `refused_says`) and how many items a page
holds (`page_size`, as the world's CONNECTORS set it). The world has `connection` and
`comments(count, score=, hours=)` putting comments on the fake."""

from datetime import timedelta

from django.utils import timezone

from connectors.models import ConnectionStatus, PullCursor, PullOutcome
from reviews.models import Review

from .world import pull


class PullFailures:
    gateway = ""
    throttled_says = ""
    expired_says = ""
    refused_says = ""
    page_size = 0

    @property
    def fake(self):
        return getattr(self, self.gateway)

    def test_the_throttling_answer_backs_off(self):
        self.comments(5)
        self.fake.answers = ["throttle"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.THROTTLED)
        self.assertIn(self.throttled_says, run.message)
        self.connection.refresh_from_db()
        self.assertEqual(self.connection.status, ConnectionStatus.THROTTLED)
        self.assertGreater(self.connection.retry_after, timezone.now() + timedelta(minutes=9))
        self.assertIsNone(pull(self.connection))

    def test_a_token_expiring_mid_pull_keeps_the_stored_pages_and_stops_the_pulls(self):
        self.comments(self.page_size * 3 // 2, score=1, hours=10)
        PullCursor.objects.create(
            connection=self.connection,
            stream="bad",
            synced_until=timezone.now() - timedelta(hours=11),
        )
        self.fake.answers = [None, "expired"]  # page 1 answered, then the token is gone
        run = pull(self.connection)
        self.assertEqual((run.outcome, run.created), (PullOutcome.EXPIRED, self.page_size))
        self.assertIn(self.expired_says, run.message)
        self.assertIsNone(pull(self.connection))
        self.assertEqual(Review.objects.count(), self.page_size)

    def test_the_platforms_own_refusal_fails_the_pull_with_its_code(self):
        self.comments(3)
        self.fake.answers = ["refused"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn(self.refused_says, run.message)
        self.assertEqual(pull(self.connection).created, 3)

    def test_a_timeout_mid_pull_keeps_the_stored_pages_and_the_next_pull_resumes(self):
        self.comments(self.page_size * 3, score=1, hours=10)
        self.fake.slow_pages = {2: 3}
        with self.fake.settings(PAGE_SIZE=self.page_size, TIMEOUT=1, ITEMS_PER_COMMIT=1):
            run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("network", run.message)
        self.assertEqual(Review.objects.count(), self.page_size)
        run = pull(self.connection)
        self.assertEqual((run.outcome, run.created), (PullOutcome.OK, self.page_size * 2))

    def test_a_malformed_answer_fails_the_pull_and_the_next_one_reads_it(self):
        self.comments(10)
        self.fake.answers = ["malformed"]
        run = pull(self.connection)
        self.assertEqual(run.outcome, PullOutcome.FAILED)
        self.assertIn("malformed", run.message)
        self.assertEqual(Review.objects.count(), 0)
        self.assertEqual(pull(self.connection).created, 10)
