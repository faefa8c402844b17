"""A fake JOS router (routerjson): http.server on 127.0.0.1 in a thread that checks what JOS
documents — the system parameters, the md5 signature recomputed from the sorted parameters
(360buy_param_json among them) and the app secret, the timestamp within 6 minutes, the
shop's access_token — and answers jingdong.pop.PopCommentJsfService.getVenderCommentsForJos
(score filter 1 差评 / 2 中评 / 3 好评 / 0 all, beginTime/endTime or orderIds, page and
pageSize at most 50) in JOS's JSON shape, or with JOS's error_response.

`comments` holds PopCommentJosVo dicts. `answers` scripts what to play before answering
normally: "throttle", "expired", "refused" (the method's own error code inside
its answer), "malformed"; `slow_pages` makes a page answer late.
`repeat_across_pages` repeats each page's last comment at the top of the next page.
`calls` keeps every accepted call's parameters, `refused` every refused one.

jingdong.pop.PopCommentJsfService.saveReply (commentId, content) is answered in the same
router's shape: refused with an error code inside the answer when the content is over 500
characters, the comment is unknown or already has the seller's reply; otherwise the reply
is added to the comment (a pull then reads it) and kept in `replied`, answered with
`reply_result` as its resultCode. Scripted extras:
("slow", seconds) answers late (after posting)."""

import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .fake_gateway import FakeGateway, form

CHINA = ZoneInfo("Asia/Shanghai")
METHOD = "jingdong.pop.PopCommentJsfService.getVenderCommentsForJos"
SAVE_REPLY = "jingdong.pop.PopCommentJsfService.saveReply"
REPLY_REFUSALS = {
    "too_long": ("jos.reply.too-long", "回复内容超过500字", "Reply content too long"),
    "exists": ("jos.reply.exists", "该评价已回复", "The comment already has a reply"),
    "missing": ("jos.comment.not-found", "评价不存在", "Comment not found"),
}
SYSTEM = ("method", "access_token", "app_key", "timestamp", "v", "360buy_param_json", "sign")
# The score filter's stars: 1 差评 (1 star), 2 中评 (2–3), 3 好评 (4–5).
FILTER_STARS = {1: {1}, 2: {2, 3}, 3: {4, 5}}

INVALID_SIGNATURE = {"code": "12", "zh_desc": "无效签名", "en_desc": "Invalid Signature"}
INVALID_TOKEN = {
    "code": "19",
    "zh_desc": "token已过期或者不存在，请重新授权访问",
    "en_desc": "Invalid access_token",
}
CALL_LIMITED = {"code": "2", "zh_desc": "限制时间内调用失败次数", "en_desc": "App Call Limited"}
INVALID_TIMESTAMP = {"code": "8", "zh_desc": "非法的时间戳参数", "en_desc": "Invalid Timestamp"}


def jos_sign(params: dict, secret: str) -> str:
    joined = "".join(f"{k}{params[k]}" for k in sorted(params) if k != "sign")
    return hashlib.md5((secret + joined + secret).encode()).hexdigest().upper()


def jos_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")


def comment(comment_id: int, *, score: int = 1, created: datetime, **more) -> dict:
    """A PopCommentJosVo as getVenderCommentsForJos returns it."""
    reply = more.pop("reply", "")
    return {
        "commentId": str(comment_id),
        "orderId": more.pop("order_id", 90000000000 + comment_id),
        "skuid": "100012345678",
        "skuName": more.pop("sku_name", "京东自营 纯棉T恤"),
        "content": more.pop("content", "质量太差了，洗了一次就破了"),
        "creationTime": jos_time(created),
        "score": score,
        "nickName": more.pop("nick", f"j***{comment_id % 1000}"),
        "isVenderReply": bool(reply),
        "replyCount": 1 if reply else 0,
        "replies": [{"replyId": comment_id, "content": reply, "nickName": "京东店铺"}]
        if reply
        else [],
        "status": 1,
        **more,
    }


