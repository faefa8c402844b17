"""Tencent Cloud SMS: API 3.0 (service `sms`, version 2021-01-11, sms.tencentcloudapi.com),
spoken over plain HTTP with the TC3-HMAC-SHA256 signature, and its two callbacks parsed.

Why not the official SDK (tencentcloud-sdk-python-sms + -common): it is well kept and can be
pointed at a local http endpoint (HttpProfile(endpoint=…, scheme="http")), but it folds every
transport failure into one TencentCloudSDKException("ClientNetworkError"), so a connection
refused before a byte left (safe to retry) looks the same as a read timeout after the request
was written (the message may be on its way: query before any retry). That distinction is the
whole point of OutcomeUnknown, and the SDK brings `requests` and a large generated model
module for three calls. The signature is short and documented step by step with a worked
example (test_tencent_sms_client checks that example), so this module signs by hand with
http.client and needs no new dependency.

The calls used:
- SendSms: PhoneNumberSet (E.164, +86 for mainland numbers), SmsSdkAppId, SignName,
  TemplateId, TemplateParamSet (ordered strings), SessionContext = our out_id. Answers 200
  with Response.SendStatusSet[i].Code "Ok" and the SerialNo, or a per-number code; or
  Response.Error {Code, Message} for the whole request.
- PullSmsSendStatus (Limit, SmsSdkAppId): the latest delivery reports of the whole app, not
  of one message. Tencent's pull hands out each report once (its older pull API documented
  that pulled reports are not returned again), so a caller with several messages waiting
  should use `pull_statuses()` and apply every report; `query_status` keeps only the asked
  message's.
- PullSmsReplyStatus (Limit, SmsSdkAppId): the buyers' replies (`fetch_replies`).

The status and reply callbacks carry no signature: the receiving endpoint authenticates them
with a secret token in the URL; the parsers here only refuse what is not the documented shape.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .base import (
    BadCallback,
    InboundReply,
    OutcomeUnknown,
    ProviderRefused,
    Receipt,
    SendResult,
)

CREDENTIAL_FIELDS = ("secret_id", "secret_key", "sdk_app_id", "region")

ENDPOINT = "https://sms.tencentcloudapi.com/"
SERVICE = "sms"
VERSION = "2021-01-11"
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
# The action is signed too, so a captured request cannot be replayed as another call.
SIGNED_HEADERS = ("content-type", "host", "x-tc-action")
PULL_LIMIT = 100  # the most either pull hands out per call

# The callback's user_receive_time is a wall-clock time without a zone: Beijing time (UTC+8,
# no daylight saving since 1991).
BEIJING = ZoneInfo("Asia/Shanghai")

# Codes that say Tencent may have handed the message on before failing (its API or the
# carrier timed out, "unknown error"): the outcome is unknown, not refused.
AMBIGUOUS_CODES = frozenset(
    {
        "InternalError.Timeout",
        "InternalError.SendAndRecvFail",
        "InternalError.UnknownError",
        "InternalError.OtherError",
    }
)


def is_throttled(code: str) -> bool:
    """The frequency limits (per number, per app, per second): try later, not a failure."""
    return code.startswith(("LimitExceeded", "RequestLimitExceeded"))


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def tc3_signature(*, secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """Signature = HexEncode(HMAC_SHA256(SecretSigning, StringToSign)), the key derived from
    "TC3" + SecretKey over the UTC date, the service and "tc3_request"."""
    secret_date = _hmac(f"TC3{secret_key}".encode(), date)
    secret_service = _hmac(secret_date, service)
    secret_signing = _hmac(secret_service, "tc3_request")
    return hmac.new(secret_signing, string_to_sign.encode(), hashlib.sha256).hexdigest()


def tc3_authorization(
    *,
    secret_id: str,
    secret_key: str,
    headers: Mapping[str, str],
    signed_headers: tuple[str, ...],
    payload: bytes,
    timestamp: int,
    service: str = SERVICE,
) -> str:
    """The Authorization header for a POST to "/" with `payload`, signing the named headers
    (lowercase names, their values as sent) — Tencent's four steps: canonical request,
    string to sign, signature, authorization."""
    lowered = {name.lower(): value for name, value in headers.items()}
    names = sorted(signed_headers)
    canonical_headers = "".join(f"{name}:{lowered[name].strip().lower()}\n" for name in names)
    signed = ";".join(names)
    canonical_request = "\n".join(
        ["POST", "/", "", canonical_headers, signed, hashlib.sha256(payload).hexdigest()]
    )
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, str(timestamp), scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    signature = tc3_signature(
        secret_key=secret_key, date=date, service=service, string_to_sign=string_to_sign
    )
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders={signed}, Signature={signature}"
    )


def e164(phone: str) -> str:
    """A mainland mobile number (11 digits from 1, or with 86 before it) as +86…; a number
    already in E.164 as it is."""
    digits = phone.strip().replace(" ", "").replace("-", "")
    if digits.startswith("+") and digits[1:].isdigit():
        return digits
    if digits.isdigit() and len(digits) == 11 and digits.startswith("1"):
        return f"+86{digits}"
    if digits.isdigit() and len(digits) == 13 and digits.startswith("861"):
        return f"+{digits}"
    raise ValueError(f"not a mobile number Tencent can address: {phone!r}")


def _local_phone(country_code: str, number: str) -> str:
    """As the shop keeps buyers' numbers: mainland ones as the 11 digits, others in E.164."""
    return number if country_code == "86" else f"+{country_code}{number}"


