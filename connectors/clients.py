"""What every platform client offers the pull, and the registry of clients by platform.

A client turns one platform's seller API into pages of items with the webhook's generic field
names (`review_id`, `order_id`, `buyer_nick`, `rating`, `text`, `reviewed_at`,
`product_name`, `amount`, `followup_text`, `followup_at`) plus `seller_reply`, the seller's
answer when the platform shows one. The pull stores them through `reviews.ingest`, as files
and the webhook are stored. Each platform is a module and a line in CLIENTS."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import requests
from django.conf import settings
from django.utils.module_loading import import_string
from requests.adapters import HTTPAdapter
from urllib3.exceptions import MaxRetryError, NewConnectionError
from urllib3.util.retry import Retry

from reviews.models import Review


class ConnectorError(Exception):
    """The platform refused or failed a call: `code` is the platform's, `message` in words."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Throttled(ConnectorError):
    """The platform's throttling answer: try this shop again after a back-off."""


class SessionExpired(ConnectorError):
    """The shop's authorisation is expired or revoked: its pulls stop until it is renewed."""


class CallFailed(ConnectorError):
    """Anything else (timeout, malformed answer, a refusal): the pull stops where it is and
    the next one resumes at its checkpoint."""


class ReplyRejected(ConnectorError):
    """The platform refused a public reply (too long, window closed, already answered…): it
    was not posted; `message` says why in the platform's words."""


class NotSent(CallFailed):
    """A write that never reached the platform (the connection could not be opened): nothing
    was posted, so a person may click again. Any other CallFailed on a write means the
    outcome is unknown."""


@dataclass(frozen=True)
class ReplyPosted:
    """The platform accepted a public reply: its id for the reply when it gives one."""

    platform_reply_id: str = ""


@dataclass
class Page:
    items: list[dict]
    has_next: bool
    # The platform pages no further in this window (TOP: 1,500 records per query): the
    # window must be cut shorter to read the rest.
    capped: bool = False


@dataclass
class Window:
    start: datetime
    end: datetime
    page_no: int = 1
    extra: dict = field(default_factory=dict)


class Client(Protocol):
    # The streams a pull reads one after another, each with its own cursor.
    streams: Sequence[str]
    # How far back the platform lets a pull read (TOP: 180 days).
    max_age: timedelta
    # The window one query covers at first (a long window is read in slices): a slice whose
    # records the platform caps is halved, a sparse one doubled up to `max_slice`.
    slice: timedelta
    max_slice: timedelta

    def page(self, stream: str, window: Window) -> Page: ...

    def recheck(self, reviews: Sequence[Review]) -> list[dict]:
        """Items for stored reviews looked up again (revised, 追评, seller reply)."""
        ...

    def ping(self) -> None:
        """One cheap authenticated call (the 「连接测试」 button); raises ConnectorError."""
        ...

    def post_reply(self, review: Review, text: str) -> ReplyPosted:
        """Post the seller's public reply to `review` (「发布到平台」, only ever on a person's
        click). Raises ReplyRejected when the platform refuses it, ConnectorError subclasses
        otherwise. Never retried automatically: a repeated POST could post it twice.

        The platform answered (ReplyRejected, SessionExpired, Throttled) or the call never
        left (NotSent): not posted. Anything else (a timeout, a malformed answer): the
        outcome is unknown, and a person checks the platform."""
        ...

    # Optional: False where the platform has no reply API for this shop (a Taobao C-shop):
    # 「发布到平台」 is not offered and the reply is copied and marked posted by hand. A client
    # without the attribute posts replies.
    posts_replies: bool


