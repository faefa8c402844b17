"""A fake eBay Trading API (ws/api.dll): http.server on 127.0.0.1 in a thread that checks what
eBay documents — the X-EBAY-API-CALL-NAME header naming the request's root element, the site
and compatibility-level headers, the OAuth user token in X-EBAY-API-IAF-TOKEN — and answers
GetFeedback (FeedbackType, CommentType filters, FeedbackID, DetailLevel ReturnAll, Pagination,
the newest first) and GeteBayOfficialTime in eBay's XML, or with Ack Failure and Errors.

`feedback` holds FeedbackDetail dicts (see `detail`). `answers` scripts what to play before
answering normally: "expired" (932), "limit" (518), "malformed", "entities" (a DTD with
entities, which a client must refuse to expand); `slow_pages` makes a page answer late.
`calls` keeps every accepted call as (call name, {field: [its values]}), fields at any depth.

RespondToFeedback (FeedbackID, TargetUserID, ResponseType Reply, ResponseText) fails with
eBay's Errors when the text is over 80 characters, the feedback is unknown, the target is
not the user who left it, or the feedback already has a response; otherwise the response is
kept on the feedback (FeedbackResponse, which GetFeedback then shows). Scripted extras:
("slow", seconds) answers late (after posting)."""

import time
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from defusedxml.ElementTree import fromstring

from .fake_gateway import FakeGateway

NS = "urn:ebay:apis:eBLBaseComponents"
CALLS = ("GetFeedback", "GeteBayOfficialTime", "RespondToFeedback")
RESPONSE_REFUSALS = {
    "too_long": ("21919404", "Response too long.", "ResponseText exceeds 80 characters."),
    "missing": ("21919405", "Feedback not found.", "The FeedbackID is not valid."),
    "exists": (
        "21919406",
        "Already responded.",
        "You have already replied to this feedback.",
    ),
    "target": ("21919407", "Invalid TargetUserID.", "TargetUserID did not leave this feedback."),
}
INVALID_TOKEN = ("931", "Auth token is invalid.", "Validation of the authentication token failed.")
EXPIRED_TOKEN = ("932", "Auth token is hard expired.", "Auth token is hard expired.")
USAGE_LIMIT = (
    "518",
    "Call usage limit has been reached.",
    "Your application has exceeded usage limit on this call, please make call to "
    "GetAPIAccessRules to check your call usage.",
)


def ebay_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def detail(feedback_id: int, *, when: datetime, kind: str = "Negative", **more) -> dict:
    """A FeedbackDetail as GetFeedback returns it, received as a seller."""
    return {
        "CommentingUser": more.pop("user", f"buyer_{feedback_id % 1000}"),
        "CommentingUserScore": "12",
        "CommentText": more.pop("text", "Item arrived broken, seller slow to answer"),
        "CommentTime": ebay_time(when),
        "CommentType": kind,
        "ItemID": "1100" + str(feedback_id),
        "Role": "Seller",
        "ItemTitle": more.pop("title", "Cotton T-shirt"),
        "ItemPrice": more.pop("price", "19.99"),
        "FeedbackID": str(feedback_id),
        "TransactionID": str(feedback_id * 7),
        "OrderLineItemID": f"1100{feedback_id}-{feedback_id * 7}",
        **more,
    }


