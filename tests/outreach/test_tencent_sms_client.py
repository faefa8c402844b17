"""The Tencent Cloud SMS client against a fake Tencent that checks the TC3 signature and answers
in Tencent's documented shapes: a message is taken once with its SerialNo, refusals say why
(and which are throttling), a slow answer is an unknown outcome after exactly one request, the
status pull finds the message by its SessionContext, and the callbacks parse as documented."""

import datetime
import json
import socket
from zoneinfo import ZoneInfo

from django.test import SimpleTestCase

from outreach.sms.base import BadCallback, OutcomeUnknown, ProviderRefused, SendResult
from outreach.sms.tencent import (
    CLIENT,
    CREDENTIAL_FIELDS,
    TencentSmsClient,
    e164,
    tc3_authorization,
)

from .fake_tencent_sms import CREDENTIALS, SIGN_NAME, FakeTencentSms

BEIJING = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC
TODAY = datetime.datetime.now(BEIJING).date()


def client(fake: FakeTencentSms, **overrides) -> TencentSmsClient:
    return TencentSmsClient({**CREDENTIALS, **overrides}, endpoint=fake.url, timeout=2)


def send(sms: TencentSmsClient, out_id: str = "msg-1", **overrides):
    return sms.send(
        **{
            "phone": "13812345678",
            "sign_name": SIGN_NAME,
            "template_code": "1234",
            "params": {"2": "今晚8:15", "1": "张先生"},
            "out_id": out_id,
            **overrides,
        }
    )


class SignatureTest(SimpleTestCase):
    def test_it_signs_tencents_worked_example(self):
        # The worked example of Tencent Cloud API 3.0 "Signature v3" (cvm DescribeInstances,
        # 2019-02-25; cloud.tencent.com/document/api/213/30654 and its English page
        # tencentcloud.com/document/product/1026/31038): SecretKey
        # Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, payload hash 35e9c5b0…, canonical request hash
        # 5ffe6a04…, Signature 72e494ea….
        payload = (
            b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], '
            b'"Name": "instance-name"}]}'
        )
        authorization = tc3_authorization(
            secret_id="AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
            secret_key="Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Host": "cvm.tencentcloudapi.com",
            },
            signed_headers=("content-type", "host"),
            payload=payload,
            timestamp=1551113065,
            service="cvm",
        )
        self.assertEqual(
            authorization,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
            "tc3_request, SignedHeaders=content-type;host, "
            "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168",
        )

    def test_it_is_accepted_with_the_right_secret_and_refused_with_a_tampered_one(self):
        with FakeTencentSms() as fake:
            self.assertIsInstance(send(client(fake)), SendResult)
            with self.assertRaises(ProviderRefused) as refused:
                send(client(fake, secret_key=CREDENTIALS["secret_key"] + "x"), out_id="msg-2")
        self.assertEqual(refused.exception.code, "AuthFailure.SignatureFailure")
        self.assertFalse(refused.exception.throttled)
        self.assertEqual([m["session"] for m in fake.accepted], ["msg-1"])
        authorization = fake.requests[0]["headers"]["Authorization"]
        self.assertIn(
            "/sms/tc3_request, SignedHeaders=content-type;host;x-tc-action,", authorization
        )

    def test_it_names_its_class_and_credential_fields(self):
        self.assertIs(CLIENT, TencentSmsClient)
        self.assertEqual(CREDENTIAL_FIELDS, ("secret_id", "secret_key", "sdk_app_id", "region"))
        with self.assertRaisesMessage(ValueError, "sdk_app_id"):
            TencentSmsClient({**CREDENTIALS, "sdk_app_id": ""})


