"""What every SMS provider client answers in, whatever the provider's own payloads look like.

A client is constructed from a shop's provider account (credentials decrypted by the caller)
and an endpoint (the provider's documented one by default; tests point it at a local fake):

    Client(credentials: dict[str, str], *, endpoint: str | None = None, timeout: float = 5.0)

with credentials {"access_key_id", "access_key_secret"} for Aliyun and {"secret_id",
"secret_key", "sdk_app_id", "region"} for Tencent Cloud. Each client module names its class
in `CLIENT` (outreach.sms.aliyun.CLIENT, outreach.sms.tencent.CLIENT) and its credential
field names in `CREDENTIAL_FIELDS`. Then:

    client.send(phone=…, sign_name=…, template_code=…, params={…}, out_id=…) -> SendResult
    client.query_status(phone=…, out_id=…, provider_id=…, sent_on=date) -> list[Receipt]
    client.parse_receipts(body: bytes, headers: Mapping) -> list[Receipt]     # status callback
    client.parse_replies(body: bytes, headers: Mapping) -> list[InboundReply]  # reply callback
    client.fetch_replies(since: datetime) -> list[InboundReply]               # where pulled

`send` raises OutcomeUnknown when the request may have reached the provider but no answer
came (timeout, connection reset after sending): the caller must query before any retry,
because providers do not de-duplicate. It raises ProviderRefused for a documented error
answer (with `throttled` set for the provider's rate-limit codes) and never returns an
accepted result without the provider's message id.
"""

from __future__ import annotations

import dataclasses
import datetime


class SmsProviderError(Exception):
    """Base for what a provider client raises."""


@dataclasses.dataclass
class ProviderRefused(SmsProviderError):
    """The provider answered with a documented error code: nothing was sent."""

    code: str
    message: str = ""
    throttled: bool = False  # the provider's rate-limit codes: try again later, not a failure

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.message else self.code


class OutcomeUnknown(SmsProviderError):
    """The request may have reached the provider, no answer says whether it was taken."""


class BadCallback(SmsProviderError):
    """A callback body that is not the provider's documented shape, or fails its check."""


@dataclasses.dataclass(frozen=True)
class SendResult:
    provider_id: str  # the provider's id for this message (BizId, SerialNo); never empty
    fee: int | None = None  # billed parts, where the provider says


@dataclasses.dataclass(frozen=True)
class Receipt:
    """A delivery report: from a status callback or a status query."""

    provider_id: str
    out_id: str  # our id as sent (OutId / SessionContext); "" where the provider omits it
    phone: str
    delivered: bool | None  # None: the provider does not know yet
    error_code: str = ""
    error_message: str = ""
    reported_at: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class InboundReply:
    """A buyer's SMS answer to one of the shop's messages."""

    phone: str
    text: str
    received_at: datetime.datetime
    provider_id: str = ""  # the provider's id for the reply, for idempotency, where given
    sign_name: str = ""
