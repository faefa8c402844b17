"""A fake Kuaishou e-commerce open-platform gateway: http.server on 127.0.0.1 in a thread that
checks what the platform documents — the path named by the method (open.comment.list.get at
/open/comment/list/get), the system parameters (appkey, method, version=1, access_token,
timestamp in ms within 10 minutes, signMethod MD5 or HMAC_SHA256, param as JSON), the
signature recomputed over the sorted parameters and the signSecret — and answers

- open.comment.list.get (GET): root comments filtered by qualityScore, createTimeFrom/To or
  outOrderNo, newest first, paged with offset/limit (at most 20), with `total`;
- open.subcomment.list.get (GET): a root comment's 追评 and seller reply;
- open.comment.add (POST): a seller reply to a root comment, once, within 30 days,

as `{"result": 1, "data": …}`, or a refusal `{"result": n, "code": "n", "error_msg": …}`;
and the OAuth2 refresh, GET /oauth2/refresh_token (app_id = the app key, app_secret = the
app's appSecret, grant_type=refresh_token, refresh_token): a new access token (48 hours) and
a new refresh token (180 days) as `{"result": 1, "access_token", "expires_in", "refresh_token",
"refresh_token_expires_in", "scopes"}`; the refresh token sent is spent, and a spent or
unknown one is refused (`{"result": n, "error": …, "error_msg": …}`). `refresh_tokens` holds
the live ones, `refreshes` every refresh asked, `refresh_delay` makes it answer late.

`comments` holds root comments (ItemCommentBaseInfo dicts) with their sub-comments under
"_subs". `answers` scripts what to play before answering normally: "throttle", "expired",
"refused", "malformed", "unavailable" (HTTP 503); `slow_pages` makes a page answer late; `repeat_across_pages`
repeats each page's last comment at the top of the next; `arrive_after_page` adds comments
once a page was answered (a newer comment shifts every offset by one), `hide_after_page`
takes comments down (every later one moves up a row). `calls` keeps every
accepted call's parameters (`param` decoded under "business"), `refused` every refused one,
`replies` every reply accepted. `push_body` encrypts a push message as the platform does."""

import base64
import hashlib
import hmac
import json
import time
from datetime import datetime, timedelta

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .fake_gateway import FakeGateway, form

SYSTEM = ("appkey", "method", "version", "access_token", "timestamp", "signMethod", "sign")
METHODS = {
    "open.comment.list.get": "GET",
    "open.subcomment.list.get": "GET",
    "open.comment.add": "POST",
}

INVALID_SIGN = {"result": 22, "code": "22", "error_msg": "签名验证失败"}
INVALID_TIMESTAMP = {"result": 21, "code": "21", "error_msg": "timestamp参数已过期"}
EXPIRED_TOKEN = {"result": 24, "code": "24", "error_msg": "access_token已过期"}
CALL_LIMITED = {"result": 28, "code": "28", "error_msg": "API调用频率超过限制"}
SERVICE_ERROR = {"result": 500, "code": "500", "error_msg": "服务异常，请稍后重试"}
ALREADY_REPLIED = {"result": 802, "code": "802", "error_msg": "该评价已回复，不能重复回复"}
REPLY_WINDOW = {"result": 803, "code": "803", "error_msg": "评价超过30天，不能回复"}
NO_COMMENT = {"result": 804, "code": "804", "error_msg": "评价不存在"}
REFRESH_PATH = "/oauth2/refresh_token"
ACCESS_LASTS = 48 * 3600
REFRESH_LASTS = 180 * 86400


def ks_sign(params: dict, secret: str) -> str:
    joined = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
    message = f"{joined}&signSecret={secret}".encode()
    if params.get("signMethod") == "MD5":
        return hashlib.md5(message).hexdigest()  # noqa: S324 (the platform's scheme)
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def comment(comment_id: int, *, score: int = 1, created: datetime, **more) -> dict:
    """A root comment as open.comment.list.get returns it; `followup` and `reply` become its
    sub-comments (a 追评 by the buyer, the seller's reply)."""
    followup = more.pop("followup", "")
    reply = more.pop("reply", "")
    subs = []
    if followup:
        subs.append(
            {
                "commentId": comment_id * 10 + 1,
                "rootCommentId": comment_id,
                "content": followup,
                "createTime": ms(created + timedelta(days=2)),
                "sellerReply": False,
            }
        )
    if reply:
        subs.append(
            {
                "commentId": comment_id * 10 + 2,
                "rootCommentId": comment_id,
                "replyToCommentId": comment_id,
                "content": reply,
                "createTime": ms(created + timedelta(hours=3)),
                "sellerReply": True,
            }
        )
    return {
        "commentId": comment_id,
        "itemId": 2200000001,
        "orderId": more.pop("order_id", 2500000000000 + comment_id),
        "content": more.pop("content", "东西和图片差太多了，客服也不理人"),
        "qualityScore": score,
        "serviceScore": score,
        "logisticsScore": 5,
        "creditScore": score,
        "createTime": ms(created),
        "anonymous": False,
        "attached": bool(followup),
        "attachedTime": ms(created + timedelta(days=2)) if followup else None,
        "sellerReply": bool(reply),
        "replied": bool(reply),
        "_subs": subs,
        **more,
    }