class FakeEbay(FakeGateway):
    path = "/ws/api.dll"
    url_setting = "EBAY_API_URL"
    content_type = "text/xml;charset=utf-8"

    def __init__(self, *, token: str = "v^1.1#i^1#ebay-alpha") -> None:
        super().__init__()
        self.tokens = {token}
        self.feedback: list[dict] = []
        self.slow_pages: dict[int, float] = {}  # PageNumber -> seconds, played once

    def post(self, path: str, headers: dict, raw: bytes) -> bytes:
        return self.answer(headers, raw)

    def add(self, *details: dict) -> None:
        with self._lock:
            self.feedback.extend(details)

    def edit(self, feedback_id: int, **fields) -> None:
        with self._lock:
            for stored in self.feedback:
                if stored["FeedbackID"] == str(feedback_id):
                    stored.update(fields)

    # --- answering -------------------------------------------------------------------------

    def answer(self, headers: dict, raw: bytes) -> bytes:
        name = headers.get("X-EBAY-API-CALL-NAME", "")
        try:
            request = fromstring(raw)
        except Exception:  # noqa: BLE001 (any unreadable request is eBay's error 5)
            return self.failure(
                name or "GetFeedback", ("5", "XML Parse error.", "XML Parse error.")
            )
        error = self.check(name, headers, request)
        if error:
            self.refused.append(name)
            return self.failure(name or "GetFeedback", error)
        fields: dict[str, list[str]] = {}
        for element in request.iter():
            if len(element) == 0:
                tag = element.tag.removeprefix(f"{{{NS}}}")
                fields.setdefault(tag, []).append(element.text or "")
        scripted = self.take((name, fields))
        if scripted == "expired":
            return self.failure(name, EXPIRED_TOKEN)
        if scripted == "limit":
            return self.failure(name, USAGE_LIMIT)
        if scripted == "malformed":
            return f'<?xml version="1.0"?><{name}Response xmlns="{NS}"><Ack>Succ'.encode()
        if scripted == "entities":
            return (
                f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa">'
                f'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
                f'<{name}Response xmlns="{NS}"><Ack>&b;</Ack></{name}Response>'
            ).encode()
        if name == "GeteBayOfficialTime":
            return self.success(name, "")
        if name == "RespondToFeedback":
            return self.respond(fields)
        return self.get_feedback(request)

    def check(self, name: str, headers: dict, request) -> tuple | None:
        if name not in CALLS:
            return ("2", "Unsupported API call.", f"The API call {name!r} is invalid.")
        if request.tag != f"{{{NS}}}{name}Request":
            return ("5", "XML Parse error.", "The request does not match the call name.")
        if not headers.get("X-EBAY-API-SITEID", "").isdigit():
            return ("10012", "Invalid site.", "X-EBAY-API-SITEID is missing or invalid.")
        if not headers.get("X-EBAY-API-COMPATIBILITY-LEVEL", "").isdigit():
            return ("10013", "Invalid version.", "X-EBAY-API-COMPATIBILITY-LEVEL is missing.")
        if headers.get("X-EBAY-API-IAF-TOKEN", "") not in self.tokens:
            return INVALID_TOKEN
        return None

    def respond(self, fields: dict[str, list[str]]) -> bytes:
        def one(name: str) -> str:
            return (fields.get(name) or [""])[0]

        with self._lock:
            found = next((f for f in self.feedback if f["FeedbackID"] == one("FeedbackID")), None)
            refusal = None
            if found is None:
                refusal = "missing"
            elif len(one("ResponseText")) > 80:
                refusal = "too_long"
            elif one("TargetUserID") != found["CommentingUser"]:
                refusal = "target"
            elif found.get("FeedbackResponse"):
                refusal = "exists"
            if refusal:
                return self.failure("RespondToFeedback", RESPONSE_REFUSALS[refusal])
            if one("ResponseType") != "Reply":
                return self.failure(
                    "RespondToFeedback", ("37", "Input data is invalid.", "ResponseType.")
                )
            found["FeedbackResponse"] = one("ResponseText")
        return self.success("RespondToFeedback", "")

    def get_feedback(self, request) -> bytes:
        def values(field: str) -> list[str]:
            return [(e.text or "") for e in request.iter(f"{{{NS}}}{field}")]

        if values("FeedbackID"):  # all other fields are ignored
            chosen = [f for f in self.feedback if f["FeedbackID"] == values("FeedbackID")[0]]
            return self.success("GetFeedback", self.details(chosen))
        if values("FeedbackType") != ["FeedbackReceivedAsSeller"] or values("DetailLevel") != [
            "ReturnAll"
        ]:
            return self.success("GetFeedback", "")  # only the summary: nothing to page
        kinds = set(values("CommentType")) or {"Positive", "Neutral", "Negative"}
        with self._lock:
            chosen = sorted(
                (f for f in self.feedback if f["CommentType"] in kinds and f["Role"] == "Seller"),
                key=lambda f: (f["CommentTime"], int(f["FeedbackID"])),
                reverse=True,
            )
        size = int((values("EntriesPerPage") or ["25"])[0])
        page_no = int((values("PageNumber") or ["1"])[0])
        with self._lock:
            delay = self.slow_pages.pop(page_no, 0)
        time.sleep(delay)
        rows = chosen[(page_no - 1) * size : page_no * size]
        pages = -(-len(chosen) // size)
        return self.success(
            "GetFeedback",
            self.details(rows)
            + f"<FeedbackDetailItemTotal>{len(rows)}</FeedbackDetailItemTotal>"
            + "<PaginationResult>"
            + f"<TotalNumberOfPages>{pages}</TotalNumberOfPages>"
            + f"<TotalNumberOfEntries>{len(chosen)}</TotalNumberOfEntries>"
            + "</PaginationResult>",
        )

    @staticmethod
    def details(rows: list[dict]) -> str:
        def field(key: str, value: str) -> str:
            if key == "ItemPrice":
                return f'<ItemPrice currencyID="USD">{escape(value)}</ItemPrice>'
            return f"<{key}>{escape(value)}</{key}>"

        inner = "".join(
            "<FeedbackDetail>" + "".join(field(k, v) for k, v in row.items()) + "</FeedbackDetail>"
            for row in rows
        )
        return f"<FeedbackDetailArray>{inner}</FeedbackDetailArray>"

    @staticmethod
    def envelope(name: str, ack: str, inner: str) -> bytes:
        now = ebay_time(datetime.now(UTC))
        return (
            f'<?xml version="1.0" encoding="UTF-8"?><{name}Response xmlns="{NS}">'
            f"<Timestamp>{now}</Timestamp><Ack>{ack}</Ack>{inner}"
            f"<Version>1451</Version><Build>E1451_CORE_API_fake</Build></{name}Response>"
        ).encode()

    def success(self, name: str, inner: str) -> bytes:
        return self.envelope(name, "Success", inner)

    def failure(self, name: str, error: tuple) -> bytes:
        code, short, long = error
        return self.envelope(
            name,
            "Failure",
            f"<Errors><ShortMessage>{escape(short)}</ShortMessage>"
            f"<LongMessage>{escape(long)}</LongMessage><ErrorCode>{code}</ErrorCode>"
            "<SeverityCode>Error</SeverityCode><ErrorClassification>RequestError"
            "</ErrorClassification></Errors>",
        )
