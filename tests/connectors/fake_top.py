"""A fake TOP gateway (router/rest): http.server on 127.0.0.1 in a thread that checks what
TOP documents — the system parameters, the md5 or hmac signature recomputed from the sorted
parameters and the app secret, the shop's session — and answers taobao.traderates.get
(filtered by result, start_date/end_date or tid, paged with page_no, page_size and has_next)
and tmall.traderate.feeds.get in TOP's JSON shapes, or with TOP's error_response.

`rates` holds TradeRate dicts; `feeds` Tmall's rate info per child order. `answers` scripts
what to play before answering normally: "throttle", "expired", "malformed", ("slow", s);
`slow_pages` makes a page of traderates.get answer late (a timeout mid-pull).
`repeat_across_pages` repeats each page's last rate at the top of the next page, as a
platform paging over a list that moves does. `calls` keeps every accepted call's parameters.

taobao.traderate.explain.add (Tmall's 评价解释: oid, reply) is answered as TOP does: refused
(code 15 with an isv sub_code) when the reply is over 500 characters, the rate is over 30
days old, the buyer added a 追评 (`appended` oids) or the rate is already explained;
otherwise `explained` keeps it and the rate shows it as its reply. Scripted extras:
"gateway_error" (an HTTP 502 page, no JSON)."""

import bisect
import hashlib
import hmac
import json
import time
from contextlib import contextmanager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .fake_gateway import FakeGateway, form

CHINA = ZoneInfo("Asia/Shanghai")
MAX_RECORDS = 1500
SYSTEM = ("method", "app_key", "session", "timestamp", "format", "v", "sign_method", "sign")

INVALID_SIGNATURE = {"code": 25, "msg": "Invalid signature"}
INVALID_APP_KEY = {"code": 29, "msg": "Invalid app Key"}
INVALID_SESSION = {
    "code": 27,
    "msg": "Invalid session",
    "sub_code": "invalid-sessionkey",
    "sub_msg": "SessionKey非法",
}
REMOTE_ERROR = {"code": 15, "msg": "Remote service error"}
EXPLAIN_REFUSALS = {
    "too_long": ("isv.reply-too-long", "解释内容不能超过500个字"),
    "expired": ("isv.explain-expired", "评价超过30天，不能再做解释"),
    "appended": ("isv.explain-after-append", "买家已追加评论，不能再做解释"),
    "exists": ("isv.explain-exist", "该评价已经解释过"),
    "missing": ("isv.trade-not-exist", "子订单不存在"),
}
APP_CALL_LIMITED = {
    "code": 7,
    "msg": "App Call Limited",
    "sub_code": "isv.app-call-limited",
    "sub_msg": "This ban will last for 60 more seconds",
}


def top_sign(params: dict, secret: str, method: str) -> str:
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    if method == "hmac":
        return hmac.new(secret.encode(), joined.encode(), hashlib.md5).hexdigest().upper()
    return hashlib.md5((secret + joined + secret).encode()).hexdigest().upper()


def top_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def rate(oid: int, *, result: str = "bad", created: datetime, tid: int | None = None, **more):
    """A TradeRate as traderates.get returns it (role buyer, rate_type get)."""
    return {
        "tid": tid or oid // 10,
        "oid": oid,
        "role": "buyer",
        "nick": more.pop("nick", f"t***{oid % 1000}"),
        "result": result,
        "created": top_time(created),
        "rated_nick": "Alpha旗舰店",
        "item_title": more.pop("item_title", "纯棉T恤"),
        "item_price": more.pop("item_price", "99.00"),
        "content": more.pop("content", "质量太差了，洗了一次就破了"),
        "reply": more.pop("reply", ""),
        **more,
    }


