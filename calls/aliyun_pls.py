"""Aliyun 号码隐私保护 (Dyplsapi, API version 2017-05-25) over its RPC HTTP API: BindAxb,
UnbindSubscription, and ClickToDial (the voice service's click-to-call, same version and
signature). Each request is signed as Aliyun's RPC signature documents (rpc_signature); an
answer other than Code "OK" becomes a PlsError with the provider's code and a message for
the agent."""

import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from outreach.sms import aliyun as aliyun_rpc

API_VERSION = "2017-05-25"


def rpc_signature(params: dict, secret: str, method: str = "POST") -> str:
    """Aliyun's RPC signature, the one the SMS client signs with (outreach.sms.aliyun)."""
    return aliyun_rpc.signature(secret, method, params)


# What the agent reads for the provider's documented refusals (the code is kept alongside).
MESSAGES = {
    "isv.NO_AVAILABLE_NUMBER": _(
        "No privacy number of the shop's pool is free right now. Try again in a few minutes, "
        "or ask a team lead to add numbers to the pool."
    ),
    "isv.BUSINESS_LIMIT_CONTROL": _(
        "The provider is limiting calls to this number for now (too many in a short time). "
        "Try again later."
    ),
    "Throttling": _("The provider is busy (too many requests). Try again in a minute."),
    "credentials": _(
        "The provider refused the shop's masked-calling credentials. A team lead must check "
        "the AccessKey in the settings."
    ),
    "network": _("The masked-calling provider cannot be reached. Try again in a minute."),
}
CREDENTIAL_CODES = {
    "SignatureDoesNotMatch",
    "InvalidAccessKeyId.NotFound",
    "InvalidAccessKeyId.Inactive",
    "IncompleteSignature",
    "Forbidden.RAM",
    "isv.ACCOUNT_ABNORMAL",
    "isv.POOL_KEY_NOT_EXIST",
    "POOLKEY_NOT_EXIST",
}


class PlsError(Exception):
    """The provider did not do it: `code` is its own (or "network"), `message` its words."""

    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    @property
    def agent_message(self) -> str:
        if self.code in MESSAGES:
            return str(MESSAGES[self.code])
        if self.code.startswith("Throttling"):
            return str(MESSAGES["Throttling"])
        if self.code in CREDENTIAL_CODES:
            return str(MESSAGES["credentials"])
        return str(
            _("The provider refused to set up the call (%(code)s). Try again, or call by hand.")
            % {"code": self.code}
        )


@dataclass(frozen=True)
class Binding:
    secret_no: str
    subs_id: str
    extension: str


class Client:
    def __init__(self, *, access_key_id: str, access_key_secret: str) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret

    def call(self, action: str, params: dict, *, url: str | None = None) -> dict:
        conf = settings.ALIYUN_PLS
        query = {
            "AccessKeyId": self.access_key_id,
            "Action": action,
            "Format": "JSON",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            **{k: str(v) for k, v in params.items() if v not in (None, "")},
        }
        query["Signature"] = rpc_signature(query, self.access_key_secret)
        request = urllib.request.Request(
            url or conf["API_URL"],
            data=urllib.parse.urlencode(query).encode(),
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        try:
            with urllib.request.urlopen(request, timeout=conf["TIMEOUT"]) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            # Refusals (a bad signature, throttling) come with HTTP 4xx and the same JSON shape.
            raw = exc.read() or b""
            if not raw.strip().startswith(b"{"):
                raise PlsError(f"HTTP {exc.code}", str(exc.reason)) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise PlsError("network", str(getattr(exc, "reason", exc))) from exc
        try:
            answer = json.loads(raw)
        except ValueError:
            raise PlsError("answer", "not JSON") from None
        if not isinstance(answer, dict) or answer.get("Code") != "OK":
            answer = answer if isinstance(answer, dict) else {}
            raise PlsError(str(answer.get("Code") or "answer"), str(answer.get("Message") or ""))
        return answer

    def bind_axb(
        self,
        *,
        pool_key: str,
        phone_a: str,
        phone_b: str,
        expiration: str,
        out_id: str = "",
        phone_x: str = "",
        recording: bool = True,
    ) -> Binding:
        """`expiration` as the provider reads it: "yyyy-MM-dd HH:mm:ss", Beijing time."""
        answer = self.call(
            "BindAxb",
            {
                "PoolKey": pool_key,
                "PhoneNoA": phone_a,
                "PhoneNoB": phone_b,
                "PhoneNoX": phone_x,
                "Expiration": expiration,
                "OutId": out_id,
                "IsRecordingEnabled": "true" if recording else "false",
            },
        )
        dto = answer.get("SecretBindDTO") or {}
        if not dto.get("SecretNo") or not dto.get("SubsId"):
            raise PlsError("answer", "no SecretBindDTO")
        return Binding(
            secret_no=str(dto["SecretNo"]),
            subs_id=str(dto["SubsId"]),
            extension=str(dto.get("Extension") or ""),
        )

    def unbind(self, *, pool_key: str, subs_id: str, secret_no: str) -> None:
        self.call(
            "UnbindSubscription", {"PoolKey": pool_key, "SubsId": subs_id, "SecretNo": secret_no}
        )

    def click_to_dial(
        self,
        *,
        show_number: str,
        caller: str,
        called: str,
        out_id: str = "",
        recording: bool = True,
    ) -> str:
        """Ring `caller` (the agent), then `called` (the buyer), both seeing `show_number`;
        returns the provider's call id."""
        answer = self.call(
            "ClickToDial",
            {
                "CallerShowNumber": show_number,
                "CallerNumber": caller,
                "CalledShowNumber": show_number,
                "CalledNumber": called,
                "RecordFlag": "true" if recording else "false",
                "OutId": out_id,
            },
            url=settings.ALIYUN_PLS["CLICK_API_URL"],
        )
        if not answer.get("CallId"):
            raise PlsError("answer", "no CallId")
        return str(answer["CallId"])