class PlatformClient:
    """What the platform clients share: the connection, the gateway's URL (the CONNECTORS key
    `url_setting`), the timeout, the pull's retrying session, and the reach of a pull that
    reads bad and neutral reviews as far back as TOP lets it (180 days; a day's margin so a
    window never starts beyond it), a day at a time at first, up to 16 days a query."""

    url_setting = ""
    streams: Sequence[str] = ("bad", "neutral")
    max_age = timedelta(days=179)
    slice = timedelta(days=1)
    max_slice = timedelta(days=16)

    def __init__(self, connection) -> None:
        self.connection = connection
        self.url = settings.CONNECTORS[self.url_setting]
        self.timeout = settings.CONNECTORS["TIMEOUT"]
        self.http = http_session()


CLIENTS = {
    "taobao": "connectors.top.TopClient",
    "tmall": "connectors.top.TopClient",
    "jd": "connectors.jd.JdClient",
    "ebay": "connectors.ebay.EbayClient",
    "kuaishou": "connectors.kuaishou.KuaishouClient",
}

# Platforms whose calls carry only the shop's token (eBay's OAuth user token), no app key or
# secret of ours.
TOKEN_ONLY = {"ebay"}


def supported(platform: str) -> bool:
    return platform in CLIENTS


def client_for(connection) -> Client:
    if not supported(connection.platform):
        raise CallFailed("unsupported", f"no connector for {connection.platform} yet")
    return import_string(CLIENTS[connection.platform])(connection)


def http_session() -> requests.Session:
    """The HTTP session every platform client reads through: connection errors and the
    gateway's 5xx are retried with back-off by urllib3; the pulls only read, so repeating a
    POST is safe, hence POST among the retried methods (and GET, for gateways such as
    Kuaishou's that read by GET). Never for a write: a reply goes without retries."""
    retry = Retry(
        total=settings.CONNECTORS["RETRIES"],
        backoff_factor=0.5,
        status_forcelist=(502, 503, 504),
        allowed_methods=frozenset({"GET", "POST"}),
        raise_on_status=False,
    )
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def post_json(http: requests.Session, url: str, payload: dict, timeout: float) -> dict:
    """POST a form to a platform's JSON gateway and read its answer as a JSON object; the
    network failing or anything but a JSON object is CallFailed (the pull resumes later)."""
    try:
        response = http.post(url, data=payload, timeout=timeout)
    except requests.RequestException as exc:
        raise CallFailed("network", str(exc)[:300]) from exc
    return json_object(response, "malformed")


def write_session() -> requests.Session:
    """The session a write (a public reply) goes through: nothing is retried, neither by
    urllib3 nor by us, since a POST repeated after a lost answer could post a reply twice."""
    retry = Retry(total=0, connect=0, read=0, redirect=0, status=0, raise_on_status=False)
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=retry))
    session.mount("https://", HTTPAdapter(max_retries=retry))
    return session


def post_once(http: requests.Session, url: str, *, timeout: float, **kwargs) -> requests.Response:
    """POST a write once. The connection not opening is NotSent (nothing reached the
    platform); a timeout or a connection lost after sending is CallFailed("unknown"): the
    platform may have posted it."""
    try:
        return http.post(url, timeout=timeout, **kwargs)
    except requests.ConnectTimeout as exc:
        raise NotSent("not_sent", str(exc)[:300]) from exc
    except requests.ConnectionError as exc:
        if _never_connected(exc):
            raise NotSent("not_sent", str(exc)[:300]) from exc
        raise CallFailed("unknown", str(exc)[:300]) from exc
    except requests.RequestException as exc:
        raise CallFailed("unknown", str(exc)[:300]) from exc


def _never_connected(exc: requests.ConnectionError) -> bool:
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError)


def read_json(response: requests.Response) -> dict:
    """A write's answer as a JSON object; anything else is CallFailed("unknown")."""
    return json_object(response, "unknown")


def json_object(response: requests.Response, failure: str) -> dict:
    """The answer as a JSON object; anything else is CallFailed(`failure`)."""
    try:
        body = response.json()
    except ValueError:
        raise CallFailed(failure, f"HTTP {response.status_code}: the answer is not JSON") from None
    if not isinstance(body, dict):
        raise CallFailed(failure, "the answer is not a JSON object")
    return body
