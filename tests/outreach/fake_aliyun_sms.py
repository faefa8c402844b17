"""A fake Aliyun SMS (dysmsapi 2017-05-25): http.server on 127.0.0.1 in a thread.

It checks each call as Aliyun does — the common parameters, the AccessKeyId, the signature
recomputed from the AccessKeySecret (SignatureDoesNotMatch otherwise), a nonce used once —
and answers with Aliyun's documented payloads. A test scripts what comes next:

    fake.script("throttle")            # isv.BUSINESS_LIMIT_CONTROL, nothing sent
    fake.script("refuse", code=…)      # an isv.* error, nothing sent
    fake.script("slow", seconds=…)     # takes the message, answers after `seconds`
    fake.script("drop")                # takes the message, closes without an answer

Every SendSms it took is kept (`sent`) and QuerySendDetails answers from them, with the
status a test sets (`deliver(biz_id, ok)`): 1 waiting, 2 failed, 3 delivered.
"""

from __future__ import annotations

import datetime
import json
import re
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from outreach.sms.aliyun import signature

KEY_ID, KEY_SECRET = "LTAI5tFakeKeyId", "fake-secret-0123456789"
COMMON = {
    "Format": "JSON",
    "SignatureMethod": "HMAC-SHA1",
    "SignatureVersion": "1.0",
    "Version": "2017-05-25",
}
BEIJING = ZoneInfo("Asia/Shanghai")


