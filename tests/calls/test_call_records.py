"""The provider's call records at our endpoint: each call becomes exactly one contact attempt,
whether records come twice or out of order; unanswered ones plan the next try as a manual
"no answer" does; answered ones ask the agent for the outcome."""

from datetime import timedelta

import time_machine
from django.conf import settings
from django.urls import reverse

from calls.models import CallMode, CallRecord, MaskedCall
from calls.tasks import calls_unbind_expired_task
from outreach.erasure import buyer_erase
from outreach.models import Channel, ContactAttempt, Kind, Outcome, PlannedContact, PlanState

from .fake_aliyun_pls import FakePls, push, release_report, start_report, voice_report, worker
from .scene import NOW, MaskedCallingTestCase

HTMX = {"HX-Request": "true"}


@time_machine.travel(NOW, tick=False)
class CallRecordsTestCase(MaskedCallingTestCase):
    def setUp(self):
        super().setUp()
        self.fake = FakePls().__enter__()
        self.addCleanup(self.fake.__exit__, None, None, None)
        self.login(self.agent)
        self.client.post(reverse("call_dial", args=[self.review.pk]), headers=HTMX)
        self.call = MaskedCall.objects.get()
        self.client.logout()

    def release(self, call_id="4461122c4800001", **fields):
        return release_report(
            call_id=call_id, sub_id=self.call.subs_id, out_id=str(self.planned.id), at=NOW, **fields
        )

    def start(self, call_id="4461122c4800001"):
        return start_report(
            call_id=call_id, sub_id=self.call.subs_id, out_id=str(self.planned.id), at=NOW
        )

    def push(self, *items):
        with worker(), self.captureOnCommitCallbacks(execute=True):
            response = push(self.client, self.records_url, list(items))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"code": 0, "msg": "成功"})
        return response

    def test_an_unanswered_call_is_a_no_answer_attempt_with_the_next_try_planned(self):
        self.push(self.start(), self.release(talk_seconds=0))
        [attempt] = ContactAttempt.objects.all()
        self.assertEqual(
            (attempt.outcome, attempt.channel, attempt.agent),
            (Outcome.NO_ANSWER, Channel.PHONE, self.agent),
        )
        self.planned.refresh_from_db()
        self.assertEqual(self.planned.state, PlanState.DONE)
        [next_try] = PlannedContact.objects.filter(kind=Kind.PERSISTENCE)
        # Exactly what the agent's own "no answer" plans on a twin review.
        twin = self.make_review(
            self.shop, assigned_to=self.agent, reviewed_at=self.review.reviewed_at, nick="twin"
        )
        self.login(self.agent)
        self.client.post(
            reverse("review_contact", args=[twin.pk]),
            {"channel": "phone", "outcome": "no_answer", "version": twin.version},
            headers=HTMX,
        )
        manual = PlannedContact.objects.get(kind=Kind.PERSISTENCE, review=twin)
        self.assertEqual(
            (next_try.channel, next_try.due_at, next_try.assigned_to, next_try.data),
            (manual.channel, manual.due_at, manual.assigned_to, manual.data),
        )

    def test_a_call_unconnected_by_the_provider_counts_as_no_answer(self):
        self.push(self.release(talk_seconds=30, unconnected_cause=3))
        self.assertEqual(
            list(ContactAttempt.objects.values_list("outcome", flat=True)), [Outcome.NO_ANSWER]
        )

    def test_duplicates_make_one_attempt(self):
        release = self.release(talk_seconds=0)
        self.push(release)
        self.push(release, release)
        self.assertEqual(ContactAttempt.objects.count(), 1)
        self.assertEqual(CallRecord.objects.count(), 1)

    def test_a_start_after_its_release_changes_nothing(self):
        self.push(self.release(talk_seconds=0))
        before = CallRecord.objects.values().get()
        self.push(self.start())
        self.assertEqual(CallRecord.objects.values().get(), before)
        self.assertEqual(ContactAttempt.objects.count(), 1)

    def test_each_call_of_a_binding_is_its_own_attempt(self):
        self.push(
            self.release("4461122c4800001", talk_seconds=0),
            self.release("4461122c4800002", talk_seconds=0),
        )
        self.assertEqual(ContactAttempt.objects.count(), 2)

    def test_the_binding_is_released_after_the_call(self):
        self.assertIn(self.call.subs_id, self.fake.bindings)
        self.push(self.release(talk_seconds=0))
        self.assertNotIn(self.call.subs_id, self.fake.bindings)
        self.call.refresh_from_db()
        self.assertIsNotNone(self.call.unbound_at)

    def test_beat_runs_the_expiry_sweep(self):
        entry = settings.CELERY_BEAT_SCHEDULE["calls-unbind-expired"]
        self.assertEqual(entry["task"], calls_unbind_expired_task.name)

    def test_an_expired_binding_is_released_by_the_sweep(self):
        with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
            self.assertEqual(calls_unbind_expired_task.apply().get(), 1)
        self.assertNotIn(self.call.subs_id, self.fake.bindings)
        self.assertEqual(calls_unbind_expired_task.apply().get(), 0)

    def test_an_answered_call_asks_the_agent_for_its_outcome(self):
        self.push(self.start(), self.release(talk_seconds=125))
        self.assertFalse(ContactAttempt.objects.exists())
        record = CallRecord.objects.get()
        self.assertEqual(record.talk_seconds, 125)
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, reverse("call_outcome", args=[record.pk]))
        self.assertContains(page, '<strong class="duration">2:05</strong>', html=False)
        # The recording is for leads.
        self.assertNotContains(page, "pls-record.oss-cn-shanghai.aliyuncs.com")
        self.login(self.lead)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(page, "pls-record.oss-cn-shanghai.aliyuncs.com")

    def test_the_outcome_is_logged_once_and_plans_the_next_step(self):
        self.push(self.release(talk_seconds=125))
        record = CallRecord.objects.get()
        self.login(self.agent)
        url = reverse("call_outcome", args=[record.pk])
        response = self.client.post(
            url, {"outcome": "agreed", "agreed_at": "今晚 20:15"}, headers=HTMX
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["HX-Refresh"], "true")
        [attempt] = ContactAttempt.objects.all()
        self.assertEqual(attempt.outcome, Outcome.AGREED)
        self.assertIn("2:05", attempt.note)
        followup = PlannedContact.objects.get(kind=Kind.REVISE_FOLLOWUP)
        self.assertEqual(followup.due_at, NOW.replace(hour=20, minute=15))
        again = self.client.post(url, {"outcome": "solved"}, headers=HTMX)
        self.assertEqual(again.status_code, 400)
        self.assertEqual(ContactAttempt.objects.count(), 1)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertNotContains(page, url)

    def test_no_answer_is_not_an_outcome_of_an_answered_call(self):
        self.push(self.release(talk_seconds=60))
        self.login(self.agent)
        response = self.client.post(
            reverse("call_outcome", args=[CallRecord.objects.get().pk]),
            {"outcome": "no_answer"},
            headers=HTMX,
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ContactAttempt.objects.exists())

    def test_another_shop_cannot_log_the_outcome(self):
        self.push(self.release(talk_seconds=60))
        self.login(self.outsider)
        response = self.client.post(
            reverse("call_outcome", args=[CallRecord.objects.get().pk]), {"outcome": "solved"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(ContactAttempt.objects.exists())

    def test_a_forged_token_changes_nothing(self):
        url = f"/calls/aliyun/{self.shop.slug}/{'x' * len(self.account.callback_token)}/"
        response = push(self.client, url, [self.release(talk_seconds=0)])
        self.assertEqual(response.status_code, 404)
        other = f"/calls/aliyun/{self.other_shop.slug}/{self.account.callback_token}/"
        self.assertEqual(push(self.client, other, [self.release(talk_seconds=0)]).status_code, 404)
        self.assertFalse(CallRecord.objects.exists())
        self.assertFalse(ContactAttempt.objects.exists())

    def test_records_of_unknown_subscriptions_are_logged_and_acknowledged(self):
        stranger = release_report(call_id="99990000", sub_id="1000000000009999", at=NOW)
        with self.assertLogs("calls.services", "WARNING") as logs:
            self.push(stranger)
        self.assertIn("unknown subscription", logs.output[0])
        self.assertFalse(CallRecord.objects.exists())

    def test_the_endpoint_refuses_what_is_not_a_json_array(self):
        response = self.client.post(self.records_url, data="nope", content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.client.get(self.records_url).status_code, 405)


@time_machine.travel(NOW, tick=False)
class ClickToCallRecordsTestCase(CallRecordsTestCase):
    """The same through click-to-call: the voice service's VoiceReport, matched by call id."""

    mode = CallMode.CLICK

    def release(self, call_id=None, talk_seconds=0, **fields):
        return voice_report(
            call_id=self.call.provider_call_id,
            out_id=str(self.planned.id),
            at=NOW,
            talk_seconds=talk_seconds,
        )

    def test_an_unanswered_click_to_call_is_no_answer_and_an_answered_one_asks(self):
        self.push(self.release(talk_seconds=0))
        self.assertEqual(
            list(ContactAttempt.objects.values_list("outcome", flat=True)), [Outcome.NO_ANSWER]
        )
        CallRecord.objects.all().delete()
        ContactAttempt.objects.all().delete()
        self.push(self.release(talk_seconds=65))
        record = CallRecord.objects.get()
        self.assertEqual((record.talk_seconds, record.attempt), (65, None))

    # What belongs to AXB alone (start reports, several calls of one binding, unbinding).
    test_a_call_unconnected_by_the_provider_counts_as_no_answer = None
    test_a_start_after_its_release_changes_nothing = None
    test_each_call_of_a_binding_is_its_own_attempt = None
    test_the_binding_is_released_after_the_call = None
    test_an_expired_binding_is_released_by_the_sweep = None
    test_beat_runs_the_expiry_sweep = None
    test_an_unanswered_call_is_a_no_answer_attempt_with_the_next_try_planned = None
    test_the_outcome_is_logged_once_and_plans_the_next_step = None
    test_an_answered_call_asks_the_agent_for_its_outcome = None


@time_machine.travel(NOW, tick=False)
class RecordingErasureTestCase(MaskedCallingTestCase):
    """Erasing a buyer (outreach.erasure) reaches what masked calling keeps of them."""

    def setUp(self):
        super().setUp()
        self.fake = FakePls().__enter__()
        self.addCleanup(self.fake.__exit__, None, None, None)
        self.login(self.agent)
        self.client.post(reverse("call_dial", args=[self.review.pk]), headers=HTMX)
        self.call = MaskedCall.objects.get()
        self.client.logout()

    release = CallRecordsTestCase.release
    start = CallRecordsTestCase.start
    push = CallRecordsTestCase.push

    def test_erasing_the_buyer_forgets_the_recordings_of_their_calls(self):
        self.push(self.start(), self.release(talk_seconds=125))
        erasure = buyer_erase(buyer=self.review.buyer)
        self.assertEqual(erasure.changed["call recordings"], 1)
        record = CallRecord.objects.get()
        self.assertEqual(record.record_url, "")
        self.assertEqual(record.talk_seconds, 125)  # the agent's figures stay
        self.login(self.lead)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertNotContains(page, "pls-record.oss-cn-shanghai.aliyuncs.com")