class FakeTop(FakeGateway):
    path = "/router/rest"
    url_setting = "TOP_API_URL"

    def __init__(self, *, app_key="23456789", secret="top-secret-0123", session="sess-alpha"):
        super().__init__()
        self.app_key = app_key
        self.secret = secret
        self.sessions = {session}
        self.rates: list[dict] = []
        self.feeds: dict[str, dict] = {}
        self.repeat_across_pages = False
        self.slow_pages: dict[int, float] = {}  # page_no -> seconds, played once
        self.explained: dict[str, str] = {}  # oid -> the seller's 评价解释
        self.appended: set[str] = set()  # oids whose buyer added a 追评
        # result -> (rates by created, their created), a cache
        self._sorted: dict[str, tuple[list[dict], list[str]]] = {}

    def post(self, path: str, headers: dict, raw: bytes) -> bytes | tuple[int, bytes]:
        return self.answer(form(raw))

    def add(self, *rates: dict) -> None:
        with self._lock:
            self.rates.extend(rates)
            self._sorted.clear()

    def edit(self, oid: int, **fields) -> None:
        """The buyer changed the rate (revised it, say): same oid, new fields."""
        with self._lock:
            for stored in self.rates:
                if stored["oid"] == oid:
                    stored.update(fields)
            self._sorted.clear()

    # --- answering -------------------------------------------------------------------------

    def answer(self, params: dict) -> bytes | tuple[int, bytes]:
        error = self.check(params)
        if error:
            self.refused.append(params)
            return json.dumps({"error_response": {**error, "request_id": "fake"}}).encode()
        scripted = self.take(params)
        if scripted == "throttle":
            return json.dumps({"error_response": APP_CALL_LIMITED}).encode()
        if scripted == "expired":
            return json.dumps({"error_response": INVALID_SESSION}).encode()
        if scripted == "malformed":
            return b'{"traderates_get_response": {"trade_rates": {"trade_rate": [{"tid": 1'
        if scripted == "gateway_error":
            return 502, b"<html><body>502 Bad Gateway</body></html>"
        if params["method"] == "taobao.traderate.explain.add":
            return json.dumps(self.explain(params), ensure_ascii=False).encode()
        if params["method"] == "taobao.traderates.get":
            with self._lock:
                delay = self.slow_pages.pop(int(params.get("page_no", 1)), 0)
            time.sleep(delay)
            return json.dumps({"traderates_get_response": self.traderates(params)}).encode()
        if params["method"] == "tmall.traderate.feeds.get":
            info = self.feeds.get(params.get("child_trade_id", ""), {})
            return json.dumps(
                {"tmall_traderate_feeds_get_response": {"tmall_rate_info": info}},
                ensure_ascii=False,
            ).encode()
        return json.dumps({"error_response": {"code": 22, "msg": "Invalid method"}}).encode()

    def check(self, params: dict) -> dict | None:
        missing = [name for name in SYSTEM if not params.get(name)]
        if missing:
            return {"code": 40, "msg": "Missing required arguments:" + missing[0]}
        if params["app_key"] != self.app_key:
            return INVALID_APP_KEY
        if params["sign_method"] not in ("md5", "hmac"):
            return {"code": 41, "msg": "Invalid arguments:sign_method"}
        expected = top_sign(params, self.secret, params["sign_method"])
        if not hmac.compare_digest(params["sign"], expected):
            return INVALID_SIGNATURE
        sent = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        if abs(sent - datetime.now(CHINA)) > timedelta(minutes=10):
            return {"code": 31, "msg": "Invalid timestamp"}
        if params["session"] not in self.sessions:
            return INVALID_SESSION
        return None

    def explain(self, params: dict) -> dict:
        oid, reply = params.get("oid", ""), params.get("reply", "")
        if not oid or not reply:
            return {"error_response": {"code": 40, "msg": "Missing required arguments:oid"}}
        with self._lock:
            found = next((r for r in self.rates if str(r["oid"]) == oid), None)
            refusal = None
            if found is None:
                refusal = "missing"
            elif len(reply) > 500:
                refusal = "too_long"
            elif oid in self.explained or found.get("reply"):
                refusal = "exists"
            elif oid in self.appended:
                refusal = "appended"
            elif datetime.strptime(found["created"], "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=CHINA
            ) < datetime.now(CHINA) - timedelta(days=30):
                refusal = "expired"
            if refusal:
                sub_code, sub_msg = EXPLAIN_REFUSALS[refusal]
                error = {**REMOTE_ERROR, "sub_code": sub_code, "sub_msg": sub_msg}
                return {"error_response": {**error, "request_id": "fake"}}
            self.explained[oid] = reply
            found["reply"] = reply
            self._sorted.clear()
        return {"traderate_explain_add_response": {"is_success": True, "request_id": "fake"}}

    def traderates(self, params: dict) -> dict:
        if params.get("tid"):
            tid = params["tid"]
            found = [r for r in self.rates if str(r["tid"]) == tid or str(r["oid"]) == tid]
            return {"trade_rates": {"trade_rate": found}, "has_next": False}
        result = params.get("result", "")
        with self._lock:
            if result not in self._sorted:
                chosen = sorted(
                    (r for r in self.rates if not result or r["result"] == result),
                    key=lambda r: (r["created"], r["oid"]),
                )
                self._sorted[result] = (chosen, [r["created"] for r in chosen])
            ordered, keys = self._sorted[result]
        lo = bisect.bisect_left(keys, params.get("start_date", ""))
        hi = bisect.bisect_right(keys, params.get("end_date", "9999"))
        # TOP returns at most 1,500 records for one query window, however it is paged.
        chosen = ordered[lo:hi][:MAX_RECORDS]
        size = int(params.get("page_size", 40))
        page_no = int(params.get("page_no", 1))
        rows = chosen[(page_no - 1) * size : page_no * size]
        if self.repeat_across_pages and page_no > 1:
            rows = [chosen[(page_no - 1) * size - 1], *rows]
        answer = {"trade_rates": {"trade_rate": rows}, "request_id": "fake"}
        if params.get("use_has_next") == "true":
            answer["has_next"] = page_no * size < len(chosen)
        else:
            answer["total_results"] = len(chosen)
        return answer


@contextmanager
def running(**kwargs):
    with FakeTop(**kwargs) as fake, fake.settings():
        yield fake
