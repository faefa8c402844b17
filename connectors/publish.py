"""「发布到平台」: an approved public reply posted through the shop's platform connection by a
person's click (eBay forbids automated replies to negative feedback: nothing here runs
without one).

Who may click: the shop's agents and team leads — the people who copy the approved text
and mark it posted today; the lead has approved the text already. Managers do not.

The way: the platform's rules are checked first (length, the reply window, a 追评 that
closed it, already posted), then the reply is claimed (outreach's conditional update: a
double click or a second tab finds it taken), then the client posts it once (no retries)
and the answer is recorded on the reply, the timeline and the audit log. A refusal is said
in Chinese; a timeout is an unknown outcome, shown as such and never repeated by itself.
Where the shop has no connection that posts replies, the copy-and-mark-posted way stays.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from outreach import platforms
from outreach import services as outreach_services
from outreach.guardrails import GuardrailError
from outreach.models import PublishOutcome, Reply, ReplyState
from reviews.models import Membership, Role

from . import services
from .clients import (
    ConnectorError,
    NotSent,
    ReplyRejected,
    SessionExpired,
    Throttled,
    client_for,
    supported,
)
from .models import ConnectionStatus, PlatformConnection

PUBLISHERS = (Role.AGENT, Role.LEAD)
# Our own codes for the answers that say nothing was posted, whatever the platform.
_KINDS = {"expired", "throttled", "not_sent"}

# The platforms' refusals of a reply, as our fake servers give them (TOP: code 15 with an
# isv sub_code; JOS: its error code inside the answer; eBay: the ErrorCode). The platforms
# publish no list for these calls that we could read, so these are to be checked against
# each sandbox; a code not listed is shown with the platform's own message.
REFUSALS = {
    "isv.reply-too-long": "too_long",
    "isv.explain-expired": "window",
    "isv.explain-after-append": "followup",
    "isv.explain-exist": "already",
    "isv.trade-not-exist": "not_found",
    "jos.reply.too-long": "too_long",
    "jos.reply.exists": "already",
    "jos.comment.not-found": "not_found",
    "21919404": "too_long",
    "21919406": "already",
    "21919405": "not_found",
}


def _words(kind: str, platform: str) -> str:
    words = {
        "too_long": _("%(platform)s refused the reply: it is too long."),
        "window": _("%(platform)s refused the reply: the time to reply to this review is over."),
        "followup": _(
            "%(platform)s refused the reply: the buyer added a follow-up review (追评), "
            "which closes the reply."
        ),
        "already": _("%(platform)s says this review already has a seller reply."),
        "not_found": _("%(platform)s does not know this review (it may have been deleted)."),
        "expired": _(
            "The shop's authorisation on %(platform)s has expired: a team lead renews it. "
            "Nothing was posted."
        ),
        "throttled": _(
            "%(platform)s is limiting calls right now. Nothing was posted; try again in a few "
            "minutes."
        ),
        "not_sent": _("%(platform)s could not be reached. Nothing was posted; try again later."),
    }
    return words[kind] % {"platform": platform}


def describe(reply: Reply, platform: str) -> str:
    """The last attempt's outcome in words (the page shows it until the next attempt)."""
    outcome = reply.publish_outcome
    if outcome in (PublishOutcome.POSTING, PublishOutcome.UNKNOWN):
        return _(
            "Outcome unknown: %(platform)s did not answer in time, so the reply may or may "
            "not be posted. Check the review on %(platform)s; if the reply is there, mark it "
            "posted. It is not sent again by itself."
        ) % {"platform": platform}
    if outcome == PublishOutcome.POSTED:
        return _("Posted on %(platform)s.") % {"platform": platform}
    if outcome != PublishOutcome.REFUSED:
        return ""
    kind = reply.publish_code if reply.publish_code in _KINDS else ""
    for token in reply.publish_code.split():
        kind = kind or REFUSALS.get(token, "")
    if kind:
        return _words(kind, platform)
    return _("%(platform)s refused the reply (%(code)s): %(message)s") % {
        "platform": platform,
        "code": reply.publish_code,
        "message": reply.publish_message or "—",
    }


def publishing_connection(shop) -> PlatformConnection | None:
    """The shop's connection when it posts replies: connected, not switched off, its
    authorisation not expired, and a client that posts replies for this shop (Tmall yes,
    a Taobao C-shop no)."""
    connection = PlatformConnection.objects.filter(shop=shop).first()
    if connection is None or not connection.enabled or not supported(connection.platform):
        return None
    if connection.status == ConnectionStatus.EXPIRED:
        return None
    client = client_for(connection)
    if not getattr(client, "posts_replies", True):
        return None
    return connection