def _template_params(params: Mapping[str, Any]) -> list[str]:
    """TemplateParamSet is positional ({1}, {2}, …): numbered keys go in their numeric order,
    named ones in the order the template registry gave them."""
    keys = list(params)
    if all(str(key).isdigit() for key in keys):
        keys.sort(key=int)
    return [str(params[key]) for key in keys]


class TencentSmsClient:
    def __init__(
        self, credentials: Mapping[str, str], *, endpoint: str | None = None, timeout: float = 5.0
    ) -> None:
        missing = [field for field in CREDENTIAL_FIELDS if not credentials.get(field)]
        if missing:
            raise ValueError(f"Tencent Cloud SMS credentials lack {', '.join(missing)}")
        self.secret_id = credentials["secret_id"]
        self.secret_key = credentials["secret_key"]
        self.sdk_app_id = credentials["sdk_app_id"]
        self.region = credentials["region"]
        parts = urlsplit(endpoint or ENDPOINT)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) endpoint: {endpoint!r}")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port
        # The Host header as signed: with the port only where it is not the scheme's own.
        self.host_header = parts.netloc.rpartition("@")[2]
        self.timeout = timeout

    # --- the calls -------------------------------------------------------------------------

    def send(
        self,
        *,
        phone: str,
        sign_name: str,
        template_code: str,
        params: Mapping[str, Any],
        out_id: str,
    ) -> SendResult:
        answer = self._call(
            "SendSms",
            {
                "PhoneNumberSet": [e164(phone)],
                "SmsSdkAppId": self.sdk_app_id,
                "SignName": sign_name,
                "TemplateId": template_code,
                "TemplateParamSet": _template_params(params),
                "SessionContext": out_id,
            },
        )
        statuses = answer.get("SendStatusSet")
        if (
            not isinstance(statuses, list)
            or len(statuses) != 1
            or not isinstance(statuses[0], dict)
        ):
            raise OutcomeUnknown(f"SendSms answered without one status: {answer!r}")
        status = statuses[0]
        code = str(status.get("Code", ""))
        message = str(status.get("Message", ""))
        if code == "Ok":
            serial = str(status.get("SerialNo") or "")
            if not serial:
                raise OutcomeUnknown("SendSms said Ok without a SerialNo")
            fee = status.get("Fee")
            return SendResult(provider_id=serial, fee=fee if isinstance(fee, int) else None)
        if code in AMBIGUOUS_CODES:
            raise OutcomeUnknown(f"{code}: {message}")
        raise ProviderRefused(
            code=code or "UnknownCode", message=message, throttled=is_throttled(code)
        )

    def pull_statuses(self) -> list[Receipt]:
        """Every delivery report Tencent has for the app since the last pull."""
        answer = self._call(
            "PullSmsSendStatus", {"Limit": PULL_LIMIT, "SmsSdkAppId": self.sdk_app_id}
        )
        return [self._pulled_receipt(item) for item in self._list(answer, "PullSmsSendStatusSet")]

    def query_status(
        self, *, phone: str, out_id: str, provider_id: str, sent_on: datetime.date
    ) -> list[Receipt]:
        """The reports for one message, matched by SerialNo or SessionContext. `phone` and
        `sent_on` narrow nothing: PullSmsSendStatus takes neither."""
        return [
            receipt
            for receipt in self.pull_statuses()
            if (provider_id and receipt.provider_id == provider_id)
            or (out_id and receipt.out_id == out_id)
        ]

    def fetch_replies(self, since: datetime.datetime) -> list[InboundReply]:
        """Every reply the pull hands out. `since` narrows nothing: Tencent hands each reply
        out once, so one dropped here (a 退订 among them) would never come back."""
        answer = self._call(
            "PullSmsReplyStatus", {"Limit": PULL_LIMIT, "SmsSdkAppId": self.sdk_app_id}
        )
        return [self._pulled_reply(item) for item in self._list(answer, "PullSmsReplyStatusSet")]

    # --- the callbacks -------------------------------------------------------------------

    def parse_receipts(self, body: bytes, headers: Mapping[str, str]) -> list[Receipt]:
        """The status callback: a JSON array of {user_receive_time, nationcode, mobile,
        report_status SUCCESS|FAIL, errmsg, description, sid[, ext]}."""
        items = _json(body)
        if not isinstance(items, list):
            raise BadCallback("a status callback is a JSON array")
        receipts = []
        for item in items:
            fields = _strings(
                item,
                (
                    "user_receive_time",
                    "nationcode",
                    "mobile",
                    "report_status",
                    "errmsg",
                    "description",
                    "sid",
                ),
            )
            if fields["report_status"] not in ("SUCCESS", "FAIL") or not fields["sid"]:
                raise BadCallback(f"not a delivery report: {item!r}")
            try:
                reported = datetime.datetime.strptime(
                    f"{fields['user_receive_time']} +0800", "%Y-%m-%d %H:%M:%S %z"
                ).astimezone(BEIJING)
            except ValueError as exc:
                raise BadCallback(f"user_receive_time: {fields['user_receive_time']!r}") from exc
            delivered = fields["report_status"] == "SUCCESS"
            ext = item.get("ext", "")
            receipts.append(
                Receipt(
                    provider_id=fields["sid"],
                    out_id=ext if isinstance(ext, str) else "",
                    phone=_local_phone(fields["nationcode"], fields["mobile"]),
                    delivered=delivered,
                    error_code="" if delivered else fields["errmsg"],
                    error_message="" if delivered else fields["description"],
                    reported_at=reported,
                )
            )
        return receipts

    def parse_replies(self, body: bytes, headers: Mapping[str, str]) -> list[InboundReply]:
        """The reply callback: one JSON object {extend, mobile, nationcode, sign, text, time}."""
        item = _json(body)
        fields = _strings(item, ("mobile", "nationcode", "sign", "text"))
        sent_at = item.get("time")
        if isinstance(sent_at, bool) or not isinstance(sent_at, int) or not fields["mobile"]:
            raise BadCallback(f"not a reply: {item!r}")
        return [
            InboundReply(
                phone=_local_phone(fields["nationcode"], fields["mobile"]),
                text=fields["text"],
                received_at=datetime.datetime.fromtimestamp(sent_at, datetime.UTC),
                sign_name=fields["sign"],
            )
        ]

    # --- the wire ------------------------------------------------------------------------

    def _call(self, action: str, params: dict[str, Any]) -> dict[str, Any]:
        """POST one signed call; Response without its Error, or raise."""
        payload = json.dumps(params, ensure_ascii=False).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Host": self.host_header,
            "X-TC-Action": action,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.region,
        }
        headers["Authorization"] = tc3_authorization(
            secret_id=self.secret_id,
            secret_key=self.secret_key,
            headers=headers,
            signed_headers=SIGNED_HEADERS,
            payload=payload,
            timestamp=timestamp,
        )
        connection_class = (
            http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        )
        connection = connection_class(self.host, self.port, timeout=self.timeout)
        try:
            try:
                connection.connect()
            except OSError as exc:
                # Refused, unresolvable, no TLS: not a byte of the request left this machine.
                raise ProviderRefused(
                    code="ClientNetworkError", message=f"{self.host}: {exc}", throttled=True
                ) from exc
            try:
                connection.request("POST", "/", body=payload, headers=headers)
                response = connection.getresponse()
                raw = response.read()
            except (OSError, http.client.HTTPException) as exc:
                raise OutcomeUnknown(f"{action}: no answer from {self.host} ({exc!r})") from exc
        finally:
            connection.close()
        try:
            answer = json.loads(raw)["Response"]
        except (ValueError, KeyError, TypeError) as exc:
            raise OutcomeUnknown(
                f"{action}: HTTP {response.status} without a Response: {raw[:200]!r}"
            ) from exc
        if not isinstance(answer, dict):
            raise OutcomeUnknown(f"{action}: Response is not an object: {raw[:200]!r}")
        error = answer.get("Error")
        if isinstance(error, dict):
            code = str(error.get("Code", ""))
            message = str(error.get("Message", ""))
            if code in AMBIGUOUS_CODES:
                raise OutcomeUnknown(f"{action}: {code}: {message}")
            raise ProviderRefused(
                code=code or "UnknownCode", message=message, throttled=is_throttled(code)
            )
        return answer

    @staticmethod
    def _list(answer: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        items = answer.get(key) or []  # null when there is nothing to pull
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise OutcomeUnknown(f"{key} is not a list of objects")
        return items

    @staticmethod
    def _pulled_receipt(item: Mapping[str, Any]) -> Receipt:
        status = item.get("ReportStatus")
        delivered = {"SUCCESS": True, "FAIL": False}.get(status)
        received = item.get("UserReceiveTime")
        return Receipt(
            provider_id=str(item.get("SerialNo") or ""),
            out_id=str(item.get("SessionContext") or ""),
            phone=_local_phone(
                str(item.get("CountryCode", "")), str(item.get("SubscriberNumber", ""))
            ),
            delivered=delivered,
            error_code=str(item.get("Description") or "") if delivered is False else "",
            reported_at=(
                datetime.datetime.fromtimestamp(received, datetime.UTC)
                if isinstance(received, int) and received
                else None
            ),
        )

    @staticmethod
    def _pulled_reply(item: Mapping[str, Any]) -> InboundReply:
        replied = item.get("ReplyTime")
        if not isinstance(replied, int):
            raise OutcomeUnknown(f"a reply without its ReplyTime: {item!r}")
        return InboundReply(
            phone=_local_phone(
                str(item.get("CountryCode", "")), str(item.get("SubscriberNumber", ""))
            ),
            text=str(item.get("ReplyContent", "")),
            received_at=datetime.datetime.fromtimestamp(replied, datetime.UTC),
            sign_name=str(item.get("SignName", "")),
        )


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, TypeError) as exc:
        raise BadCallback("the body is not JSON") from exc


def _strings(item: Any, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields of a callback item, each present and a string."""
    if not isinstance(item, dict):
        raise BadCallback(f"not an object: {item!r}")
    values = {name: item.get(name) for name in names}
    wrong = [name for name, value in values.items() if not isinstance(value, str)]
    if wrong:
        raise BadCallback(f"missing or not text: {', '.join(wrong)}")
    return values


CLIENT = TencentSmsClient