class FakeJos(FakeGateway):
    path = "/routerjson"
    url_setting = "JOS_API_URL"

    def __init__(self, *, app_key="JD0APPKEY0001", secret="jos-secret-0123", token="tok-jd"):
        super().__init__()
        self.app_key = app_key
        self.secret = secret
        self.tokens = {token}
        self.comments: list[dict] = []
        self.repeat_across_pages = False
        self.slow_pages: dict[int, float] = {}  # page -> seconds, played once
        self.replied: dict[str, str] = {}  # commentId -> the seller's reply
        self.reply_result = "1"  # the resultCode a posted reply is answered with

    def post(self, path: str, headers: dict, raw: bytes) -> bytes:
        return self.answer(form(raw))

    def add(self, *comments: dict) -> None:
        with self._lock:
            self.comments.extend(comments)

    def edit(self, comment_id: str, **fields) -> None:
        with self._lock:
            for stored in self.comments:
                if stored["commentId"] == comment_id:
                    stored.update(fields)

    # --- answering -------------------------------------------------------------------------

    def answer(self, params: dict) -> bytes:
        error = self.check(params)
        if error:
            self.refused.append(params)
            return json.dumps({"error_response": error}, ensure_ascii=False).encode()
        scripted = self.take(params)
        if scripted == "throttle":
            return json.dumps({"error_response": CALL_LIMITED}, ensure_ascii=False).encode()
        if scripted == "expired":
            return json.dumps({"error_response": INVALID_TOKEN}, ensure_ascii=False).encode()
        key = METHOD.replace(".", "_") + "_responce"
        if scripted == "refused":
            refusal = {"code": "500", "zh_desc": "服务端异常", "en_desc": "Service error"}
            return json.dumps({key: refusal}, ensure_ascii=False).encode()
        if scripted == "malformed":
            return ('{"' + key + '": {"comments": [{"commentId": "1').encode()
        if params["method"] == SAVE_REPLY:
            answer = self.save_reply(json.loads(params["360buy_param_json"]))
            reply_key = SAVE_REPLY.replace(".", "_") + "_responce"
            return json.dumps({reply_key: answer}, ensure_ascii=False).encode()
        if params["method"] != METHOD:
            return json.dumps(
                {"error_response": {"code": "15", "en_desc": "Invalid Method"}}
            ).encode()
        business = json.loads(params["360buy_param_json"])
        with self._lock:
            delay = self.slow_pages.pop(int(business.get("page", 1)), 0)
        time.sleep(delay)
        return json.dumps({key: self.page(business)}, ensure_ascii=False).encode()

    def save_reply(self, business: dict) -> dict:
        comment_id, content = str(business.get("commentId", "")), business.get("content", "")
        with self._lock:
            found = next((c for c in self.comments if c["commentId"] == comment_id), None)
            refusal = None
            if found is None:
                refusal = "missing"
            elif len(content) > 500:
                refusal = "too_long"
            elif found.get("isVenderReply") or comment_id in self.replied:
                refusal = "exists"
            if refusal:
                code, zh, en = REPLY_REFUSALS[refusal]
                return {"code": code, "zh_desc": zh, "en_desc": en}
            self.replied[comment_id] = content
            reply_id = 800000 + len(self.replied)
            found["replies"] = [{"replyId": reply_id, "content": content, "nickName": "京东店铺"}]
            found["isVenderReply"] = True
            found["replyCount"] = 1
        return {"code": "0", "resultCode": self.reply_result, "resultMsg": "成功"}

    def check(self, params: dict) -> dict | None:
        missing = [name for name in SYSTEM if not params.get(name)]
        if missing:
            return {
                "code": "11" if missing[0] == "sign" else "3",
                "en_desc": f"Missing {missing[0]}",
            }
        if params["v"] != "2.0":
            return {"code": "5", "zh_desc": "不支持的版本号", "en_desc": "Unsupported Version"}
        if not hmac.compare_digest(params["sign"], jos_sign(params, self.secret)):
            return INVALID_SIGNATURE
        sent = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
        if abs(sent - datetime.now(CHINA)) > timedelta(minutes=6):
            return INVALID_TIMESTAMP
        if params["access_token"] not in self.tokens:
            return INVALID_TOKEN
        return None

    def page(self, business: dict) -> dict:
        stars = FILTER_STARS.get(int(business.get("score", 0)), {1, 2, 3, 4, 5})
        with self._lock:
            chosen = [c for c in self.comments if c["score"] in stars]
        if business.get("orderIds"):
            orders = set(str(business["orderIds"]).split(","))
            chosen = [c for c in chosen if str(c["orderId"]) in orders]
        else:
            begin, end = business.get("beginTime", ""), business.get("endTime", "9999")
            chosen = [c for c in chosen if begin <= c["creationTime"] <= end]
        chosen.sort(key=lambda c: (c["creationTime"], c["commentId"]))
        size = min(int(business.get("pageSize", 10)), 50)
        page = int(business.get("page", 1))
        rows = chosen[(page - 1) * size : page * size]
        if self.repeat_across_pages and page > 1 and rows:
            rows = [chosen[(page - 1) * size - 1], *rows]
        return {"code": "0", "comments": rows, "totalItem": len(chosen)}
