"""Feishu (飞书) custom group robot with 签名校验.

The JSON body carries "timestamp" (seconds, as a string) and
"sign" = base64(HmacSHA256(key=f"{timestamp}\\n{secret}", message=b"")) — the string to sign is
the HMAC's key and the message is empty, unlike DingTalk. Answers {"code": 0, "msg":
"success"}; 19021 a wrong signature, 19022 an IP not allowed, 9499 too many requests.
"""

import base64
import hashlib
import hmac
import time

from .base import Note, RobotError
from .http import post_json

THROTTLED = {9499, 11232}


def sign(timestamp_s: int, secret: str) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def payload(note: Note, secret: str, *, timestamp_s: int | None = None) -> dict:
    body: dict = {
        "msg_type": "text",
        "content": {"text": f"{note.subject}\n{note.body}\n{note.link}"},
    }
    if secret:
        ts = timestamp_s if timestamp_s is not None else int(time.time())
        body = {"timestamp": str(ts), "sign": sign(ts, secret), **body}
    return body


def send(*, webhook: str, secret: str, note: Note) -> None:
    answer = post_json(webhook, payload(note, secret))
    # Older robots answer StatusCode/StatusMessage; current ones code/msg.
    code = answer.get("code", answer.get("StatusCode"))
    if code != 0:
        message = answer.get("msg", answer.get("StatusMessage", ""))
        raise RobotError(str(code), str(message), retry=code in THROTTLED)
