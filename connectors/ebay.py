"""eBay through the Trading API (XML over POST to ws/api.dll).

Every call names itself in the X-EBAY-API-CALL-NAME header, with the site, the compatibility
level and the shop's OAuth user token (X-EBAY-API-IAF-TOKEN); the body is
`<CallNameRequest xmlns="urn:ebay:apis:eBLBaseComponents">`. An answer carries `Ack`
(Success, Warning, Failure, PartialFailure) and, when something went wrong, `Errors`
(ErrorCode, ShortMessage, LongMessage, SeverityCode).

Reviews come from GetFeedback (FeedbackType FeedbackReceivedAsSeller, CommentType Negative
and Neutral, DetailLevel ReturnAll), paged with Pagination EntriesPerPage/PageNumber. It has
no time filter: it answers the newest first, and eBay's advice is to read pages until one
holds a record already read. On the Window/Page protocol: one stream, and a slice as long as
`max_age`, so a pull's whole window [synced_until - overlap, now] is one slice; a page keeps
the records inside the window, and there is no next page once the page reaches a record older
than the window's start (read by an earlier pull, the overlap aside). A record arriving while
a pull pages moves the older ones one place down: a record is then read twice (harmless, the
FeedbackID decides), never skipped, also when a pull resumes at its page checkpoint.

The seller's reply is RespondToFeedback (FeedbackID, TargetUserID: the buyer who left it,
ResponseType Reply, ResponseText at most 80 characters). eBay's policy forbids automated
replies to negative feedback: it is only ever called on a person's click. A write: one POST
through a session that retries nothing; Ack Failure means it was not posted."""

import xml.etree.ElementTree as ET  # building requests only; answers go through defusedxml
from collections.abc import Sequence
from datetime import datetime, timedelta

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings

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
    post_once,
    write_session,
)

NS = "urn:ebay:apis:eBLBaseComponents"
COMPATIBILITY_LEVEL = "1451"
SITE_ID = "0"  # eBay US; feedback is the seller's, whatever the site
COMMENT_TYPES = ("Negative", "Neutral")
MAX_ENTRIES = 200  # GetFeedback's largest page
# 931 Auth token is invalid, 932 Auth token is hard expired, 21916984 invalid IAF token.
SESSION_CODES = {"931", "932", "21916984"}
# 518 Your application has exceeded usage limit on this call.
THROTTLE_CODES = {"518"}


def _tag(name: str) -> str:
    return f"{{{NS}}}{name}"


def _text(element, path: str) -> str:
    found = element.find("/".join(_tag(part) for part in path.split("/")))
    return (found.text or "").strip() if found is not None else ""


