"""A fake Tencent Cloud SMS (API 3.0, sms 2021-01-11): http.server on 127.0.0.1 in a thread.

It checks each call as Tencent documents it — its own TC3-HMAC-SHA256 recomputation over the
headers the request names in SignedHeaders (a wrong secret → AuthFailure.SignatureFailure),
the credential scope and its date, a timestamp within five minutes, the version and action —
and answers in Tencent's shapes: SendStatusSet with "Ok" and a SerialNo per number, a
per-number code, or Response.Error for the whole request.

`requests` keeps every call received, `accepted` every message it took. `answers` scripts what
SendSms answers first: a per-number code string ("LimitExceeded.PhoneNumberDailyLimit") or a
request-level ("Error", code) pair, or bytes a gateway in front of Tencent answers with (502,
after the call reached it). `delay` slows every answer (the message is still taken).
`statuses` and `replies` are what PullSmsSendStatus and PullSmsReplyStatus hand out, each
once, as Tencent's pull does; `report()` queues the report for an accepted message.
"""

import datetime
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET_ID = "AKIDfake0123456789reviewdesk"
SECRET_KEY = "fake-secret-key-0123456789"
SDK_APP_ID = "1400006666"
REGION = "ap-guangzhou"
SIGN_NAME = "评价助手"
# Approved templates: id -> number of parameters.
TEMPLATES = {"1234": 2, "5678": 1}

CREDENTIALS = {
    "secret_id": SECRET_ID,
    "secret_key": SECRET_KEY,
    "sdk_app_id": SDK_APP_ID,
    "region": REGION,
}

MESSAGES = {
    "AuthFailure.SignatureFailure": (
        "The provided credentials could not be validated. Please check your signature is correct."
    ),
    "AuthFailure.SignatureExpire": "Signature expired. Timestamp is more than 300 seconds from now.",
    "AuthFailure.SecretIdNotFound": "The SecretId is not found, please ensure that your SecretId is correct.",
    "RequestLimitExceeded": (
        "Your current request times equals to `21` in a second, which exceeds the frequency "
        "limit `20` for a second. Please reduce the frequency of calls."
    ),
    "InvalidAction": "The action requested is not valid for this version.",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "SmsSdkAppId verify failed.",
    "LimitExceeded.PhoneNumberDailyLimit": (
        "the number of sms messages sent from a single mobile number every day exceeds the upper limit"
    ),
    "LimitExceeded.PhoneNumberThirtySecondLimit": (
        "the number of sms messages sent from a single mobile number within 30 seconds exceeds the upper limit"
    ),
    "FailedOperation.PhoneNumberInBlacklist": "the mobile number is in the blacklist",
    "FailedOperation.SignatureIncorrectOrUnapproved": "signature is not approved or not exist",
    "FailedOperation.TemplateIncorrectOrUnapproved": "template is not approved or not exist",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": (
        "request content does not match template content"
    ),
    "InvalidParameterValue.IncorrectPhoneNumber": "invalid mobile number",
    "InternalError.Timeout": "the request to deliver an sms message timed out",
}

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def expected_signature(secret_key: str, date: str, service: str, string_to_sign: str) -> str:
    """As Tencent recomputes it: HMAC-SHA256 chained over "TC3"+key, date, service,
    "tc3_request", then over the string to sign; hex."""
    key = f"TC3{secret_key}".encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