class SendTest(SimpleTestCase):
    def test_it_sends_once_and_returns_the_serial_no(self):
        with FakeTencentSms() as fake:
            result = send(client(fake))
        self.assertEqual(len(fake.requests), 1)
        [message] = fake.accepted
        self.assertEqual(result, SendResult(provider_id=message["serial"], fee=1))
        self.assertEqual(
            message["body"],
            {
                "PhoneNumberSet": ["+8613812345678"],
                "SmsSdkAppId": CREDENTIALS["sdk_app_id"],
                "SignName": SIGN_NAME,
                "TemplateId": "1234",
                "TemplateParamSet": ["张先生", "今晚8:15"],
                "SessionContext": "msg-1",
            },
        )
        headers = fake.requests[0]["headers"]
        self.assertEqual(headers["X-TC-Action"], "SendSms")
        self.assertEqual(headers["X-TC-Version"], "2021-01-11")
        self.assertEqual(headers["X-TC-Region"], "ap-guangzhou")

    def test_it_writes_numbers_in_e164(self):
        self.assertEqual(e164("138 1234 5678"), "+8613812345678")
        self.assertEqual(e164("8613812345678"), "+8613812345678")
        self.assertEqual(e164("+85291234567"), "+85291234567")
        with self.assertRaises(ValueError):
            e164("wangwang-nick")

    def test_it_reports_a_per_number_refusal_with_tencents_code(self):
        with FakeTencentSms(answers=["FailedOperation.PhoneNumberInBlacklist"]) as fake:
            sms = client(fake)
            with self.assertRaises(ProviderRefused) as blacklisted:
                send(sms)
            with self.assertRaises(ProviderRefused) as unapproved:
                send(sms, template_code="9999")
            with self.assertRaises(ProviderRefused) as mismatched:
                send(sms, params={"1": "张先生"})
        self.assertEqual(blacklisted.exception.code, "FailedOperation.PhoneNumberInBlacklist")
        self.assertEqual(blacklisted.exception.message, "the mobile number is in the blacklist")
        self.assertEqual(unapproved.exception.code, "FailedOperation.TemplateIncorrectOrUnapproved")
        self.assertEqual(
            mismatched.exception.code, "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        )
        for refusal in (blacklisted, unapproved, mismatched):
            self.assertFalse(refusal.exception.throttled)
        self.assertEqual(fake.accepted, [])

    def test_it_marks_tencents_rate_limits_as_throttled(self):
        answers = ["LimitExceeded.PhoneNumberDailyLimit", ("Error", "RequestLimitExceeded")]
        with FakeTencentSms(answers=answers) as fake:
            sms = client(fake)
            with self.assertRaises(ProviderRefused) as daily:
                send(sms)
            with self.assertRaises(ProviderRefused) as per_second:
                send(sms)
        self.assertEqual(daily.exception.code, "LimitExceeded.PhoneNumberDailyLimit")
        self.assertTrue(daily.exception.throttled)
        self.assertEqual(per_second.exception.code, "RequestLimitExceeded")
        self.assertTrue(per_second.exception.throttled)
        self.assertEqual(fake.accepted, [])

    def test_it_reports_a_request_level_error(self):
        with FakeTencentSms() as fake, self.assertRaises(ProviderRefused) as refused:
            send(client(fake, sdk_app_id="1400000000"))
        self.assertEqual(refused.exception.code, "UnauthorizedOperation.SmsSdkAppIdVerifyFail")
        self.assertFalse(refused.exception.throttled)

    def test_a_slow_answer_is_an_unknown_outcome_after_exactly_one_request(self):
        with FakeTencentSms(delay=1.5) as fake:
            slow = TencentSmsClient(CREDENTIALS, endpoint=fake.url, timeout=0.5)
            with self.assertRaises(OutcomeUnknown):
                send(slow, out_id="msg-slow")
            self.assertEqual(len(fake.requests), 1)
            # Tencent took it all the same: the status query, not a second send, says so.
            [message] = fake.accepted
            fake.report(message)
            fake.delay = 0
            [receipt] = client(fake).query_status(
                phone="13812345678",
                out_id="msg-slow",
                provider_id="",
                sent_on=TODAY,
            )
        self.assertEqual(len(fake.accepted), 1)
        self.assertEqual((receipt.provider_id, receipt.delivered), (message["serial"], True))

    def test_tencents_own_timeout_is_an_unknown_outcome(self):
        answers = ["InternalError.Timeout", ("Error", "InternalError.Timeout")]
        with FakeTencentSms(answers=answers) as fake:
            sms = client(fake)
            for _ in answers:
                with self.assertRaises(OutcomeUnknown):
                    send(sms)

    def test_a_gateway_error_after_the_request_left_is_an_unknown_outcome(self):
        bad_gateway = [b"<html>502 Bad Gateway</html>"]
        with FakeTencentSms(answers=bad_gateway) as fake, self.assertRaises(OutcomeUnknown):
            send(client(fake))
        self.assertEqual(len(fake.requests), 1)

    def test_a_refused_connection_is_retryable_not_unknown(self):
        # Nothing reached Tencent, so retrying later cannot send twice.
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{sock.getsockname()[1]}/"
        with self.assertRaises(ProviderRefused) as refused:
            send(TencentSmsClient(CREDENTIALS, endpoint=closed, timeout=1))
        self.assertEqual(refused.exception.code, "ClientNetworkError")
        self.assertTrue(refused.exception.throttled)


class StatusAndReplyPullTest(SimpleTestCase):
    def test_query_status_finds_the_message_by_session_context_or_serial_no(self):
        with FakeTencentSms() as fake:
            sms = client(fake)
            send(sms, out_id="msg-1")
            send(sms, out_id="msg-2", phone="13900001111")
            first, second = fake.accepted
            fake.report(first)
            fake.report(second, status="FAIL", description="MN:0001")
            [failed] = sms.query_status(
                phone="13900001111", out_id="msg-2", provider_id="", sent_on=TODAY
            )
            fake.report(first)
            [delivered] = sms.query_status(
                phone="13812345678",
                out_id="",
                provider_id=first["serial"],
                sent_on=TODAY,
            )
        self.assertEqual(
            (failed.provider_id, failed.out_id, failed.phone, failed.delivered, failed.error_code),
            (second["serial"], "msg-2", "13900001111", False, "MN:0001"),
        )
        self.assertEqual(
            (delivered.out_id, delivered.delivered, delivered.error_code), ("msg-1", True, "")
        )
        self.assertEqual(delivered.reported_at.tzinfo, UTC)

    def test_pull_statuses_returns_every_report(self):
        with FakeTencentSms() as fake:
            sms = client(fake)
            send(sms, out_id="msg-1")
            send(sms, out_id="msg-2")
            for message in fake.accepted:
                fake.report(message)
            receipts = sms.pull_statuses()
            again = sms.pull_statuses()
        self.assertEqual([r.out_id for r in receipts], ["msg-1", "msg-2"])
        self.assertEqual(again, [])
        self.assertEqual(fake.requests[-1]["headers"]["X-TC-Action"], "PullSmsSendStatus")
        self.assertEqual(
            json.loads(fake.requests[-1]["raw"]), {"Limit": 100, "SmsSdkAppId": "1400006666"}
        )

    def test_fetch_replies_hands_on_every_pulled_reply_even_before_since(self):
        # The pull hands each reply out once: one filtered away would be lost for good.
        with FakeTencentSms() as fake:
            # Tencent's documented PullSmsReplyStatus answer (2021-01-11), the second reply ours.
            fake.replies = [
                {
                    "CountryCode": "86",
                    "ReplyContent": "1",
                    "SubscriberNumber": "18501234444",
                    "ExtendCode": "11",
                    "ReplyTime": 1620734188,
                    "PhoneNumber": "+8618501234444",
                    "SignName": "腾讯云",
                },
                {
                    "CountryCode": "86",
                    "ReplyContent": "退订",
                    "SubscriberNumber": "13812345678",
                    "ExtendCode": "11",
                    "ReplyTime": 1620734189,
                    "PhoneNumber": "+8613812345678",
                    "SignName": SIGN_NAME,
                },
            ]
            sms = client(fake)
            first, reply = sms.fetch_replies(datetime.datetime.now(UTC))
            again = sms.fetch_replies(datetime.datetime.now(UTC))
        self.assertEqual(fake.requests[0]["headers"]["X-TC-Action"], "PullSmsReplyStatus")
        self.assertEqual((first.phone, first.text), ("18501234444", "1"))
        self.assertEqual(
            (reply.phone, reply.text, reply.sign_name), ("13812345678", "退订", SIGN_NAME)
        )
        self.assertEqual(reply.received_at, datetime.datetime(2021, 5, 11, 11, 56, 29, tzinfo=UTC))
        self.assertEqual(again, [])


class CallbackTest(SimpleTestCase):
    sms = TencentSmsClient(CREDENTIALS)

    def test_it_parses_the_documented_status_callback(self):
        # Tencent's "短信下发状态通知" sample, with a second report that failed and one that
        # carries the optional ext.
        body = json.dumps(
            [
                {
                    "user_receive_time": "2015-10-17 08:03:04",
                    "nationcode": "86",
                    "mobile": "13812345678",
                    "report_status": "SUCCESS",
                    "errmsg": "DELIVRD",
                    "description": "用户短信送达成功",
                    "sid": "5000:1045710669157053657849499620",
                },
                {
                    "user_receive_time": "2015-10-17 08:03:05",
                    "nationcode": "852",
                    "mobile": "91234567",
                    "report_status": "FAIL",
                    "errmsg": "MN:0001",
                    "description": "空号",
                    "sid": "5000:1045710669157053657849499621",
                    "ext": "msg-2",
                },
            ],
            ensure_ascii=False,
        ).encode()
        delivered, failed = self.sms.parse_receipts(body, {})
        self.assertEqual(
            (delivered.provider_id, delivered.phone, delivered.delivered, delivered.error_code),
            ("5000:1045710669157053657849499620", "13812345678", True, ""),
        )
        self.assertEqual(
            delivered.reported_at, datetime.datetime(2015, 10, 17, 8, 3, 4, tzinfo=BEIJING)
        )
        self.assertEqual(
            (
                failed.out_id,
                failed.phone,
                failed.delivered,
                failed.error_code,
                failed.error_message,
            ),
            ("msg-2", "+85291234567", False, "MN:0001", "空号"),
        )

    def test_it_parses_the_documented_reply_callback(self):
        body = json.dumps(
            {
                "extend": "",
                "mobile": "13812345678",
                "nationcode": "86",
                "sign": SIGN_NAME,
                "text": "TD",
                "time": 1457336869,
            },
            ensure_ascii=False,
        ).encode()
        [reply] = self.sms.parse_replies(body, {})
        self.assertEqual(
            (reply.phone, reply.text, reply.sign_name), ("13812345678", "TD", SIGN_NAME)
        )
        self.assertEqual(reply.received_at, datetime.datetime(2016, 3, 7, 7, 47, 49, tzinfo=UTC))

    def test_it_refuses_bodies_not_of_the_documented_shape(self):
        report = {
            "user_receive_time": "2015-10-17 08:03:04",
            "nationcode": "86",
            "mobile": "13812345678",
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "ok",
            "sid": "5000:1",
        }
        bad_receipts = [
            b"not json",
            json.dumps(report).encode(),  # an object, not the array
            json.dumps([{**report, "report_status": "DELIVERED"}]).encode(),
            json.dumps([{k: v for k, v in report.items() if k != "sid"}]).encode(),
            json.dumps([{**report, "user_receive_time": "yesterday"}]).encode(),
            json.dumps([["5000:1"]]).encode(),
        ]
        for body in bad_receipts:
            with self.subTest(body=body), self.assertRaises(BadCallback):
                self.sms.parse_receipts(body, {})
        reply = {
            "extend": "",
            "mobile": "13812345678",
            "nationcode": "86",
            "sign": "s",
            "text": "TD",
            "time": 1,
        }
        bad_replies = [
            b"",
            json.dumps([reply]).encode(),
            json.dumps({**reply, "time": "1457336869"}).encode(),
            json.dumps({k: v for k, v in reply.items() if k != "text"}).encode(),
        ]
        for body in bad_replies:
            with self.subTest(body=body), self.assertRaises(BadCallback):
                self.sms.parse_replies(body, {})
