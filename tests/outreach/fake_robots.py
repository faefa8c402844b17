"""Fake WeCom, DingTalk and Feishu group robots: http.server on 127.0.0.1 in a thread, each
checking what its provider documents (DingTalk's and Feishu's signatures and their one-hour
window, WeCom's key) and answering with the provider's codes. `answers` scripts answers to
play first (e.g. throttling); `received` keeps every accepted message."""

import base64
import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from unittest import mock
from urllib.parse import parse_qs, urlsplit

from django.test import override_settings

from outreach.tasks import lead_alert_send_task

# What tests give settings.LEAD_ALERTS (pytest's `settings` fixture, or ALLOW_FAKES).
FAKES_ALLOWED = {
    "TIMEOUT": 2,
    "ROBOT_HOSTS": {"wecom": ["127.0.0.1"], "dingtalk": ["127.0.0.1"], "feishu": ["127.0.0.1"]},
    "ALLOW_HTTP": True,
}


@contextmanager
def worker():
    """Run each enqueued alert task as the worker would (retries included), when the
    enqueueing transaction commits."""

    def run(alert_id):
        lead_alert_send_task.apply(args=(alert_id,))

    with mock.patch("outreach.services.lead_alerts.send_alert", side_effect=run) as sent:
        yield sent


# Robots on 127.0.0.1 over plain HTTP are allowed only in tests.
ALLOW_FAKES = override_settings(LEAD_ALERTS=FAKES_ALLOWED)

DINGTALK_BAD_SIGN = {"errcode": 310000, "errmsg": "sign not match"}
DINGTALK_OLD_TIMESTAMP = {"errcode": 310000, "errmsg": "invalid timestamp"}
DINGTALK_THROTTLED = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
FEISHU_BAD_SIGN = {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}
FEISHU_THROTTLED = {"code": 9499, "msg": "too many request"}
WECOM_THROTTLED = {"errcode": 45009, "errmsg": "api freq out of limit"}


def dingtalk_expected_sign(timestamp: str, secret: str) -> str:
    """As DingTalk checks it: base64(HmacSHA256(secret, "timestamp\\nsecret")), compared with
    the URL-decoded `sign` parameter."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def feishu_expected_sign(timestamp: str, secret: str) -> str:
    """As Feishu checks it: base64(HmacSHA256(key="timestamp\\nsecret", message=""))."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class FakeRobot:
    def __init__(self, kind: str, *, token: str = "tok-123", secret: str = "", answers=()):
        self.kind = kind
        self.token = token
        self.secret = secret
        self.answers = list(answers)
        self.received: list[dict] = []
        self.refused: list[dict] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                answer = robot.check(self.path, body)
                payload = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        port = self.server.server_port
        self.url = {
            "wecom": f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key={token}",
            "dingtalk": f"http://127.0.0.1:{port}/robot/send?access_token={token}",
            "feishu": f"http://127.0.0.1:{port}/open-apis/bot/v2/hook/{token}",
        }[kind]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def check(self, path: str, body: dict) -> dict:
        parts = urlsplit(path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        refusal = getattr(self, f"_check_{self.kind}")(parts.path, query, body)
        if refusal:
            self.refused.append({"query": query, "body": body, "answer": refusal})
            return refusal
        if self.answers:
            return self.answers.pop(0)
        self.received.append({"query": query, "body": body})
        return (
            {"code": 0, "msg": "success"}
            if self.kind == "feishu"
            else {"errcode": 0, "errmsg": "ok"}
        )

    def _check_wecom(self, path, query, body):
        if path != "/cgi-bin/webhook/send" or query.get("key") != self.token:
            return {"errcode": 93000, "errmsg": "invalid webhook url"}
        if body.get("msgtype") not in ("text", "markdown"):
            return {"errcode": 40008, "errmsg": "invalid message type"}
        return None

    def _check_dingtalk(self, path, query, body):
        if path != "/robot/send" or query.get("access_token") != self.token:
            return {"errcode": 300001, "errmsg": "token is not exist"}
        if self.secret:
            ts = query.get("timestamp", "")
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                return DINGTALK_OLD_TIMESTAMP
            if query.get("sign") != dingtalk_expected_sign(ts, self.secret):
                return DINGTALK_BAD_SIGN
        if body.get("msgtype") not in ("text", "markdown", "link", "actionCard", "feedCard"):
            return {"errcode": 40035, "errmsg": "缺少参数 msgtype"}
        return None

    def _check_feishu(self, path, query, body):
        if path != f"/open-apis/bot/v2/hook/{self.token}":
            return {"code": 19001, "msg": "param invalid: incoming webhook access token invalid"}
        if self.secret:
            ts = str(body.get("timestamp", ""))
            if not ts.isdigit() or abs(time.time() - int(ts)) > 3600:
                return FEISHU_BAD_SIGN
            if body.get("sign") != feishu_expected_sign(ts, self.secret):
                return FEISHU_BAD_SIGN
        if body.get("msg_type") not in ("text", "post", "interactive", "image", "share_chat"):
            return {"code": 9499, "msg": "Bad Request"}
        return None

    def __enter__(self) -> "FakeRobot":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
