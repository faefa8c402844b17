"""JD POP shops through JOS, JD's open-platform router (routerjson).

Every call is a form POST of the system parameters (method, access_token: the shop's
authorisation, kept in the connection's session key; app_key, timestamp in GMT+8 as
"yyyy-MM-dd HH:mm:ss", v=2.0, format=json) and `360buy_param_json`, the method's own
parameters as one JSON string, signed as JOS documents: every parameter except `sign` sorted
by name, each name followed by its value, concatenated, wrapped in the app secret, MD5,
upper-case hex. An answer is `<method with dots as underscores>_responce` (JOS's spelling) or
`error_response` {code, zh_desc, en_desc}.

Reviews come from jingdong.pop.PopCommentJsfService.getVenderCommentsForJos: one stream per
score filter (1 差评, 2 中评; 3 is 好评, 0 all), windows by beginTime/endTime, paged with
page/pageSize (at most 50 a page). Each comment (PopCommentJosVo) carries a score of 1–5
stars: 1 is 差评, 2–3 中评, 4–5 好评, and the seller's replies. The same method filters by
orderIds (at most 50), which is how stored reviews are looked up again. The documented
answer has no 追评 field, so a JD review never brings one.

The seller's public reply is jingdong.pop.PopCommentJsfService.saveReply (commentId, content;
replyId only when answering a reply, which the desk never does), answered
`jingdong_pop_PopCommentJsfService_saveReply_responce` with the gateway's code and the
service's resultCode/resultMsg. A write: one POST through a session that retries nothing; an
error_response or a refusing resultCode means it was not posted, a resultCode the client
does not know means the outcome is unknown (a person checks the platform)."""

import hashlib
import json
import zoneinfo
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

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
    post_json,
    post_once,
    read_json,
    write_session,
)

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
COMMENTS = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
SAVE_REPLY = "jingdong.pop.PopCommentJsfService.saveReply"
# saveReply's resultCode for a posted reply. JOS's SDK names resultCode/resultMsg but we
# could not confirm their values: "1" is our reading. The service's refusals (too long,
# already replied…) come as JOS errors (a code other than "0"); any other resultCode is an
# unknown outcome, never taken for a refusal (a person clicking again could post twice).
REPLY_POSTED = {"1"}
# The method's score filter per stream.
SCORE_FILTER = {"bad": 1, "neutral": 2}
MAX_PAGE_SIZE = 50
MAX_ORDER_IDS = 50
# JOS's gateway codes: 2 App Call Limited (calls within the limit time); 19 the
# access_token is invalid or expired.
THROTTLE_CODES = {"2"}
SESSION_CODES = {"19"}


def sign(params: dict[str, str], secret: str) -> str:
    joined = "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    return hashlib.md5((secret + joined + secret).encode()).hexdigest().upper()


def jos_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime(TIME_FORMAT)


def rating(score) -> str:
    """JD's 1–5 stars as the desk's words: 1 差评, 2–3 中评, 4–5 好评."""
    try:
        stars = int(score)
    except (TypeError, ValueError):
        return str(score)  # the ingestion path reports it as the row's error
    if stars <= 1:
        return "差评"
    return "中评" if stars <= 3 else "好评"


