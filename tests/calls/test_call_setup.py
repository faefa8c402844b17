"""The review page's 「拨打」 with masked calling on: the rules first, then the provider; the
agent learns what to dial; the buyer's number never reaches the page."""

from datetime import datetime, timedelta

import time_machine
from django.urls import reverse
from django.utils.html import escape

from calls.aliyun_pls import MESSAGES
from calls.models import CallAccount, CallMode, MaskedCall
from outreach.models import Channel, ContactAttempt, Outcome
from reviews.models import AuditLog, Order

from .fake_aliyun_pls import NO_AVAILABLE_NUMBER, FakePls
from .scene import AGENT_PHONE, BUYER_PHONE, NOW, SH, MaskedCallingTestCase

HTMX = {"HX-Request": "true"}


@time_machine.travel(NOW, tick=False)
class DialTestCase(MaskedCallingTestCase):
    def dial(self, user=None):
        self.login(user or self.agent)
        return self.client.post(reverse("call_dial", args=[self.review.pk]), headers=HTMX)

    def test_it_binds_agent_and_buyer_and_says_what_to_dial(self):
        with FakePls() as fake:
            response = self.dial()
        self.assertEqual(response.status_code, 200)
        [bound] = fake.received
        self.assertEqual(bound["Action"], "BindAxb")
        self.assertEqual(bound["PhoneNoA"], AGENT_PHONE)
        self.assertEqual(bound["PhoneNoB"], BUYER_PHONE)
        self.assertEqual(bound["OutId"], str(self.planned.id))
        self.assertEqual(bound["Expiration"], "2026-11-20 10:30:00")
        self.assertEqual(bound["IsRecordingEnabled"], "true")
        call = MaskedCall.objects.get()
        self.assertEqual((call.subs_id in fake.bindings, call.secret_no), (True, "17100001111"))
        self.assertContains(response, "17100001111")
        self.assertContains(response, "10:30")
        self.assertNotContains(response, BUYER_PHONE)

    def test_click_to_call_rings_the_agent(self):
        CallAccount.objects.filter(pk=self.account.pk).update(mode=CallMode.CLICK)
        with FakePls() as fake:
            response = self.dial()
        [dialled] = fake.received
        self.assertEqual(dialled["Action"], "ClickToDial")
        self.assertEqual(
            (dialled["CallerNumber"], dialled["CalledNumber"]), (AGENT_PHONE, BUYER_PHONE)
        )
        self.assertEqual(dialled["CallerShowNumber"], "17100001111")
        self.assertTrue(MaskedCall.objects.get().provider_call_id)
        self.assertContains(response, "call-ready")

    def test_quiet_hours_refuse_before_anything_is_bound(self):
        with (
            time_machine.travel(datetime(2026, 11, 20, 22, 0, tzinfo=SH), tick=False),
            FakePls() as fake,
        ):
            response = self.dial()
        self.assertEqual(response.status_code, 400)
        self.assertEqual(fake.received + fake.refused, [])
        self.assertFalse(MaskedCall.objects.exists())
        self.assertContains(response, "21:30", status_code=400)

    def test_the_daily_call_cap_refuses_before_anything_is_bound(self):
        for minutes in (60, 30):
            ContactAttempt.objects.create(
                review=self.review,
                buyer=self.review.buyer,
                agent=self.agent,
                channel=Channel.PHONE,
                outcome=Outcome.NO_ANSWER,
                created_at=NOW - timedelta(minutes=minutes),
            )
        with FakePls() as fake:
            response = self.dial()
        self.assertEqual(response.status_code, 400)
        self.assertEqual(fake.received + fake.refused, [])
        self.assertFalse(MaskedCall.objects.exists())

    def test_calls_set_up_but_not_yet_ended_count_against_the_cap(self):
        with FakePls() as fake:
            self.assertEqual(self.dial().status_code, 200)
            self.assertEqual(self.dial().status_code, 200)
            self.assertEqual(self.dial().status_code, 400)
        self.assertEqual(len(fake.received), 2)

    def test_a_binding_that_expired_unused_was_no_call(self):
        with FakePls() as fake:
            self.assertEqual(self.dial().status_code, 200)
            self.assertEqual(self.dial().status_code, 200)
            with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
                self.assertEqual(self.dial().status_code, 200)
        self.assertEqual(len(fake.received), 3)

    def test_a_buyer_who_asked_not_to_be_called_is_not_bound(self):
        self.review.buyer.do_not_contact_at = NOW
        self.review.buyer.save()
        with FakePls() as fake:
            response = self.dial()
        self.assertEqual(response.status_code, 400)
        self.assertEqual(fake.received, [])

    def test_the_providers_refusal_is_explained(self):
        with FakePls(answers=[NO_AVAILABLE_NUMBER]):
            response = self.dial()
        self.assertEqual(response.status_code, 502)
        message = escape(str(MESSAGES["isv.NO_AVAILABLE_NUMBER"]))
        self.assertContains(response, message, status_code=502)
        self.assertFalse(MaskedCall.objects.exists())

    def test_an_agent_without_her_own_phone_is_told(self):
        newcomer = self.make_user("nina", self.shop, "agent")
        with FakePls() as fake:
            response = self.dial(newcomer)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(fake.received, [])
        self.assertFalse(MaskedCall.objects.exists())

    def test_a_manager_cannot_dial(self):
        with FakePls() as fake:
            response = self.dial(self.manager)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(fake.received, [])

    def test_someone_of_another_shop_cannot_dial(self):
        with FakePls() as fake:
            response = self.dial(self.outsider)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(fake.received, [])


