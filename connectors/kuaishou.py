"""Kuaishou shops (快手小店) through the Kuaishou e-commerce open platform's gateway.

Every call goes to `<gateway>/<method with dots as slashes>` (open.comment.list.get →
/open/comment/list/get) with the system parameters appkey, method, version=1, access_token
(the shop's authorisation, kept in the connection's session key), timestamp (epoch
milliseconds), signMethod and `param`, the method's own parameters as one JSON string. The
signature is computed over `access_token=…&appkey=…&method=…&param=…&signMethod=…&
timestamp=…&version=…` (the names sorted) followed by `&signSecret=<secret>`: MD5 as lower-
case hex, or HMAC-SHA256 keyed with the secret as base64; we sign with HMAC_SHA256. The
connection's app secret holds the app's signSecret. Reads are GETs with the parameters in
the query, writes POST them as a form. An answer is `{"result": 1, "data": …}`; anything
else is a refusal with `code` and `error_msg`.

Reviews come from open.comment.list.get: one stream per rating (差评: quality score 1–2, 中评:
3, by the `qualityScore` filter; 4–5 are 好评 and never asked for), windows by
createTimeFrom/createTimeTo (ms), newest first, paged with offset/limit (at most 20 a page;
`total` says how many the query holds). A root comment flags a buyer's 追评 (`attached`,
`attachedTime`) and a seller reply (`sellerReply`); their text is read with
open.subcomment.list.get by the root comment's id. Stored reviews are looked up again by
order (`outOrderNo`).

Replies go through open.comment.add to the root comment (`replyToCommentId`): the platform
accepts one reply per review, within 30 days of it, to the first review only, never
edited. Those rules are checked here before calling; a write is never retried."""

import base64
import hashlib
import hmac
import json
import zoneinfo
from collections.abc import Sequence
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import platforms
from outreach.models import ReplyState
from reviews.models import Review

from .clients import (
    CallFailed,
    Page,
    PlatformClient,
    ReplyPosted,
    ReplyRejected,
    SessionExpired,
    Throttled,
    Window,
    json_object,
    post_once,
    read_json,
    write_session,
)

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
COMMENTS = "open.comment.list.get"
SUBCOMMENTS = "open.subcomment.list.get"
REPLY = "open.comment.add"
SIGN_METHOD = "HMAC_SHA256"
# The quality-score filter per stream (1–2 stars 差评, 3 中评).
SCORE_FILTER = {"bad": [1, 2], "neutral": [3]}
MAX_PAGE_SIZE = 20
PAGE_OVERLAP = 1
# The gateway's refusals that mean "call less often" and "the authorisation is gone". The
# codes are the gateway's; the words are matched too, since a method may answer with its own.
THROTTLE_CODES = {"28", "429"}
SESSION_CODES = {"24", "401"}
THROTTLE_WORDS = ("频率", "频次", "限流", "rate limit")
# Refusals of a reply known to mean "not posted": the gateway's own checks (parameters,
# appkey, signature, timestamp), made before the method runs, and open.comment.add's
# (already replied, past 30 days, no such comment). The platform publishes no list we could
# read for the method's codes, so these follow our fake and are to be checked against the
# platform; any other code is an unknown outcome, never a refusal (a second click would
# post the reply twice).
REPLY_REFUSED_CODES = {"10", "11", "12", "13", "14", "21", "22", "802", "803", "804"}
SESSION_WORDS = ("access_token",)