class JdClient(PlatformClient):
    # JOS documents no age limit for this method; the pull reads as far back as TOP's. No
    # record cap is documented: slices only grow where days are quiet.
    url_setting = "JOS_API_URL"

    def call(self, method: str, *, write: bool = False, **params) -> dict:
        conn = self.connection
        payload = {
            "method": method,
            "access_token": conn.session_key,
            "app_key": conn.app_key,
            "timestamp": jos_time(timezone.now()),
            "format": "json",
            "v": "2.0",
            "360buy_param_json": json.dumps(
                {k: v for k, v in params.items() if v is not None and v != ""},
                ensure_ascii=False,
                separators=(",", ":"),
            ),
        }
        payload["sign"] = sign(payload, conn.app_secret)
        refused = ReplyRejected if write else CallFailed
        if write:
            response = post_once(write_session(), self.url, data=payload, timeout=self.timeout)
            body = read_json(response)
        else:
            body = post_json(self.http, self.url, payload, self.timeout)
        if "error_response" in body:
            _raise(body["error_response"], refused=refused)
        key = method.replace(".", "_") + "_responce"
        if key not in body or not isinstance(body[key], dict):
            raise CallFailed("unknown" if write else "malformed", f"the answer has no {key}")
        answer = body[key]
        # The method's own refusal comes inside its answer, with a code other than "0".
        if str(answer.get("code", "0")) != "0":
            _raise(answer, refused=refused)
        return answer

    def post_reply(self, review: Review, text: str) -> ReplyPosted:
        answer = self.call(
            SAVE_REPLY, write=True, commentId=review.platform_review_id, content=text
        )
        code = str(answer.get("resultCode", ""))
        message = str(answer.get("resultMsg", ""))
        if code in REPLY_POSTED:
            return ReplyPosted(str(answer.get("replyId") or ""))
        raise CallFailed("unknown", f"saveReply answered resultCode {code!r}: {message}")

    def page(self, stream: str, window: Window) -> Page:
        size = min(settings.CONNECTORS["PAGE_SIZE"], MAX_PAGE_SIZE)
        answer = self.call(
            COMMENTS,
            beginTime=jos_time(window.start),
            endTime=jos_time(window.end),
            score=SCORE_FILTER[stream],
            page=window.page_no,
            pageSize=size,
        )
        comments = _comments(answer)
        # No "has next" in the answer: a full page may have a next one (an empty page ends).
        return Page(items=[comment_item(c) for c in comments], has_next=len(comments) >= size)

    def recheck(self, reviews: Sequence[Review]) -> list[dict]:
        """The reviews' orders read again by orderIds, all scores (a 差评 changed to 好评 is
        revised; a seller reply shows); the comments matched back by commentId."""
        wanted = {review.platform_review_id for review in reviews}
        orders = sorted({review.order_id for review in reviews if review.order_id})
        items = []
        for at in range(0, len(orders), MAX_ORDER_IDS):
            chunk = orders[at : at + MAX_ORDER_IDS]
            answer = self.call(
                COMMENTS, orderIds=",".join(chunk), score=0, page=1, pageSize=MAX_PAGE_SIZE
            )
            items += [
                comment_item(c) for c in _comments(answer) if str(c.get("commentId", "")) in wanted
            ]
        return items

    def ping(self) -> None:
        now = timezone.now()
        self.page("bad", Window(start=now - timedelta(hours=1), end=now))


def _iso(value) -> str:
    """JOS gives times as "yyyy-MM-dd HH:mm:ss" in GMT+8 or as epoch milliseconds."""
    if value in (None, ""):
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000, tz=CHINA).isoformat()
    try:
        return datetime.strptime(str(value), TIME_FORMAT).replace(tzinfo=CHINA).isoformat()
    except ValueError:
        return str(value)  # the ingestion path says what is wrong with it, as a row error


def _comments(answer: dict) -> list[dict]:
    comments = answer.get("comments") or []
    if not isinstance(comments, list) or not all(isinstance(c, dict) for c in comments):
        raise CallFailed("malformed", "comments is not a list of comments")
    return comments


def comment_item(comment: dict) -> dict:
    """A PopCommentJosVo as an ingestion item: the comment id is the review's key; the
    seller's reply is the first reply without a parent (replies to replies are a thread)."""
    replies = comment.get("replies") or []
    seller = [r for r in replies if isinstance(r, dict) and not r.get("parentReply")]
    return {
        "review_id": str(comment.get("commentId") or ""),
        "order_id": str(comment.get("orderId") or ""),
        "buyer_nick": comment.get("nickName") or "",
        "rating": rating(comment.get("score")),
        "text": comment.get("content") or "",
        "reviewed_at": _iso(comment.get("creationTime")),
        "product_name": comment.get("skuName") or "",
        "seller_reply": (seller[0].get("content") or "") if seller else "",
    }


def _raise(error, *, refused: type[CallFailed | ReplyRejected] = CallFailed) -> None:
    """JOS's error as an exception: throttling, the shop's token, else `refused` (a write's
    error means JOS did not post it)."""
    if not isinstance(error, dict):
        raise refused("malformed", "error_response is not an object")
    code = str(error.get("code", ""))
    message = " ".join(filter(None, [str(error.get("en_desc", "")), str(error.get("zh_desc", ""))]))
    if code in THROTTLE_CODES:
        raise Throttled(code, message)
    if code in SESSION_CODES:
        raise SessionExpired(code, message)
    raise refused(code, message)
