"""Team chat robots that tell a shop's leads (WeCom, DingTalk, Feishu group robots): one module
per provider, each signing and shaping the message as its provider documents and turning the
answer into success or a RobotError with the provider's own code and message."""

from urllib.parse import urlsplit

from django.conf import settings

from . import dingtalk, feishu, wecom
from .base import Note, RobotError

__all__ = ["Note", "RobotError", "send", "webhook_problem"]

MODULES = {"wecom": wecom, "dingtalk": dingtalk, "feishu": feishu}


def webhook_problem(channel: str, url: str) -> str | None:
    """Why `url` is not a webhook of `channel`'s provider, or None. Only the providers' own
    hosts are accepted, so the setting cannot make the server post to an internal address."""
    conf = settings.LEAD_ALERTS
    parts = urlsplit(url.strip())
    allowed = ("https", "http") if conf["ALLOW_HTTP"] else ("https",)
    if parts.scheme not in allowed:
        return "scheme"
    if (parts.hostname or "") not in conf["ROBOT_HOSTS"].get(channel, ()):
        return "host"
    return None


def send(channel: str, *, webhook: str, secret: str, note: Note) -> None:
    """Post `note` through the robot; raises RobotError when it was not posted."""
    module = MODULES[channel]
    if webhook_problem(channel, webhook):
        raise RobotError("config", "webhook URL is not this provider's")
    module.send(webhook=webhook.strip(), secret=secret.strip(), note=note)
