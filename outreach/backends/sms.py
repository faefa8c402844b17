"""An SMS provider over HTTP, through a small adapter: timeouts, retries with backoff.

settings.OUTREACH_SMS = {"URL": …, "API_KEY": …, "TIMEOUT": seconds, "RETRIES": n,
"BACKOFF": seconds}.  The provider gets the message's idempotency key as `Idempotency-Key`,
so a retry after a timeout (the provider may have got the first try) is not a second SMS.
"""

import json
import logging
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_noop

from . import BaseBackend, ByHand, DeliveryError

logger = logging.getLogger(__name__)


class SmsHttpBackend(BaseBackend):
    def __init__(self) -> None:
        conf = settings.OUTREACH_SMS
        if not conf["URL"]:
            raise ImproperlyConfigured("OUTREACH_SMS['URL'] must be set to use the SMS backend.")
        self.url = conf["URL"]
        self.api_key = conf["API_KEY"]
        self.timeout = float(conf["TIMEOUT"])
        self.retries = int(conf["RETRIES"])
        self.backoff = float(conf["BACKOFF"])

    def send(self, message) -> str:
        if message.channel != "sms":
            # 旺旺 and platform messages have no open sending API for sellers: an SMS provider
            # would text a nickname. A person sends them.
            raise ByHand(gettext_noop("no provider sends on this channel"))
        payload = json.dumps(
            {"to": message.to, "body": message.body, "channel": message.channel}
        ).encode()
        last_error = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            request = urllib.request.Request(
                self.url,
                data=payload,
                method="POST",
                headers={
                    "Content-Type": "application/json",
                    "Authorization": f"Bearer {self.api_key}",
                    "Idempotency-Key": message.idempotency_key,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    body = json.loads(response.read() or b"{}")
                    if not body.get("id"):
                        # Without the provider's id nothing says it took the message.
                        raise DeliveryError("provider answered without a message id")
                    return str(body["id"])
            except urllib.error.HTTPError as exc:
                last_error = f"HTTP {exc.code}"
                if exc.code < 500 and exc.code != 429:
                    raise DeliveryError(f"provider refused: {last_error}") from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                last_error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
            logger.warning(
                "sms attempt %s for message %s failed: %s", attempt + 1, message.id, last_error
            )
        raise DeliveryError(f"gave up after {self.retries + 1} attempts: {last_error}")