@time_machine.travel(NOW, tick=False)
class BuyerNumberHiddenTestCase(MaskedCallingTestCase):
    def test_the_page_never_holds_the_buyers_number(self):
        self.login(self.agent)
        response = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertContains(response, 'id="call-dial"')
        self.assertNotContains(response, BUYER_PHONE)
        self.assertNotContains(response, "tel:")
        self.assertNotContains(response, reverse("review_reveal_phone", args=[self.review.pk]))

    def test_the_reveal_is_refused_and_nothing_is_logged(self):
        self.login(self.agent)
        response = self.client.post(
            reverse("review_reveal_phone", args=[self.review.pk]), headers=HTMX
        )
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, BUYER_PHONE, status_code=403)
        self.assertFalse(AuditLog.objects.filter(action="phone_revealed").exists())

    def test_with_masked_calling_off_the_manual_path_stays(self):
        CallAccount.objects.filter(pk=self.account.pk).update(enabled=False)
        self.login(self.agent)
        page = self.client.get(reverse("review_detail", args=[self.review.pk]))
        self.assertNotContains(page, 'id="call-panel"')
        self.assertContains(page, reverse("review_reveal_phone", args=[self.review.pk]))
        response = self.client.post(
            reverse("review_reveal_phone", args=[self.review.pk]), headers=HTMX
        )
        self.assertContains(response, f"tel:{BUYER_PHONE}")

    def test_the_order_page_hides_the_number_too(self):
        order = Order.objects.create(
            shop=self.shop, order_id="O-1", buyer=self.review.buyer, amount=900
        )
        self.login(self.agent)
        page = self.client.get(reverse("order_detail", args=[order.pk]))
        self.assertNotContains(page, BUYER_PHONE)
        self.assertNotContains(page, reverse("order_phone", args=[order.pk]))
        self.assertContains(page, self.review.buyer.masked_phone)
        response = self.client.post(reverse("order_phone", args=[order.pk]), headers=HTMX)
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, BUYER_PHONE, status_code=403)
        self.assertFalse(AuditLog.objects.filter(action="phone_revealed").exists())
        CallAccount.objects.filter(pk=self.account.pk).update(enabled=False)
        response = self.client.post(reverse("order_phone", args=[order.pk]), headers=HTMX)
        self.assertContains(response, f"tel:{BUYER_PHONE}")
