"""DingTalk (钉钉) custom group robot with the 加签 security setting.

The request goes to the webhook URL (…/robot/send?access_token=…) plus `&timestamp=<ms>&sign=`:
sign = urlencode(base64(HmacSHA256(key=secret, message=f"{timestamp}\\n{secret}"))), in UTF-8;
DingTalk refuses a timestamp more than an hour from its clock. Answers errcode/errmsg: 0 ok,
310000 a wrong signature (or keyword/IP), 130101 too many messages (20 a minute).
"""

import base64
import hashlib
import hmac
import time
from urllib.parse import quote_plus

from .base import Note, RobotError
from .http import post_json

THROTTLED = {130101, -1}  # -1: "system busy"


def sign(timestamp_ms: int, secret: str) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(webhook: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    if not secret:  # a robot secured by keyword or IP range instead
        return webhook
    ts = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if "?" in webhook else "?"
    return f"{webhook}{joiner}timestamp={ts}&sign={sign(ts, secret)}"


def payload(note: Note) -> dict:
    text = f"#### {note.subject}\n\n{note.body}\n\n[{note.link}]({note.link})"
    return {"msgtype": "markdown", "markdown": {"title": note.subject, "text": text}}


def send(*, webhook: str, secret: str, note: Note) -> None:
    answer = post_json(signed_url(webhook, secret), payload(note))
    code = answer.get("errcode")
    if code != 0:
        raise RobotError(str(code), str(answer.get("errmsg", "")), retry=code in THROTTLED)
