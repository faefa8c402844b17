"""A fake Aliyun 号码隐私保护 (Dyplsapi 2017-05-25) and its click-to-call: http.server on
127.0.0.1 in a thread. Like the provider, it recomputes each request's RPC signature from the
AccessKey secret (SignatureDoesNotMatch otherwise), refuses a stale Timestamp or a reused
SignatureNonce, checks each action's required parameters, keeps the bindings it made, and
answers with the documented payloads. `answers` scripts refusals to play first (e.g.
isv.NO_AVAILABLE_NUMBER); `received` keeps every accepted request.

`push` posts call records to our endpoint as the provider's HTTP batch push does: a JSON
array of SecretStartReport or SecretReport items."""

import base64
import hashlib
import hmac
import itertools
import json
import threading
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qsl, quote
from zoneinfo import ZoneInfo

from django.test import override_settings

BEIJING = ZoneInfo("Asia/Shanghai")
NO_AVAILABLE_NUMBER = {"Code": "isv.NO_AVAILABLE_NUMBER", "Message": "无可用号码"}
BUSINESS_LIMIT = {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}
THROTTLED = {"Code": "Throttling.User", "Message": "Request was denied due to user flow control."}


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


def expected_signature(params: dict, secret: str, method: str) -> str:
    """As the provider recomputes it, written independently of calls.aliyun_pls."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    canonical = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in pairs)
    to_sign = "&".join([method, _encode("/"), _encode(canonical)])
    mac = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakePls:
    def __init__(
        self,
        *,
        key_id="LTAI-test",
        secret="secret-test",
        pool_key="FC100000123",
        numbers=("17100001111",),
        answers=(),
    ):
        self.key_id = key_id
        self.secret = secret
        self.pool_key = pool_key
        self.numbers = list(numbers)
        self.answers = list(answers)
        self.received: list[dict] = []
        self.refused: list[dict] = []
        self.bindings: dict[str, dict] = {}
        self.nonces: set[str] = set()
        self._ids = itertools.count(1000000000000001)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                params = dict(parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True))
                status, answer = fake.answer(params)
                payload = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _refuse(self, params: dict, status: int, code: str, message: str) -> tuple[int, dict]:
        answer = {"RequestId": str(uuid.uuid4()).upper(), "Code": code, "Message": message}
        self.refused.append({"params": params, "answer": answer})
        return status, answer

    def answer(self, params: dict) -> tuple[int, dict]:
        if params.get("AccessKeyId") != self.key_id:
            return self._refuse(
                params, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if params.get("Signature") != expected_signature(params, self.secret, "POST"):
            return self._refuse(
                params,
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
        if params.get("SignatureMethod") != "HMAC-SHA1" or params.get("SignatureVersion") != "1.0":
            return self._refuse(
                params,
                400,
                "IncompleteSignature",
                "The request signature does not conform to Aliyun standards.",
            )
        try:
            stamp = datetime.strptime(params.get("Timestamp", ""), "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=UTC
            )
        except ValueError:
            return self._refuse(
                params,
                400,
                "InvalidTimeStamp.Format",
                "Specified time stamp or date value is not well formatted.",
            )
        if abs(datetime.now(UTC) - stamp) > timedelta(minutes=15):
            return self._refuse(
                params,
                400,
                "InvalidTimeStamp.Expired",
                "Specified time stamp or date value is expired.",
            )
        nonce = params.get("SignatureNonce", "")
        if not nonce or nonce in self.nonces:
            return self._refuse(
                params, 400, "SignatureNonceUsed", "Specified signature nonce was used already."
            )
        self.nonces.add(nonce)
        if params.get("Version") != "2017-05-25" or params.get("Format") != "JSON":
            return self._refuse(
                params, 400, "InvalidVersion", "Specified parameter Version is not valid."
            )
        if self.answers:
            answer = {"RequestId": str(uuid.uuid4()).upper(), **self.answers.pop(0)}
            self.refused.append({"params": params, "answer": answer})
            return 200, answer
        handler = getattr(self, f"_{params.get('Action', '')}", None)
        if handler is None:
            return self._refuse(
                params, 404, "InvalidAction.NotFound", "Specified api is not found."
            )
        status, answer = handler(params)
        if answer.get("Code") == "OK":
            self.received.append(params)
        return status, {"RequestId": str(uuid.uuid4()).upper(), **answer}

    def _missing(self, params: dict, *names: str) -> dict | None:
        for name in names:
            if not params.get(name):
                return {
                    "Code": "MissingParameter",
                    "Message": f"{name} is mandatory for this action.",
                }
        return None

    def _BindAxb(self, params: dict) -> tuple[int, dict]:
        if missing := self._missing(params, "PoolKey", "PhoneNoA", "PhoneNoB", "Expiration"):
            return 400, missing
        if params["PoolKey"] != self.pool_key:
            return 200, {"Code": "isv.POOL_KEY_NOT_EXIST", "Message": "poolKey not exsit."}
        try:
            expiry = datetime.strptime(params["Expiration"], "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=BEIJING
            )
        except ValueError:
            return 200, {"Code": "isv.INVALID_PARAMETERS", "Message": "Expiration format invalid"}
        if expiry < datetime.now(UTC) + timedelta(minutes=1):
            return 200, {
                "Code": "isv.INVALID_PARAMETERS",
                "Message": "Expiration must be 1 minute later",
            }
        free = [params["PhoneNoX"]] if params.get("PhoneNoX") else self.numbers
        if not free or free[0] not in self.numbers:
            return 200, NO_AVAILABLE_NUMBER
        subs_id = str(next(self._ids))
        self.bindings[subs_id] = {**params, "SecretNo": free[0]}
        return 200, {
            "Code": "OK",
            "Message": "OK",
            "SecretBindDTO": {"SecretNo": free[0], "SubsId": subs_id, "Extension": ""},
        }

    def _UnbindSubscription(self, params: dict) -> tuple[int, dict]:
        if missing := self._missing(params, "SubsId", "SecretNo"):
            return 400, missing
        if not params.get("PoolKey") and not params.get("ProductType"):
            return 400, {
                "Code": "MissingParameter",
                "Message": "PoolKey or ProductType is mandatory.",
            }
        binding = self.bindings.get(params["SubsId"])
        if binding is None or binding["SecretNo"] != params["SecretNo"]:
            return 200, {"Code": "isv.NO_SUBS_EXIST", "Message": "subscription not exist"}
        del self.bindings[params["SubsId"]]
        return 200, {"Code": "OK", "Message": "OK", "Chargeid": None}

    def _ClickToDial(self, params: dict) -> tuple[int, dict]:
        if missing := self._missing(
            params, "CallerShowNumber", "CallerNumber", "CalledShowNumber", "CalledNumber"
        ):
            return 400, missing
        return 200, {"Code": "OK", "Message": "OK", "CallId": f"{next(self._ids)}^1028137"}

    def __enter__(self) -> "FakePls":
        self.thread.start()
        self._settings = override_settings(
            ALIYUN_PLS={"API_URL": self.url, "CLICK_API_URL": self.url, "TIMEOUT": 2}
        )
        self._settings.enable()
        return self

    def __exit__(self, *exc) -> None:
        self._settings.disable()
        self.server.shutdown()
        self.server.server_close()


# The provider's call records, as documented (masked numbers as in its samples).


def _fmt(moment: datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def start_report(
    *, call_id: str, sub_id: str, out_id: str = "", at: datetime, pool_key="FC100000123"
) -> dict:
    return {
        "phone_no": "138****0000",
        "pool_key": pool_key,
        "city": "杭州",
        "sub_id": int(sub_id),
        "out_id": out_id,
        "unconnected_cause": 0,
        "call_time": _fmt(at),
        "peer_no": "139****0000",
        "called_display_no": "171****1111",
        "call_id": call_id,
        "partner_key": pool_key,
        "id": "101407590" + call_id[-4:],
        "secret_no": "171****1111",
        "call_type": 0,
        "control_type": "CONTINUE",
    }


def release_report(
    *,
    call_id: str,
    sub_id: str,
    out_id: str = "",
    at: datetime,
    talk_seconds: int = 0,
    ring_seconds: int = 8,
    unconnected_cause: int = 0,
    release_cause: int = 16,
    release_dir: int = 1,
    record_url: str = "https://pls-record.oss-cn-shanghai.aliyuncs.com/rec.mp3",
    pool_key="FC100000123",
) -> dict:
    """A SecretReport item. Unanswered: start_time equals release_time (no talk time)."""
    ring = at + timedelta(seconds=2)
    start = ring + timedelta(seconds=ring_seconds)
    release = start + timedelta(seconds=talk_seconds)
    return {
        "phone_no": "138****0000",
        "city": "杭州",
        "call_out_time": _fmt(at + timedelta(seconds=1)),
        "ring_time": _fmt(ring),
        "record_url": record_url if talk_seconds else "",
        "ring_record_url": "",
        "free_ring_time": _fmt(ring),
        "control_msg": "OK",
        "id": int("101456851" + call_id[-4:]),
        "secret_no": "171****1111",
        "call_type": 0,
        "control_type": "CONTINUE",
        "release_time": _fmt(release),
        "pool_key": pool_key,
        "sub_id": int(sub_id),
        "unconnected_cause": unconnected_cause,
        "call_time": _fmt(at),
        "peer_no": "139****0000",
        "called_display_no": "171****1111",
        "release_dir": release_dir,
        "call_id": call_id,
        "start_time": _fmt(start if talk_seconds else release),
        "partner_key": pool_key,
        "out_id": out_id,
        "release_cause": release_cause if talk_seconds else 19,
    }


def voice_report(*, call_id: str, out_id: str = "", at: datetime, talk_seconds: int = 0) -> dict:
    """A click-to-call's VoiceReport from the voice service: the a leg rings the agent, the b
    leg the buyer; start and end are empty when the buyer did not answer."""
    b_start = at + timedelta(seconds=15)
    b_end = b_start + timedelta(seconds=talk_seconds)
    answered = bool(talk_seconds)
    return {
        "status_code": "200000" if answered else "200005",
        "smart_status_code": "ANSWERED" if answered else "NO_ANSWER",
        "hangup_direction": "用户",
        "callee": "1390000****",
        "caller": "1370000****",
        "originate_time": _fmt(at),
        "ring_time": _fmt(at + timedelta(seconds=8)),
        "duration": str(talk_seconds),
        "b_duration": talk_seconds,
        "b_originate_time": _fmt(at + timedelta(seconds=6)),
        "b_ring_time": _fmt(at + timedelta(seconds=8)),
        "b_start_time": _fmt(b_start) if answered else "",
        "b_end_time": _fmt(b_end) if answered else "",
        "start_time": _fmt(at + timedelta(seconds=3)),
        "end_time": _fmt(b_end if answered else at + timedelta(seconds=40)),
        "voice_type": "voice",
        "toll_type": "UNKNOWN",
        "out_id": out_id,
        "call_id": call_id,
    }


def push(client, url: str, items: list[dict]):
    """POST the items as the provider's batch push does (a JSON array, no cookies)."""
    return client.post(
        url, data=json.dumps(items, ensure_ascii=False), content_type="application/json"
    )


def push_http(url: str, items: list[dict]) -> dict:
    """The same push over HTTP, as the provider sends it to a running server."""
    request = urllib.request.Request(
        url,
        data=json.dumps(items, ensure_ascii=False).encode(),
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return json.loads(response.read())


@contextmanager
def worker():
    """Run each enqueued unbind as the worker would, when the enqueueing transaction commits."""
    from calls.tasks import call_unbind_task

    with mock.patch(
        "calls.services._enqueue_unbind",
        side_effect=lambda call_id: call_unbind_task.apply(args=(call_id,)),
    ) as sent:
        yield sent
