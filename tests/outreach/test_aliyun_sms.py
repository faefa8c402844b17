"""The Aliyun SMS client against a fake dysmsapi that checks the signature as Aliyun does."""

import datetime
import json
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from outreach.sms import aliyun
from outreach.sms.base import BadCallback, OutcomeUnknown, ProviderRefused

from .fake_aliyun_sms import KEY_ID, KEY_SECRET, FakeAliyunSms

CREDENTIALS = {"access_key_id": KEY_ID, "access_key_secret": KEY_SECRET}
BEIJING = ZoneInfo("Asia/Shanghai")


class SignatureTestCase(SimpleTestCase):
    def test_it_encodes_as_aliyun_documents(self):
        self.assertEqual(aliyun.percent_encode("a b*c~d/é"), "a%20b%2Ac~d%2F%C3%A9")

    def test_it_signs_the_sorted_encoded_query(self):
        params = {"B": "2", "A": "x y", "Signature": "ignored"}
        self.assertEqual(aliyun.string_to_sign("POST", params), "POST&%2F&A%3Dx%2520y%26B%3D2")
        # Base64(HMAC-SHA1("k&", that string)), computed independently.
        import base64
        import hashlib
        import hmac

        expected = base64.b64encode(
            hmac.new(b"k&", b"POST&%2F&A%3Dx%2520y%26B%3D2", hashlib.sha1).digest()
        ).decode()
        self.assertEqual(aliyun.signature("k", "POST", params), expected)


class ClientTestCase(SimpleTestCase):
    def client_for(self, fake, **options):
        return aliyun.CLIENT(CREDENTIALS, endpoint=fake.url, **options)

    def send(self, client, out_id="m-1"):
        return client.send(
            phone="13812345678",
            sign_name="好店",
            template_code="SMS_1001",
            params={"nick": "小王"},
            out_id=out_id,
        )

    def test_it_sends_once_with_the_documented_parameters(self):
        with FakeAliyunSms() as fake:
            result = self.send(self.client_for(fake))
        self.assertEqual(len(fake.send_calls), 1)
        call = fake.send_calls[0]
        self.assertEqual(call["PhoneNumbers"], "13812345678")
        self.assertEqual(call["SignName"], "好店")
        self.assertEqual(call["TemplateCode"], "SMS_1001")
        self.assertEqual(json.loads(call["TemplateParam"]), {"nick": "小王"})
        self.assertEqual(call["OutId"], "m-1")
        self.assertEqual(result.provider_id, fake.sent[0]["biz_id"])

    def test_a_wrong_secret_is_refused_as_signature_does_not_match(self):
        with FakeAliyunSms() as fake:
            client = aliyun.CLIENT(
                {"access_key_id": KEY_ID, "access_key_secret": "wrong"}, endpoint=fake.url
            )
            with self.assertRaises(ProviderRefused) as caught:
                self.send(client)
        self.assertEqual(caught.exception.code, "SignatureDoesNotMatch")
        self.assertFalse(caught.exception.throttled)
        self.assertEqual(fake.sent, [])

    def test_throttling_is_marked_throttled_and_sends_nothing(self):
        with FakeAliyunSms() as fake:
            fake.script("throttle")
            with self.assertRaises(ProviderRefused) as caught:
                self.send(self.client_for(fake))
        self.assertEqual(caught.exception.code, "isv.BUSINESS_LIMIT_CONTROL")
        self.assertTrue(caught.exception.throttled)
        self.assertEqual(fake.sent, [])

    def test_an_isv_error_is_a_refusal(self):
        with FakeAliyunSms() as fake:
            fake.script("refuse", code="isv.SMS_TEMPLATE_ILLEGAL", message="模板不合法")
            with self.assertRaises(ProviderRefused) as caught:
                self.send(self.client_for(fake))
        self.assertEqual(str(caught.exception), "isv.SMS_TEMPLATE_ILLEGAL: 模板不合法")
        self.assertFalse(caught.exception.throttled)

    def test_a_slow_answer_is_an_unknown_outcome_not_a_retry(self):
        with FakeAliyunSms() as fake:
            fake.script("slow", seconds=3.0)
            with self.assertRaises(OutcomeUnknown):
                self.send(self.client_for(fake, timeout=1.0))
        self.assertEqual(len(fake.send_calls), 1)
        self.assertEqual(len(fake.sent), 1)  # the provider took it all the same

    def test_a_dropped_connection_is_an_unknown_outcome(self):
        with FakeAliyunSms() as fake:
            fake.script("drop")
            with self.assertRaises(OutcomeUnknown):
                self.send(self.client_for(fake))
        self.assertEqual(len(fake.sent), 1)

    def test_an_unreachable_provider_took_nothing_and_may_be_tried_later(self):
        client = aliyun.CLIENT(CREDENTIALS, endpoint="http://127.0.0.1:9/")
        with self.assertRaises(ProviderRefused) as caught:
            self.send(client)
        self.assertTrue(caught.exception.throttled)

    def test_it_queries_the_status_by_out_id_after_a_timeout(self):
        with FakeAliyunSms() as fake:
            fake.script("slow", seconds=3.0)
            client = self.client_for(fake, timeout=1.0)
            with self.assertRaises(OutcomeUnknown):
                self.send(client, out_id="m-7")
            today = datetime.datetime.now(BEIJING).date()
            [waiting] = client.query_status(
                phone="13812345678", out_id="m-7", provider_id="", sent_on=today
            )
            fake.deliver(fake.sent[0]["biz_id"], ok=False, code="MOBILE_NOT_ON_SERVICE")
            [failed] = client.query_status(
                phone="13812345678", out_id="m-7", provider_id="", sent_on=today
            )
        self.assertEqual((waiting.out_id, waiting.delivered), ("m-7", None))
        self.assertEqual((failed.delivered, failed.error_code), (False, "MOBILE_NOT_ON_SERVICE"))
        self.assertEqual(fake.errors, [])

    def test_it_queries_by_biz_id(self):
        with FakeAliyunSms() as fake:
            client = self.client_for(fake)
            result = self.send(client)
            fake.deliver(result.provider_id)
            today = datetime.datetime.now(BEIJING).date()
            [receipt] = client.query_status(
                phone="13812345678", out_id="m-1", provider_id=result.provider_id, sent_on=today
            )
            other_day = client.query_status(
                phone="13812345678",
                out_id="m-1",
                provider_id=result.provider_id,
                sent_on=today - datetime.timedelta(days=1),
            )
        self.assertEqual((receipt.provider_id, receipt.delivered), (result.provider_id, True))
        self.assertEqual(other_day, [])