def parse_time(text: str) -> datetime:
    """eBay's times are GMT, e.g. 2026-12-01T08:30:00.000Z."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment


class EbayClient(PlatformClient):
    url_setting = "EBAY_API_URL"
    streams: Sequence[str] = ("feedback",)
    # Buyers leave feedback within 60 days of a sale; a first pull reads 90 days back.
    max_age = timedelta(days=90)
    # One slice covers the whole window: GetFeedback has no time filter to slice by.
    slice = max_age
    max_slice = max_age

    def call(self, name: str, fields: Sequence[tuple[str, str | dict]] = (), *, write=False):
        """POST `<name>Request` with the fields in order (a dict value is a container of
        text fields); the answer's root element, once eBay acknowledged it. A `write` is
        posted once; its Failure is a refusal, an unreadable answer an unknown outcome."""
        root = ET.Element(f"{name}Request", xmlns=NS)
        for field, value in fields:
            child = ET.SubElement(root, field)
            if isinstance(value, dict):
                for inner, text in value.items():
                    ET.SubElement(child, inner).text = text
            else:
                child.text = value
        body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "X-EBAY-API-CALL-NAME": name,
            "X-EBAY-API-SITEID": SITE_ID,
            "X-EBAY-API-COMPATIBILITY-LEVEL": COMPATIBILITY_LEVEL,
            "X-EBAY-API-IAF-TOKEN": self.connection.session_key,
        }
        malformed = "unknown" if write else "malformed"
        if write:
            response = post_once(
                write_session(), self.url, data=body, headers=headers, timeout=self.timeout
            )
        else:
            try:
                response = self.http.post(
                    self.url, data=body, headers=headers, timeout=self.timeout
                )
            except requests.RequestException as exc:
                raise CallFailed("network", str(exc)[:300]) from exc
        try:
            answer = fromstring(response.content)
        except (ET.ParseError, DefusedXmlException):
            raise CallFailed(
                malformed, f"HTTP {response.status_code}: the answer is not well-formed XML"
            ) from None
        if answer.tag != _tag(f"{name}Response"):
            raise CallFailed(malformed, f"the answer is not a {name}Response")
        _raise_errors(answer, refused=ReplyRejected if write else CallFailed)
        return answer

    def post_reply(self, review: Review, text: str) -> ReplyPosted:
        self.call(
            "RespondToFeedback",
            [
                ("FeedbackID", review.platform_review_id),
                ("TargetUserID", review.buyer.nick if review.buyer else ""),
                ("ResponseType", "Reply"),
                ("ResponseText", text),
            ],
            write=True,
        )
        return ReplyPosted()

    def feedback(self, fields: Sequence[tuple[str, str | dict]]) -> tuple[list[dict], int]:
        answer = self.call("GetFeedback", [*fields, ("DetailLevel", "ReturnAll")])
        details = answer.findall(f"{_tag('FeedbackDetailArray')}/{_tag('FeedbackDetail')}")
        pages = _text(answer, "PaginationResult/TotalNumberOfPages")
        try:
            return [feedback_item(detail) for detail in details], int(pages or 0)
        except ValueError as exc:
            raise CallFailed("malformed", f"a FeedbackDetail is not readable: {exc}") from None

    def page(self, stream: str, window: Window) -> Page:
        size = min(settings.CONNECTORS["PAGE_SIZE"], MAX_ENTRIES)
        items, pages = self.feedback(
            [
                ("FeedbackType", "FeedbackReceivedAsSeller"),
                *(("CommentType", kind) for kind in COMMENT_TYPES),
                ("Pagination", {"EntriesPerPage": str(size), "PageNumber": str(window.page_no)}),
            ]
        )
        times = [parse_time(item["reviewed_at"]) for item in items]
        return Page(
            items=[
                item
                for item, moment in zip(items, times, strict=True)
                if window.start <= moment <= window.end
            ],
            # Newest first: a page that reaches the window's start ends the reading.
            has_next=bool(times) and window.page_no < pages and min(times) >= window.start,
        )

    def recheck(self, reviews: Sequence[Review]) -> list[dict]:
        """Each feedback again by its FeedbackID: a buyer's revision to Positive, a reply the
        seller posted on eBay."""
        items = []
        for review in reviews:
            found, _pages = self.feedback([("FeedbackID", review.platform_review_id)])
            items.extend(item for item in found if item["review_id"] == review.platform_review_id)
        return items

    def ping(self) -> None:
        self.call("GeteBayOfficialTime")


# Feedback eBay withdrew (the buyer's and seller's mutual withdrawal, or eBay's own removal)
# no longer counts against the shop: for the desk, the aim of its outreach is reached, as when
# the buyer revises it to Positive.
WITHDRAWN = ("Withdrawn", "IndependentlyWithdrawn")


def _rating(comment_type: str) -> str:
    return "Positive" if comment_type in WITHDRAWN else comment_type


def feedback_item(detail) -> dict:
    """A FeedbackDetail as an ingestion item: the FeedbackID is the review's key, the order
    line item (or the transaction) its order."""
    reviewed_at = _text(detail, "CommentTime")
    parse_time(reviewed_at)  # the paging needs it: a missing or odd time is a malformed page
    return {
        "review_id": _text(detail, "FeedbackID"),
        "order_id": _text(detail, "OrderLineItemID") or _text(detail, "TransactionID"),
        "buyer_nick": _text(detail, "CommentingUser"),
        "rating": _rating(_text(detail, "CommentType")),
        "text": _text(detail, "CommentText"),
        "reviewed_at": reviewed_at,
        "product_name": _text(detail, "ItemTitle"),
        "amount": _text(detail, "ItemPrice"),
        "seller_reply": _text(detail, "FeedbackResponse"),
    }


def _raise_errors(answer, *, refused: type[CallFailed | ReplyRejected] = CallFailed) -> None:
    if _text(answer, "Ack") not in ("Failure", "PartialFailure"):
        return  # Success or Warning: the answer holds what was asked
    errors = [e for e in answer.findall(_tag("Errors")) if _text(e, "SeverityCode") != "Warning"]
    if not errors:
        raise refused("failure", "eBay answered Failure without an error")
    codes = [_text(e, "ErrorCode") for e in errors]
    message = " ".join(_text(e, "LongMessage") or _text(e, "ShortMessage") for e in errors)
    shown = " ".join(codes)
    if THROTTLE_CODES & set(codes):
        raise Throttled(shown, message)
    if SESSION_CODES & set(codes):
        raise SessionExpired(shown, message)
    raise refused(shown, message)
