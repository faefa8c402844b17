"""Aliyun SMS (短信服务, dysmsapi, API version 2017-05-25), over its documented RPC HTTP API.

Why plain urllib and not the official SDK (alibabacloud_dysmsapi20170525): the SDK is
generated code that pulls in the Tea runtime (alibabacloud_tea_openapi, darabonba core,
credentials, gateway and OpenAPI utility packages) — seven packages to sign one query string
and read one JSON answer. It can be pointed at another endpoint, but its retry and runtime
options sit between us and the one thing this client must control exactly: a send is tried
once, and a timeout is reported as "outcome unknown", never retried (providers do not
de-duplicate). The RPC signature is short and documented, so it is written here and checked
by a fake server (tests/outreach/fake_aliyun_sms.py) that recomputes it as Aliyun does.

The RPC signature (Aliyun's "signature mechanism" for RPC APIs):
  1. all parameters but Signature, sorted by name, each name and value percent-encoded
     (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay; a space is %20) and joined as name=value&…;
  2. StringToSign = METHOD & percentEncode("/") & percentEncode(that query);
  3. Signature = Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)).
Common parameters: AccessKeyId, Action, Format=JSON, RegionId, SignatureMethod=HMAC-SHA1,
SignatureNonce (a UUID: never twice), SignatureVersion=1.0, Timestamp (ISO 8601, UTC),
Version=2017-05-25.

Answers: {"Code": "OK", "Message": "OK", "BizId": …, "RequestId": …} on success; any other
Code is an error — isv.BUSINESS_LIMIT_CONTROL and Throttling.* are rate limits (try later),
the other isv.* codes (a bad number, an unapproved template or sign name…) are refusals.

Callbacks: Aliyun pushes delivery reports (SmsReport) and buyers' replies (SmsUp) as a JSON
array POSTed to a URL set in its console. The push carries no signature, so our endpoint is
authenticated by a per-account secret token in the URL path (outreach.views.sms_callbacks).
Aliyun expects {"code": 0, "msg": "成功"}, or it pushes the same report again.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from .base import BadCallback, InboundReply, OutcomeUnknown, ProviderRefused, Receipt, SendResult

ENDPOINT = "https://dysmsapi.aliyuncs.com/"
VERSION = "2017-05-25"
CREDENTIAL_FIELDS = ("access_key_id", "access_key_secret")
# The times in Aliyun's reports and query answers are Beijing time, without a zone.
BEIJING = ZoneInfo("Asia/Shanghai")
# QuerySendDetails knows a message for 30 days after its send date.
QUERY_WINDOW_DAYS = 30
# The answer Aliyun's push expects, or it sends the report again.
CALLBACK_ANSWER = {"code": 0, "msg": "成功"}


def percent_encode(value: str) -> str:
    """RFC 3986 encoding as Aliyun's signature wants it (~ kept, space as %20)."""
    return urllib.parse.quote(str(value), safe="~")