class CallbackTestCase(SimpleTestCase):
    sms = aliyun.CLIENT(CREDENTIALS)

    def test_it_parses_the_documented_sms_report(self):
        body = json.dumps(
            [
                {
                    "phone_number": "13812345678",
                    "send_time": "2026-11-25 10:00:00",
                    "report_time": "2026-11-25 10:00:05",
                    "success": False,
                    "err_code": "MOBILE_NOT_ON_SERVICE",
                    "err_msg": "停机",
                    "sms_size": "1",
                    "biz_id": "900000^1",
                    "out_id": "m-1",
                }
            ],
            ensure_ascii=False,
        ).encode()
        [receipt] = self.sms.parse_receipts(body, {})
        self.assertEqual((receipt.provider_id, receipt.out_id), ("900000^1", "m-1"))
        self.assertIs(receipt.delivered, False)
        self.assertEqual(
            (receipt.error_code, receipt.error_message), ("MOBILE_NOT_ON_SERVICE", "停机")
        )
        self.assertEqual(
            receipt.reported_at, datetime.datetime(2026, 11, 25, 10, 0, 5, tzinfo=BEIJING)
        )

    def test_it_parses_the_documented_sms_up(self):
        body = json.dumps(
            [
                {
                    "phone_number": "13812345678",
                    "send_time": "2026-11-25 10:03:00",
                    "content": "退订",
                    "sign_name": "好店",
                    "dest_code": "1234",
                    "sequence_id": 1234567890,
                }
            ],
            ensure_ascii=False,
        ).encode()
        [reply] = self.sms.parse_replies(body, {})
        self.assertEqual(
            (reply.phone, reply.text, reply.provider_id), ("13812345678", "退订", "1234567890")
        )

    def test_it_refuses_a_body_that_is_not_the_documented_shape(self):
        for body in (b"nope", b'{"biz_id": "1"}', b'[{"success": true}]'):
            with self.subTest(body=body), self.assertRaises(BadCallback):
                self.sms.parse_receipts(body, {})