def push_body(message: dict, key_b64: str) -> bytes:
    """A push as the platform sends it: the JSON message, AES-CBC with the app's message key
    (base64), a zero IV and PKCS#5 padding, then base64."""
    plain = json.dumps(message, ensure_ascii=False).encode()
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plain) + padder.finalize()
    encryptor = Cipher(algorithms.AES(base64.b64decode(key_b64)), modes.CBC(bytes(16))).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize())


class FakeKuaishou(FakeGateway):
    url_setting = "KUAISHOU_API_URL"

    def __init__(
        self,
        *,
        app_key="ks680001",
        secret="ks-sign-secret-0123",
        token="tok-ks",
        app_secret="ks-app-secret-4567",
        refresh_token="rt-ks",
    ):
        super().__init__()
        self.app_key = app_key
        self.secret = secret
        self.app_secret = app_secret  # the OAuth appSecret (calls are signed with `secret`)
        self.tokens = {token}
        self.refresh_tokens = {refresh_token}
        self.refreshes: list[dict] = []
        self.refresh_delay = 0.0
        self.issued = 0
        self.comments: list[dict] = []
        self.repeat_across_pages = False
        self.slow_pages: dict[int, float] = {}  # page -> seconds, played once
        self.arrive_after_page: dict[int, list[dict]] = {}
        self.hide_after_page: dict[int, list[int]] = {}  # page -> comment ids taken down
        self.replies: list[dict] = []
        self.unavailable = 0  # 503s answered
        self.slow_replies = 0.0  # seconds open.comment.add answers late (having posted)
        self.reply_result: int | None = None  # open.comment.add answers this code, yet posts

    def get(self, path: str, query: dict) -> bytes | None:
        if path == REFRESH_PATH:
            return self.refresh(query)
        return self.answer("GET", path, query)

    def post(self, path: str, headers: dict, raw: bytes) -> bytes | None:
        return self.answer("POST", path, form(raw))

    def add(self, *comments: dict) -> None:
        with self._lock:
            self.comments.extend(comments)

    def edit(self, comment_id: int, **fields) -> None:
        with self._lock:
            for stored in self.comments:
                if stored["commentId"] == comment_id:
                    stored.update(fields)

    # --- answering -------------------------------------------------------------------------

    @staticmethod
    def dump(body: dict) -> bytes:
        return json.dumps(body, ensure_ascii=False).encode()

    def answer(self, verb: str, path: str, params: dict) -> bytes | None:
        with self._lock:
            if self.answers and self.answers[0] == "unavailable":
                self.answers.pop(0)
                self.unavailable += 1
                return None
        error = self.check(verb, path, params)
        if error:
            self.refused.append(params)
            return self.dump(error)
        business = json.loads(params.get("param") or "{}")
        scripted = self.take({**params, "business": business})
        if scripted == "throttle":
            return self.dump(CALL_LIMITED)
        if scripted == "expired":
            return self.dump(EXPIRED_TOKEN)
        if scripted == "refused":
            return self.dump(SERVICE_ERROR)
        if scripted == "malformed":
            return b'{"result": 1, "data": {"rootComment": [{"commentId": 1'
        method = params["method"]
        if method == "open.comment.add":
            answered = self.dump(self.add_reply(business))
            time.sleep(self.slow_replies)
            return answered
        if method == "open.subcomment.list.get":
            root = int(business.get("rootCommentId", 0))
            with self._lock:
                subs = [s for c in self.comments if c["commentId"] == root for s in c["_subs"]]
            return self.dump({"result": 1, "data": {"subComment": subs}})
        return self.dump({"result": 1, "data": self.page(business)})

    def refresh(self, params: dict) -> bytes:
        """The OAuth2 refresh: the refresh token is spent; a new pair is issued."""
        with self._lock:
            self.refreshes.append(params)
        time.sleep(self.refresh_delay)
        if params.get("grant_type") != "refresh_token":
            return self.dump({"result": 100, "error": "unsupported_grant_type", "error_msg": ""})
        if params.get("app_id") != self.app_key or params.get("app_secret") != self.app_secret:
            return self.dump(
                {"result": 101, "error": "invalid_client", "error_msg": "app_id或app_secret错误"}
            )
        with self._lock:
            if params.get("refresh_token") not in self.refresh_tokens:
                return self.dump(
                    {
                        "result": 102,
                        "error": "invalid_grant",
                        "error_msg": "refresh_token已过期或已使用",
                    }
                )
            self.refresh_tokens.discard(params["refresh_token"])
            self.issued += 1
            token, renewal = f"tok-ks-{self.issued}", f"rt-ks-{self.issued}"
            self.tokens.add(token)
            self.refresh_tokens.add(renewal)
        return self.dump(
            {
                "result": 1,
                "access_token": token,
                "expires_in": ACCESS_LASTS,
                "refresh_token": renewal,
                "refresh_token_expires_in": REFRESH_LASTS,
                "scopes": ["merchant_comment"],
            }
        )

    def check(self, verb: str, path: str, params: dict) -> dict | None:
        missing = [name for name in SYSTEM if not params.get(name)]
        if missing:
            return {"result": 10, "code": "10", "error_msg": f"缺少参数 {missing[0]}"}
        method = params["method"]
        if METHODS.get(method) != verb or path != "/" + method.replace(".", "/"):
            return {"result": 11, "code": "11", "error_msg": f"API不存在: {verb} {path}"}
        if params["version"] != "1" or params["signMethod"] not in ("MD5", "HMAC_SHA256"):
            return {"result": 12, "code": "12", "error_msg": "version或signMethod不支持"}
        if params["appkey"] != self.app_key:
            return {"result": 13, "code": "13", "error_msg": "appkey不存在"}
        if not hmac.compare_digest(params["sign"], ks_sign(params, self.secret)):
            return INVALID_SIGN
        if abs(int(params["timestamp"]) - time.time() * 1000) > 10 * 60 * 1000:
            return INVALID_TIMESTAMP
        if params["access_token"] not in self.tokens:
            return EXPIRED_TOKEN
        try:
            json.loads(params.get("param") or "{}")
        except ValueError:
            return {"result": 14, "code": "14", "error_msg": "param不是JSON"}
        return None

    def page(self, business: dict) -> dict:
        with self._lock:
            chosen = list(self.comments)
        if business.get("outOrderNo"):
            chosen = [c for c in chosen if str(c["orderId"]) == str(business["outOrderNo"])]
        else:
            scores = set(business.get("qualityScore") or [1, 2, 3, 4, 5])
            begin = int(business.get("createTimeFrom", 0))
            end = int(business.get("createTimeTo", 2**62))
            chosen = [
                c for c in chosen if c["qualityScore"] in scores and begin <= c["createTime"] <= end
            ]
        chosen.sort(key=lambda c: (-c["createTime"], -c["commentId"]))  # newest first
        size = min(int(business.get("limit", 10)), 20)
        offset = int(business.get("offset", 0))
        page = (offset + size - 1) // size + 1  # a page may start a row early
        rows = chosen[offset : offset + size]
        if not rows:  # the scripts below play on pages with comments only
            return {"rootComment": [], "total": len(chosen)}
        if self.repeat_across_pages and offset:
            rows = [chosen[offset - 1], *rows]
        with self._lock:
            delay = self.slow_pages.pop(page, 0)
        time.sleep(delay)
        with self._lock:  # what happens once the page was answered
            arriving = self.arrive_after_page.pop(page, [])
            self.comments.extend(arriving)
            hidden = set(self.hide_after_page.pop(page, []))
            self.comments = [c for c in self.comments if c["commentId"] not in hidden]
        public = [{k: v for k, v in c.items() if k != "_subs"} for c in rows]
        return {"rootComment": public, "total": len(chosen)}

    def add_reply(self, business: dict) -> dict:
        root = int(business.get("replyToCommentId", 0))
        with self._lock:
            found = [c for c in self.comments if c["commentId"] == root]
            if not found:
                return NO_COMMENT
            target = found[0]
            if target["sellerReply"]:
                return ALREADY_REPLIED
            if time.time() * 1000 - target["createTime"] > 30 * 86400 * 1000:
                return REPLY_WINDOW
            reply_id = root * 10 + 2
            target["sellerReply"] = target["replied"] = True
            target["_subs"].append(
                {
                    "commentId": reply_id,
                    "rootCommentId": root,
                    "replyToCommentId": root,
                    "content": business.get("content", ""),
                    "createTime": int(time.time() * 1000),
                    "sellerReply": True,
                }
            )
            self.replies.append(business)
        if self.reply_result is not None:  # posted, but the answer says something else
            return {"result": self.reply_result, "code": str(self.reply_result), "error_msg": "?"}
        return {"result": 1, "data": {"commentId": reply_id}}
