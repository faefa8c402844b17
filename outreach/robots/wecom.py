"""WeCom (企业微信) group robot: POST JSON to its webhook URL (the key is in the URL; no
signature). Answers {"errcode": 0, "errmsg": "ok"}; 45009 means the robot's rate limit
(20 messages a minute) was hit."""

from .base import Note, RobotError
from .http import post_json

THROTTLED = {45009}


def payload(note: Note) -> dict:
    # Markdown: a bold title, the text, and the link (content at most 4096 bytes).
    content = f"**{note.subject}**\n{note.body}\n[{note.link}]({note.link})"
    return {"msgtype": "markdown", "markdown": {"content": content[:1500]}}


def send(*, webhook: str, secret: str, note: Note) -> None:
    answer = post_json(webhook, payload(note))
    code = answer.get("errcode")
    if code != 0:
        raise RobotError(str(code), str(answer.get("errmsg", "")), retry=code in THROTTLED)