def string_to_sign(method: str, params: Mapping[str, str]) -> str:
    query = "&".join(
        f"{percent_encode(k)}={percent_encode(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    return f"{method}&{percent_encode('/')}&{percent_encode(query)}"


def signature(secret: str, method: str, params: Mapping[str, str]) -> str:
    digest = hmac.new(
        (secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


def is_throttling(code: str) -> bool:
    return code == "isv.BUSINESS_LIMIT_CONTROL" or code.startswith("Throttling")


def _beijing(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except (AttributeError, ValueError):
        return None


class AliyunSmsClient:
    provider = "aliyun"

    def __init__(
        self,
        credentials: dict[str, str],
        *,
        endpoint: str | None = None,
        timeout: float = 5.0,
        region: str = "cn-hangzhou",
    ) -> None:
        self.access_key_id = credentials["access_key_id"]
        self.access_key_secret = credentials["access_key_secret"]
        self.endpoint = endpoint or ENDPOINT
        self.timeout = timeout
        self.region = region

    def _call(self, action: str, params: dict[str, str]) -> dict:
        """POST one signed RPC call; the answer's JSON when its Code is OK."""
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
            **params,
        }
        params["Signature"] = signature(self.access_key_secret, "POST", params)
        body = urllib.parse.urlencode(params, quote_via=urllib.parse.quote).encode()
        request = urllib.request.Request(
            self.endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # Aliyun answers its documented errors (a bad signature, throttling) with a JSON
            # body under a 4xx or 5xx status.
            raw = exc.read()
            if exc.code >= 500 and not raw.strip().startswith(b"{"):
                raise OutcomeUnknown(f"HTTP {exc.code} without an answer") from exc
        except (TimeoutError, ConnectionError) as exc:
            raise OutcomeUnknown(f"{type(exc).__name__}: {exc}") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, ConnectionResetError)):
                raise OutcomeUnknown(str(exc.reason)) from exc
            # Nothing was sent (no route, DNS, connection refused): like a rate limit, it is
            # worth trying again later, and it can never have been sent twice.
            raise ProviderRefused("Unreachable", str(exc.reason), throttled=True) from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise OutcomeUnknown("an answer that is not JSON") from exc
        code = str(answer.get("Code", ""))
        if code != "OK":
            raise ProviderRefused(code, str(answer.get("Message", "")), is_throttling(code))
        return answer

    def send(
        self, *, phone: str, sign_name: str, template_code: str, params: dict, out_id: str
    ) -> SendResult:
        answer = self._call(
            "SendSms",
            {
                "PhoneNumbers": phone,
                "SignName": sign_name,
                "TemplateCode": template_code,
                "TemplateParam": json.dumps(params, ensure_ascii=False),
                "OutId": out_id,
            },
        )
        if not answer.get("BizId"):
            # "OK" without the provider's id is not a send we can ever match to a receipt.
            raise OutcomeUnknown("SendSms answered OK without a BizId")
        return SendResult(provider_id=str(answer["BizId"]))

    def query_status(
        self, *, phone: str, out_id: str, provider_id: str, sent_on: datetime.date
    ) -> list[Receipt]:
        """What Aliyun knows of the messages sent to `phone` on `sent_on` (Beijing date):
        with `provider_id` (the BizId) that one; without (the send timed out), every one of
        that day, matched by the caller on `out_id`."""
        params = {
            "PhoneNumber": phone,
            "SendDate": sent_on.strftime("%Y%m%d"),
            "PageSize": "50",
            "CurrentPage": "1",
        }
        if provider_id:
            params["BizId"] = provider_id
        answer = self._call("QuerySendDetails", params)
        details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
        receipts = []
        for row in details:
            status = int(row.get("SendStatus") or 1)  # 1 waiting, 2 failed, 3 delivered
            receipts.append(
                Receipt(
                    provider_id=provider_id if provider_id else str(row.get("BizId", "")),
                    out_id=str(row.get("OutId") or ""),
                    phone=str(row.get("PhoneNum") or phone),
                    delivered={1: None, 2: False, 3: True}.get(status),
                    error_code=str(row.get("ErrCode") or "") if status == 2 else "",
                    reported_at=_beijing(row.get("ReceiveDate") or ""),
                )
            )
        return receipts

    @staticmethod
    def _rows(body: bytes) -> list[dict]:
        try:
            rows = json.loads(body)
        except ValueError as exc:
            raise BadCallback("not JSON") from exc
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BadCallback("not a JSON array of objects")
        return rows

    def parse_receipts(self, body: bytes, headers: Mapping) -> list[Receipt]:
        """SmsReport: [{phone_number, send_time, report_time, success, err_code, err_msg,
        sms_size, biz_id, out_id}, …]."""
        receipts = []
        for row in self._rows(body):
            if not row.get("biz_id"):
                raise BadCallback("a report without biz_id")
            success = row.get("success")
            delivered = success if isinstance(success, bool) else str(success).lower() == "true"
            receipts.append(
                Receipt(
                    provider_id=str(row["biz_id"]),
                    out_id=str(row.get("out_id") or ""),
                    phone=str(row.get("phone_number") or ""),
                    delivered=delivered,
                    error_code="" if delivered else str(row.get("err_code") or ""),
                    error_message="" if delivered else str(row.get("err_msg") or ""),
                    reported_at=_beijing(str(row.get("report_time") or "")),
                )
            )
        return receipts

    def parse_replies(self, body: bytes, headers: Mapping) -> list[InboundReply]:
        """SmsUp: [{phone_number, send_time, content, sign_name, dest_code, sequence_id}, …]."""
        replies = []
        for row in self._rows(body):
            if not row.get("phone_number") or "content" not in row:
                raise BadCallback("a reply without phone_number or content")
            received = _beijing(str(row.get("send_time") or ""))
            replies.append(
                InboundReply(
                    phone=str(row["phone_number"]),
                    text=str(row["content"]),
                    received_at=received or datetime.datetime.now(datetime.UTC),
                    provider_id=str(row.get("sequence_id") or ""),
                    sign_name=str(row.get("sign_name") or ""),
                )
            )
        return replies

    def fetch_replies(self, since: datetime.datetime) -> list[InboundReply]:
        # Aliyun pushes replies (SmsUp, by HTTP or its message queue); it has no pull API
        # for them in dysmsapi 2017-05-25.
        return []


CLIENT = AliyunSmsClient
