"""Taobao/Tmall through TOP, the Taobao Open Platform's HTTP API (router/rest).

Every call is a form POST of the system parameters (method, app_key, session, timestamp in
GMT+8 as "yyyy-MM-dd HH:mm:ss", format=json, v=2.0, sign_method) and the method's own, signed
as TOP documents: the parameters except `sign` sorted by name, each name followed by its
value, concatenated; md5: upper-case hex MD5 of secret + that + secret; hmac: upper-case hex
HMAC-MD5 of that with the secret as key. An answer is either `<method>_response` or
`error_response` {code, msg, sub_code, sub_msg}.

Reviews come from taobao.traderates.get (rate_type=get, role=buyer: what buyers gave the
shop), one stream per result (neutral, bad), windows by start_date/end_date (the last 180
days only), paged with use_has_next. Tmall's tmall.traderate.feeds.get (per child order)
gives the 追评 (append_content, append_time).

A Tmall shop's public reply (评价解释) is taobao.traderate.explain.add (oid: the child order,
reply: at most 500 characters), answered `traderate_explain_add_response` {is_success}. TOP
refuses it after a 追评 and 30 days after the rating; Taobao C-shops have no such call, so
their replies are copied and marked posted by hand. The reply is a write: one POST through
a session that retries nothing, and any error_response means it was not posted."""

import hashlib
import hmac
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
RATE_FIELDS = "tid,oid,role,nick,result,created,rated_nick,item_title,item_price,content,reply"
RATINGS = {"good": "好评", "neutral": "中评", "bad": "差评"}
MAX_RECORDS = 1500  # per query window, whatever the paging
# TOP's throttling answers: code 7 App Call Limited (sub_code isv.app-call-limited), the
# frequency limits (code 8 and accesscontrol.limited-by-api-access-count).
THROTTLE_CODES = {"7", "8"}
THROTTLE_SUBCODES = {"isv.app-call-limited", "accesscontrol.limited-by-api-access-count"}
# The shop's session is not valid: code 27 Invalid Session (sub_code invalid-sessionkey,
# sessionkey-expired), 26 Missing Session.
SESSION_CODES = {"26", "27"}
SESSION_SUBCODES = {"invalid-sessionkey", "sessionkey-expired", "isv.invalid-sessionkey"}


def sign(params: dict[str, str], secret: str, method: str = "md5") -> str:
    joined = "".join(f"{name}{params[name]}" for name in sorted(params) if name != "sign")
    if method == "hmac":
        digest = hmac.new(secret.encode(), joined.encode(), hashlib.md5).hexdigest()
    else:
        digest = hashlib.md5((secret + joined + secret).encode()).hexdigest()
    return digest.upper()


def top_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime(TIME_FORMAT)


def parse_top_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=CHINA)