def problem(reply: Reply, *, now=None) -> str | None:
    """Why the platform would refuse this reply, said before calling it; None: post it."""
    review = reply.review
    shop = reply.shop
    label = shop.get_platform_display()
    if reply.state == ReplyState.POSTED:
        return _("This reply is already posted.")
    if reply.state != ReplyState.APPROVED:
        return _("Only an approved reply can be posted.")
    if not review.platform_review_id:
        return _(
            "This review came without the platform's id for it (from a file): copy the reply, "
            "post it on %(platform)s and mark it posted."
        ) % {"platform": label}
    rules = platforms.rules_for(shop.platform)
    text = reply.text.strip()
    if rules.reply_max_chars is not None and len(text) > rules.reply_max_chars:
        return _(
            "Too long for %(platform)s: %(n)d characters, it accepts %(max)d. Edit the reply "
            "and have it approved again."
        ) % {"platform": label, "n": len(text), "max": rules.reply_max_chars}
    if rules.reply_blocked_after_followup and review.followup_at is not None:
        return _(
            "The buyer added a follow-up review (追评): %(platform)s no longer accepts a "
            "reply to this review."
        ) % {"platform": label}
    deadline = platforms.reply_deadline(
        shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    if deadline is not None and deadline <= (now or timezone.now()):
        return _(
            "%(platform)s accepts a reply within %(days)d days of the review; that time has passed."
        ) % {"platform": label, "days": rules.reply_window_days}
    if rules.reply_needs_person and not (review.buyer and review.buyer.nick):
        return _("The buyer's %(platform)s user ID is not known: copy the reply instead.") % {
            "platform": label
        }
    return None


def reply_publishing(reply: Reply | None, user) -> dict | None:
    """The review page's 「发布到平台」 panel (settings.OUTREACH_REPLY_PUBLISHING), or None
    where the reply is copied and marked posted by hand."""
    if reply is None or reply.state not in (ReplyState.APPROVED, ReplyState.POSTED):
        return None
    if reply.state == ReplyState.POSTED:
        if reply.publish_outcome != PublishOutcome.POSTED:
            return None
        return {"outcome": reply.publish_outcome, "said": describe(reply, _platform(reply))}
    if publishing_connection(reply.shop) is None:
        return None
    label = _platform(reply)
    unknown = reply.publish_outcome in (PublishOutcome.POSTING, PublishOutcome.UNKNOWN)
    return {
        "url": reverse("reply_publish", args=[reply.pk]),
        "platform": label,
        "can_click": Membership.objects.holds(user, reply.shop, *PUBLISHERS) and not unknown,
        "unknown": unknown,
        "problem": problem(reply),
        "outcome": reply.publish_outcome,
        "said": describe(reply, label),
    }


def _platform(reply: Reply) -> str:
    return str(reply.shop.get_platform_display())


@dataclass(frozen=True)
class Published:
    posted: bool
    said: str
    outcome: str = ""


def reply_publish(*, reply: Reply, user) -> Published:
    """Post `reply` through its shop's platform connection, once, on `user`'s click."""
    label = _platform(reply)
    connection = publishing_connection(reply.shop)
    if connection is None:
        return Published(
            False,
            _(
                "This shop has no platform connection that posts replies: copy the reply, "
                "post it on the platform and mark it posted."
            ),
        )
    why = problem(reply)
    if why:
        return Published(False, why)
    try:
        reply = outreach_services.reply_publish_claim(reply=reply, user=user)
    except GuardrailError as exc:
        return Published(False, str(exc.message))
    review = reply.review
    try:
        posted = client_for(connection).post_reply(review, reply.text.strip())
    except (ReplyRejected, SessionExpired, Throttled, NotSent) as exc:
        code = _code_of(exc)
        if isinstance(exc, SessionExpired):
            services.connection_mark_expired(connection=connection, exc=exc)
        reply = outreach_services.reply_publish_failed(
            reply=reply,
            user=user,
            outcome=PublishOutcome.REFUSED,
            code=code,
            message=exc.message,
        )
        return Published(False, describe(reply, label), PublishOutcome.REFUSED)
    except ConnectorError as exc:
        reply = outreach_services.reply_publish_failed(
            reply=reply,
            user=user,
            outcome=PublishOutcome.UNKNOWN,
            code=exc.code,
            message=exc.message,
        )
        return Published(False, describe(reply, label), PublishOutcome.UNKNOWN)
    except Exception:
        # A bug of ours after the claim: the call may have left. Never leave it claimed
        # forever; say "unknown" so a person checks the platform.
        outreach_services.reply_publish_failed(
            reply=reply, user=user, outcome=PublishOutcome.UNKNOWN, code="error"
        )
        raise
    reply = outreach_services.reply_publish_posted(
        reply=reply, user=user, platform_reply_id=posted.platform_reply_id
    )
    return Published(True, describe(reply, label), PublishOutcome.POSTED)


def _code_of(exc: ConnectorError) -> str:
    if isinstance(exc, SessionExpired):
        return "expired"
    if isinstance(exc, Throttled):
        return "throttled"
    if isinstance(exc, NotSent):
        return "not_sent"
    return exc.code