class FakeTencentSms:
    def __init__(self, *, secret_key: str = SECRET_KEY, answers=(), delay: float = 0.0) -> None:
        self.secret_key = secret_key
        self.answers = list(answers)
        self.delay = delay
        self.requests: list[dict] = []
        self.accepted: list[dict] = []
        self.statuses: list[dict] = []
        self.replies: list[dict] = []
        self._serials = itertools.count(1)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length)
                with fake._lock:
                    fake.requests.append({"headers": dict(self.headers), "raw": raw})
                    answer = fake.answer(self.path, self.headers, raw)
                if fake.delay:
                    time.sleep(fake.delay)
                status, payload = (
                    (502, answer)
                    if isinstance(answer, bytes)
                    else (200, json.dumps({"Response": answer}, ensure_ascii=False).encode())
                )
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- what a test scripts -----------------------------------------------------------

    def report(
        self, message: dict, *, status: str = "SUCCESS", description: str = "DELIVRD"
    ) -> None:
        """Queue the delivery report of an accepted message for PullSmsSendStatus."""
        self.statuses.append(
            {
                "UserReceiveTime": int(time.time()),
                "CountryCode": "86",
                "SubscriberNumber": message["phone"][3:],
                "PhoneNumber": message["phone"],
                "SerialNo": message["serial"],
                "ReportStatus": status,
                "Description": description,
                "SessionContext": message["session"],
            }
        )

    # --- what Tencent checks and answers -----------------------------------------------

    def answer(self, path: str, headers, raw: bytes) -> dict | bytes:
        request_id = str(uuid.uuid4())
        refusal = self.check(path, headers, raw)
        if refusal:
            return {
                "Error": {"Code": refusal, "Message": MESSAGES.get(refusal, refusal)},
                "RequestId": request_id,
            }
        body = json.loads(raw)
        action = headers["X-TC-Action"]
        if body.get("SmsSdkAppId") != SDK_APP_ID:
            code = "UnauthorizedOperation.SmsSdkAppIdVerifyFail"
            return {"Error": {"Code": code, "Message": MESSAGES[code]}, "RequestId": request_id}
        if action == "PullSmsSendStatus":
            pulled, self.statuses = self.statuses[: body["Limit"]], self.statuses[body["Limit"] :]
            return {"PullSmsSendStatusSet": pulled, "RequestId": request_id}
        if action == "PullSmsReplyStatus":
            pulled, self.replies = self.replies[: body["Limit"]], self.replies[body["Limit"] :]
            return {"PullSmsReplyStatusSet": pulled, "RequestId": request_id}
        scripted = self.answers.pop(0) if self.answers else None
        if isinstance(scripted, bytes):
            return scripted
        if isinstance(scripted, tuple):
            code = scripted[1]
            return {
                "Error": {"Code": code, "Message": MESSAGES.get(code, code)},
                "RequestId": request_id,
            }
        return {
            "SendStatusSet": [
                self._send_one(phone, body, scripted) for phone in body["PhoneNumberSet"]
            ],
            "RequestId": request_id,
        }

    def _send_one(self, phone: str, body: dict, scripted: str | None) -> dict:
        code = scripted or self._number_refusal(phone, body) or "Ok"
        status = {
            "SerialNo": "",
            "PhoneNumber": phone,
            "Fee": 0,
            "SessionContext": body.get("SessionContext", ""),
            "Code": code,
            "Message": MESSAGES.get(code, code),
            "IsoCode": "CN",
        }
        if code == "Ok":
            serial = f"5000:{1045710669157053657849499619 + next(self._serials)}"
            status.update(SerialNo=serial, Fee=1, Message="send success")
            self.accepted.append(
                {
                    "serial": serial,
                    "phone": phone,
                    "session": status["SessionContext"],
                    "body": body,
                }
            )
        return status

    @staticmethod
    def _number_refusal(phone: str, body: dict) -> str | None:
        """What SendSms says for one number of a well-signed request, None when it is taken."""
        params = body.get("TemplateParamSet", [])
        if not re.fullmatch(r"\+\d{6,15}", phone):
            return "InvalidParameterValue.IncorrectPhoneNumber"
        if body.get("SignName") != SIGN_NAME:
            return "FailedOperation.SignatureIncorrectOrUnapproved"
        if body.get("TemplateId") not in TEMPLATES:
            return "FailedOperation.TemplateIncorrectOrUnapproved"
        if not (
            isinstance(params, list)
            and all(isinstance(param, str) for param in params)
            and len(params) == TEMPLATES[body["TemplateId"]]
        ):
            return "FailedOperation.TemplateParamSetNotMatchApprovedTemplate"
        return None

    def check(self, path: str, headers, raw: bytes) -> str | None:
        """The request-level checks, in the order Tencent's gateway makes them: None if the
        call may proceed, else the error code."""
        if path != "/" or headers.get("X-TC-Version") != "2021-01-11":
            return "InvalidAction"
        if headers.get("X-TC-Action") not in ("SendSms", "PullSmsSendStatus", "PullSmsReplyStatus"):
            return "InvalidAction"
        timestamp = headers.get("X-TC-Timestamp", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "AuthFailure.SignatureExpire"
        match = AUTHORIZATION.match(headers.get("Authorization", ""))
        if not match:
            return "AuthFailure.SignatureFailure"
        if match["id"] != SECRET_ID:
            return "AuthFailure.SecretIdNotFound"
        date = datetime.datetime.fromtimestamp(int(timestamp), datetime.UTC).strftime("%Y-%m-%d")
        signed = match["signed"].split(";")
        if (
            match["date"] != date
            or match["service"] != "sms"
            or not {"content-type", "host"} <= set(signed)
            or signed != sorted(signed)
            or any(headers.get(name) is None for name in signed)
        ):
            return "AuthFailure.SignatureFailure"
        canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
        canonical_request = (
            f"POST\n/\n\n{canonical_headers}\n{match['signed']}\n{hashlib.sha256(raw).hexdigest()}"
        )
        string_to_sign = (
            f"TC3-HMAC-SHA256\n{timestamp}\n{date}/sms/tc3_request\n"
            f"{hashlib.sha256(canonical_request.encode()).hexdigest()}"
        )
        wanted = expected_signature(self.secret_key, date, "sms", string_to_sign)
        if not hmac.compare_digest(wanted, match["signature"]):
            return "AuthFailure.SignatureFailure"
        return None

    def __enter__(self) -> "FakeTencentSms":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