class TopClient(PlatformClient):
    # 180 days is TOP's limit (max_age keeps a day's margin). A query returns at most 1,500
    # records for one time window ("最大只能获取总共1500条评价记录"): a backfill starts a day
    # at a time (slice); a busy day is halved, quiet ones doubled.
    url_setting = "TOP_API_URL"

    def __init__(self, connection, *, sign_method: str = "md5") -> None:
        super().__init__(connection)
        self.tmall = connection.platform == "tmall"
        self.sign_method = sign_method

    @property
    def posts_replies(self) -> bool:
        return self.tmall

    def call(self, method: str, *, write: bool = False, **params) -> dict:
        conn = self.connection
        payload = {
            "method": method,
            "app_key": conn.app_key,
            "session": conn.session_key,
            "timestamp": top_time(timezone.now()),
            "format": "json",
            "v": "2.0",
            "sign_method": self.sign_method,
        }
        payload.update({k: str(v) for k, v in params.items() if v is not None and v != ""})
        payload["sign"] = sign(payload, conn.app_secret, self.sign_method)
        if write:
            response = post_once(write_session(), self.url, data=payload, timeout=self.timeout)
            body = read_json(response)
        else:
            body = post_json(self.http, self.url, payload, self.timeout)
        if "error_response" in body:
            _raise(body["error_response"], refused=ReplyRejected if write else CallFailed)
        key = method.removeprefix("taobao.").replace(".", "_") + "_response"
        if key not in body or not isinstance(body[key], dict):
            raise CallFailed("unknown" if write else "malformed", f"the answer has no {key}")
        return body[key]

    def post_reply(self, review: Review, text: str) -> ReplyPosted:
        if not self.tmall:
            raise ReplyRejected("no_api", "Taobao C-shops have no API for replies")
        answer = self.call(
            "taobao.traderate.explain.add", write=True, oid=review.platform_review_id, reply=text
        )
        if answer.get("is_success") in (True, "true"):
            return ReplyPosted()
        raise ReplyRejected("is_success", "TOP answered is_success=false")

    def page(self, stream: str, window: Window) -> Page:
        answer = self.call(
            "taobao.traderates.get",
            fields=RATE_FIELDS,
            rate_type="get",
            role="buyer",
            result=stream,
            start_date=top_time(window.start),
            end_date=top_time(window.end),
            page_no=window.page_no,
            page_size=settings.CONNECTORS["PAGE_SIZE"],
            use_has_next="true",
        )
        rates = _rates(answer)
        has_next = bool(answer.get("has_next"))
        size = settings.CONNECTORS["PAGE_SIZE"]
        # At the cap TOP may say there is no next page: a full page that reaches it is taken
        # as capped (exactly 1,500 records cost one halving, harmlessly).
        full = len(rates) >= size
        return Page(
            items=[rate_item(rate) for rate in rates],
            has_next=has_next,
            capped=full and (window.page_no + 1) * size > MAX_RECORDS,
        )

    def recheck(self, reviews: Sequence[Review]) -> list[dict]:
        """Taobao: the order's rates again (a 中评/差评 the buyer changed to 好评 is revised;
        a seller reply shows). Tmall (no revisions): the child order's feed for the 追评."""
        items = []
        for review in reviews:
            if self.tmall:
                feed = self.call(
                    "tmall.traderate.feeds.get", child_trade_id=review.platform_review_id
                )
                info = feed.get("tmall_rate_info") or {}
                if info.get("append_content"):
                    items.append(
                        {
                            "review_id": review.platform_review_id,
                            "order_id": review.order_id,
                            "rating": review.rating,
                            "text": info.get("content") or review.text,
                            "reviewed_at": review.reviewed_at.isoformat(),
                            "followup_text": info["append_content"],
                            "followup_at": _iso(info.get("append_time")),
                        }
                    )
                continue
            answer = self.call(
                "taobao.traderates.get",
                fields=RATE_FIELDS,
                rate_type="get",
                role="buyer",
                tid=review.order_id,
                use_has_next="true",
            )
            for rate in _rates(answer):
                if str(rate.get("oid", "")) == review.platform_review_id:
                    items.append(rate_item(rate))
        return items

    def ping(self) -> None:
        now = timezone.now()
        self.page("bad", Window(start=now - timedelta(hours=1), end=now))


def _iso(text) -> str:
    if not text:
        return ""
    try:
        return parse_top_time(str(text)).isoformat()
    except ValueError:
        return str(text)  # the ingestion path says what is wrong with it, as a row error


def _rates(answer: dict) -> list[dict]:
    rates = (answer.get("trade_rates") or {}).get("trade_rate") or []
    if not isinstance(rates, list) or not all(isinstance(r, dict) for r in rates):
        raise CallFailed("malformed", "trade_rates.trade_rate is not a list of rates")
    return rates


def rate_item(rate: dict) -> dict:
    """A TradeRate as an ingestion item: the child order (oid) is the review's key, the order
    (tid) its order; times are GMT+8."""
    return {
        "review_id": str(rate.get("oid") or ""),
        "order_id": str(rate.get("tid") or ""),
        "buyer_nick": rate.get("nick") or "",
        "rating": RATINGS.get(rate.get("result", ""), rate.get("result", "")),
        "text": rate.get("content") or "",
        "reviewed_at": _iso(rate.get("created")),
        "product_name": rate.get("item_title") or "",
        "amount": rate.get("item_price") or "",
        "seller_reply": rate.get("reply") or "",
    }


def _raise(error, *, refused: type[CallFailed | ReplyRejected] = CallFailed) -> None:
    """TOP's error_response as an exception: throttling, the shop's session, else `refused`
    (a write's error_response is a refusal: TOP did not post it)."""
    if not isinstance(error, dict):
        raise refused("malformed", "error_response is not an object")
    code = str(error.get("code", ""))
    sub_code = str(error.get("sub_code", ""))
    message = " ".join(filter(None, [str(error.get("msg", "")), str(error.get("sub_msg", ""))]))
    shown = f"{code} {sub_code}".strip()
    if code in THROTTLE_CODES or sub_code in THROTTLE_SUBCODES:
        raise Throttled(shown, message)
    if code in SESSION_CODES or sub_code in SESSION_SUBCODES:
        raise SessionExpired(shown, message)
    raise refused(shown, message)