def sign(params: dict[str, str], secret: str, method: str = SIGN_METHOD) -> str:
    """The gateway's signature over every parameter but `sign`, names sorted."""
    joined = "&".join(f"{name}={params[name]}" for name in sorted(params) if name != "sign")
    message = f"{joined}&signSecret={secret}".encode()
    if method == "MD5":
        return hashlib.md5(message).hexdigest()  # noqa: S324 (the platform's scheme)
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class KuaishouClient(PlatformClient):
    # The buyer may add a 追评 for 180 days; the pull reads as far back as TOP's. No record
    # cap is documented: slices only grow where days are quiet.
    url_setting = "KUAISHOU_API_URL"

    def signed(self, method: str, params: dict) -> dict[str, str]:
        conn = self.connection
        payload = {
            "appkey": conn.app_key,
            "method": method,
            "version": "1",
            "access_token": conn.session_key,
            "timestamp": str(millis(timezone.now())),
            "signMethod": SIGN_METHOD,
            "param": json.dumps(
                {k: v for k, v in params.items() if v is not None and v != ""},
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=True,
            ),
        }
        payload["sign"] = sign(payload, conn.app_secret)
        return payload

    def method_url(self, method: str) -> str:
        return f"{self.url.rstrip('/')}/{method.replace('.', '/')}"

    def call(self, method: str, **params) -> dict:
        """A read: GET, retried by the shared session on connection errors and 5xx."""
        try:
            response = self.http.get(
                self.method_url(method), params=self.signed(method, params), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise CallFailed("network", str(exc)[:300]) from exc
        return _answer(response)

    def page(self, stream: str, window: Window) -> Page:
        size = min(settings.CONNECTORS["PAGE_SIZE"], MAX_PAGE_SIZE)
        # Pages after the first start one row early: a comment hidden or deleted while the
        # window is read moves every later one up a row, and the overlap reads it anyway.
        offset = max((window.page_no - 1) * size - PAGE_OVERLAP, 0)
        data = self.call(
            COMMENTS,
            qualityScore=SCORE_FILTER[stream],
            createTimeFrom=millis(window.start),
            createTimeTo=millis(window.end),
            offset=offset,
            limit=size,
        )
        comments = _comments(data)
        total = data.get("total")
        if isinstance(total, int) and not isinstance(total, bool):
            # By what was asked for, not what came: a page may repeat rows of the last one.
            has_next = bool(comments) and offset + size < total
        else:  # no total: a full page may have a next one (an empty page ends)
            has_next = len(comments) >= size
        return Page(items=[self.item(c) for c in comments], has_next=has_next)

    def item(self, comment: dict) -> dict:
        """A root comment with its 追评 and seller reply read when it flags them."""
        subs = self.subcomments(comment) if _flags_more(comment) else []
        return comment_item(comment, subs)

    def subcomments(self, comment: dict) -> list[dict]:
        data = self.call(SUBCOMMENTS, rootCommentId=comment.get("commentId"))
        subs = data.get("subComment") or []
        if not isinstance(subs, list) or not all(isinstance(s, dict) for s in subs):
            raise CallFailed("malformed", "subComment is not a list of comments")
        return subs

    def recheck(self, reviews: Sequence[Review]) -> list[dict]:
        """The reviews' orders read again (every score: a 差评 changed to 好评 is revised; a
        追评 or a seller reply shows), matched back by the root comment's id."""
        wanted = {review.platform_review_id for review in reviews}
        items = []
        for order in sorted({review.order_id for review in reviews if review.order_id}):
            data = self.call(COMMENTS, outOrderNo=order, offset=0, limit=MAX_PAGE_SIZE)
            items += [
                self.item(c) for c in _comments(data) if str(c.get("commentId", "")) in wanted
            ]
        return items

    def ping(self) -> None:
        now = timezone.now()
        self.page("bad", Window(start=now - timedelta(hours=1), end=now))

    def post_reply(self, review: Review, text: str) -> ReplyPosted:
        """open.comment.add to the review's root comment, once, through the session that
        retries nothing: a POST repeated after a lost answer could post the reply twice. Not
        reaching the gateway is NotSent; a lost or unreadable answer an unknown outcome."""
        problem = reply_problem(review, text, now=timezone.now())
        if problem:
            raise ReplyRejected("rules", problem)
        method = REPLY
        params = {"replyToCommentId": int_or_str(review.platform_review_id), "content": text}
        response = post_once(
            write_session(),
            self.method_url(method),
            data=self.signed(method, params),
            timeout=self.timeout,
        )
        body = read_json(response)
        if body.get("result") != 1:
            code = str(body.get("code") or body.get("result") or "")
            if code in REPLY_REFUSED_CODES:
                raise ReplyRejected(code, str(body.get("error_msg") or ""))
            _raise(body, refused=_unknown)
        data = body.get("data") or {}
        if not isinstance(data, dict):
            raise CallFailed("unknown", "data is not an object")
        reply_id = data.get("commentId") or data.get("replyCommentId") or ""
        return ReplyPosted(platform_reply_id=str(reply_id))


def reply_problem(review: Review, text: str, *, now: datetime) -> str:
    """Why Kuaishou would refuse this reply (in the user's language), or ""."""
    if not review.platform_review_id:
        return _("The review has no Kuaishou comment id: it was not pulled from Kuaishou.")
    if not text.strip():
        return _("The reply is empty.")
    posted = getattr(review, "reply", None)
    if posted is not None and posted.state == ReplyState.POSTED:
        return _("Kuaishou accepts one reply per review, and this review has one already.")
    deadline = platforms.reply_deadline("kuaishou", reviewed_at=review.reviewed_at)
    if deadline is not None and deadline <= now:
        return _("Kuaishou accepts a reply only within 30 days of the review.")
    too_long = platforms.reply_problem("kuaishou", text)
    if too_long:
        return _("The reply is longer than Kuaishou accepts.")
    return ""


def int_or_str(value: str):
    """Comment ids are numbers on the platform; an id that is not one is sent as it is."""
    return int(value) if value.isdigit() else value


def _answer(response: requests.Response) -> dict:
    body = json_object(response, "malformed")
    if body.get("result") != 1:
        _raise(body)
    data = body.get("data")
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CallFailed("malformed", "data is not an object")
    return data


def _unknown(code: str, message: str) -> CallFailed:
    """A write's answer we cannot read as posted or refused: the outcome is unknown."""
    return CallFailed("unknown", f"{code}: {message}")


def _raise(body: dict, *, refused=CallFailed) -> None:
    """The gateway's refusal as an exception: throttling and a dead authorisation as such,
    anything else as `refused` (a pull fails; a reply's outcome is unknown)."""
    code = str(body.get("code") or body.get("result") or "")
    message = str(body.get("error_msg") or body.get("msg") or "")
    if not code and not message:
        unknown = "unknown" if refused is _unknown else "malformed"
        raise CallFailed(unknown, "the answer has neither result 1 nor an error")
    lowered = message.casefold()
    if code in THROTTLE_CODES or any(word in lowered for word in THROTTLE_WORDS):
        raise Throttled(code, message)
    if code in SESSION_CODES or any(word in lowered for word in SESSION_WORDS):
        raise SessionExpired(code, message)
    raise refused(code, message)


def _comments(data: dict) -> list[dict]:
    comments = data.get("rootComment") or []
    if not isinstance(comments, list) or not all(isinstance(c, dict) for c in comments):
        raise CallFailed("malformed", "rootComment is not a list of comments")
    return comments


def _flags_more(comment: dict) -> bool:
    return bool(comment.get("attached") or comment.get("sellerReply"))


def _iso(value) -> str:
    """Kuaishou gives times as epoch milliseconds."""
    if value in (None, ""):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=CHINA).isoformat()
    return str(value)  # the ingestion path says what is wrong with it, as a row error


def comment_item(comment: dict, subs: Sequence[dict] = ()) -> dict:
    """A root comment (ItemCommentBaseInfo) as an ingestion item: the comment id is the
    review's key, the quality score its stars; of its sub-comments the seller's first reply
    and the buyer's 追评 (the first that is not the seller's)."""
    seller = [s for s in subs if s.get("sellerReply")]
    followups = [s for s in subs if not s.get("sellerReply")]
    item = {
        "review_id": str(comment.get("commentId") or ""),
        "order_id": str(comment.get("orderId") or ""),
        "buyer_nick": "",
        "rating": comment.get("qualityScore", comment.get("creditScore", "")),
        "text": comment.get("content") or "",
        "reviewed_at": _iso(comment.get("createTime")),
        "product_name": comment.get("itemTitle") or "",
        "seller_reply": (seller[0].get("content") or "") if seller else "",
    }
    if followups:
        item["followup_text"] = followups[0].get("content") or ""
        item["followup_at"] = _iso(followups[0].get("createTime") or comment.get("attachedTime"))
    return item