class FakeAliyunSms:
    def __init__(self, key_id: str = KEY_ID, secret: str = KEY_SECRET) -> None:
        self.key_id, self.secret = key_id, secret
        self.calls: list[dict] = []  # every call that passed the checks
        self.sent: list[dict] = []  # every SendSms taken: {biz_id, phone, out_id, …, status}
        self.errors: list[dict] = []  # the error answers given
        self.plan: list[dict] = []
        self.nonces: set[str] = set()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                params = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                fake.handle(self, params)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.lock = threading.Lock()

    def __enter__(self) -> FakeAliyunSms:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # What a test scripts and reads.

    def script(self, what: str, **options) -> None:
        self.plan.append({"what": what, **options})

    @property
    def send_calls(self) -> list[dict]:
        return [c for c in self.calls if c["Action"] == "SendSms"]

    def deliver(self, biz_id: str, ok: bool = True, code: str = "") -> None:
        for row in self.sent:
            if row["biz_id"] == biz_id:
                row["status"] = 3 if ok else 2
                row["err_code"] = "DELIVERED" if ok else (code or "MOBILE_NOT_ON_SERVICE")

    def report(self, biz_id: str, ok: bool = True, code: str = "") -> list[dict]:
        """The SmsReport push Aliyun would make for a message it took."""
        row = next(r for r in self.sent if r["biz_id"] == biz_id)
        return [
            {
                "phone_number": row["phone"],
                "send_time": row["send_time"],
                "report_time": datetime.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                "success": ok,
                "err_code": "DELIVERED" if ok else (code or "MOBILE_NOT_ON_SERVICE"),
                "err_msg": "用户接收成功" if ok else "停机",
                "sms_size": "1",
                "biz_id": biz_id,
                "out_id": row["out_id"],
            }
        ]

    # The server's side.

    def answer(self, handler, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json;charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def error(self, handler, status: int, code: str, message: str) -> None:
        with self.lock:
            self.errors.append({"Code": code, "Message": message})
        payload = {"Code": code, "Message": message, "RequestId": "FAKE-REQ-ERR"}
        self.answer(handler, status, payload)

    def check(self, handler, params: dict) -> bool:
        for name, value in COMMON.items():
            if params.get(name) != value:
                self.error(handler, 400, "MissingParameter", f"{name} must be {value}")
                return False
        for name in ("Action", "SignatureNonce", "Timestamp", "Signature", "RegionId"):
            if not params.get(name):
                self.error(handler, 400, f"Missing{name}", f"{name} is mandatory")
                return False
        if params.get("AccessKeyId") != self.key_id:
            self.error(
                handler, 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
            return False
        if params["Signature"] != signature(self.secret, handler.command, params):
            self.error(
                handler,
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation.",
            )
            return False
        try:
            stamp = datetime.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.UTC
            )
        except ValueError:
            self.error(handler, 400, "InvalidTimeStamp.Format", "Specified time stamp is invalid.")
            return False
        now = datetime.datetime.now(datetime.UTC)
        if abs((now - stamp).total_seconds()) > 15 * 60:
            self.error(handler, 400, "InvalidTimeStamp.Expired", "Specified time stamp is expired.")
            return False
        with self.lock:
            if params["SignatureNonce"] in self.nonces:
                self.error(
                    handler,
                    400,
                    "SignatureNonceUsed",
                    "Specified signature nonce was used already.",
                )
                return False
            self.nonces.add(params["SignatureNonce"])
        return True

    def handle(self, handler, params: dict) -> None:
        if not self.check(handler, params):
            return
        with self.lock:
            self.calls.append(params)
        if params["Action"] == "SendSms":
            self.send_sms(handler, params)
        elif params["Action"] == "QuerySendDetails":
            self.query(handler, params)
        else:
            self.error(handler, 404, "InvalidAction.NotFound", "Specified api is not found.")

    def send_sms(self, handler, params: dict) -> None:
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                self.error(handler, 200, "isv.INVALID_PARAMETERS", f"{name} is mandatory")
                return
        try:
            json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            self.error(handler, 200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
            return
        step = self.plan.pop(0) if self.plan else {"what": "ok"}
        if step["what"] == "throttle":
            self.error(handler, 200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            return
        if step["what"] == "refuse":
            code = step.get("code", "isv.MOBILE_NUMBER_ILLEGAL")
            self.error(handler, 200, code, step.get("message", "非法手机号"))
            return
        with self.lock:
            biz_id = f"{900000 + len(self.sent)}^{len(self.sent) + 1}"
            self.sent.append(
                {
                    "biz_id": biz_id,
                    "phone": params["PhoneNumbers"],
                    "out_id": params.get("OutId", ""),
                    "template": params["TemplateCode"],
                    "sign_name": params["SignName"],
                    "params": json.loads(params.get("TemplateParam") or "{}"),
                    "send_time": datetime.datetime.now(BEIJING).strftime("%Y-%m-%d %H:%M:%S"),
                    "status": 1,
                    "err_code": "",
                }
            )
        if step["what"] == "slow":
            time.sleep(step.get("seconds", 1.0))
        if step["what"] == "drop":
            handler.close_connection = True
            handler.connection.close()
            return
        payload = {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "FAKE-REQ"}
        self.answer(handler, 200, payload)

    def query(self, handler, params: dict) -> None:
        for name in ("PhoneNumber", "SendDate", "PageSize", "CurrentPage"):
            if not params.get(name):
                self.error(handler, 200, "isv.INVALID_PARAMETERS", f"{name} is mandatory")
                return
        rows = [
            r
            for r in self.sent
            if r["phone"] == params["PhoneNumber"]
            and r["send_time"][:10].replace("-", "") == params["SendDate"]
            and (not params.get("BizId") or r["biz_id"] == params["BizId"])
        ]
        details = [
            {
                "PhoneNum": r["phone"],
                "SendStatus": r["status"],
                "ErrCode": r["err_code"],
                "TemplateCode": r["template"],
                "Content": "",
                "SendDate": r["send_time"],
                "ReceiveDate": r["send_time"] if r["status"] != 1 else "",
                "OutId": r["out_id"],
            }
            for r in rows
        ]
        payload = {
            "Code": "OK",
            "Message": "OK",
            "RequestId": "FAKE-REQ-Q",
            "TotalCount": len(details),
            "SmsSendDetailDTOs": {"SmsSendDetailDTO": details},
        }
        self.answer(handler, 200, payload)


def provider_text(playbook_text: str) -> tuple[str, list[str]]:
    """A playbook template as the provider would approve it: {nick} → ${nick}, and the
    variables in order."""
    return re.sub(r"\{(\w+)\}", r"${\1}", playbook_text), re.findall(r"\{(\w+)\}", playbook_text)


def aliyun_account(shop, fake: FakeAliyunSms | None, *, templates: dict | None = None):
    """A shop's active Aliyun account pointed at `fake`, with an approved template for each
    message kind the playbook sends (its default text), or for `templates` {kind: text}."""
    from outreach.models import SmsAccount, SmsTemplate
    from outreach.sms_models import PLAYBOOK_TEMPLATE
    from outreach.wording import DEFAULT_TEMPLATES

    account = SmsAccount(
        shop=shop,
        provider="aliyun",
        sign_name="好店",
        endpoint=fake.url if fake else "",
        credentials=json.dumps({"access_key_id": KEY_ID, "access_key_secret": KEY_SECRET}),
    )
    account.new_callback_token()
    account.save()
    texts = templates or {k: DEFAULT_TEMPLATES[n] for k, n in PLAYBOOK_TEMPLATE.items()}
    for i, (kind, text) in enumerate(texts.items()):
        approved, variables = provider_text(text)
        SmsTemplate.objects.create(
            account=account,
            kind=kind,
            code=f"SMS_{4000 + i}",
            text=approved,
            variables=variables,
            approved=True,
        )
    return account
