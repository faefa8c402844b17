"""What each platform allows, in one table (seed 004 and the platforms' open-API documentation).

Every rule the planner or the reply screen needs about a platform is read from here, so a
platform that changes its policy is a one-line edit with its own test.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class PlatformRules:
    # Can the buyer revise (or delete) a neutral/negative review?  Tmall and JD: no — the
    # plan aims at solving the problem and, where useful, an explanatory 追评 instead.
    can_revise: bool
    # The seller's public reply (评价解释): longest text the platform accepts (None: no limit
    # we know of), days after the review it may still be posted (None: no window), and
    # whether a buyer's 追评 closes it.
    reply_max_chars: int | None
    reply_window_days: int | None
    reply_blocked_after_followup: bool
    # eBay: replies to negative feedback must not be automated; a person posts each one.
    reply_needs_person: bool
    # Does an explanatory 追评 help?  On JD it hides behind a click, so it helps little.
    followup_review_helps: bool
    # The revise window: days after the review the buyer can still change it, so may still be
    # asked to (None: no window we know of), and how many requests one review may get (None:
    # no limit; the planner only avoids sending the instructions twice in a day).
    revision_window_days: int | None
    revision_requests_max: int | None
    # The buyer can change the rating only once: after a first change (差评 → 中评, say)
    # nothing more can be asked for.
    revise_once: bool = False
    # Does the window bound the buyer's change itself (Taobao: after 30 days the review can no
    # longer be changed, so an agreed minute past it is pointless), or only the seller's
    # request (eBay: a request sent in time may be answered after the 30 days)?
    window_bounds_change: bool = False


PLATFORM_RULES: dict[str, PlatformRules] = {
    "taobao": PlatformRules(
        can_revise=True,
        reply_max_chars=500,
        reply_window_days=30,
        reply_blocked_after_followup=True,
        reply_needs_person=False,
        followup_review_helps=True,
        # Taobao's evaluation rules: a buyer may change (or delete) a 中评/差评 once, within 30
        # days of rating it; a 追评 stays possible for 180 days but does not change the
        # rating. Stated by the issue and the shop's handbook; the public rule pages we could
        # reach (maijia.com "淘宝改评价期限几天") did not show their text, so we keep the
        # strict reading: 30 days from the review, one change.
        revision_window_days=30,
        revision_requests_max=None,
        revise_once=True,
        window_bounds_change=True,
    ),
    "tmall": PlatformRules(
        can_revise=False,
        reply_max_chars=500,
        reply_window_days=30,
        reply_blocked_after_followup=True,
        reply_needs_person=False,
        followup_review_helps=True,
        revision_window_days=None,
        revision_requests_max=None,
    ),
    "jd": PlatformRules(
        can_revise=False,
        reply_max_chars=None,
        reply_window_days=None,
        reply_blocked_after_followup=False,
        reply_needs_person=False,
        followup_review_helps=False,
        revision_window_days=None,
        revision_requests_max=None,
    ),
    "ebay": PlatformRules(
        can_revise=True,
        # RespondToFeedback's ResponseText: at most 80 characters (125 on the Taiwan site).
        reply_max_chars=80,
        reply_window_days=None,
        reply_blocked_after_followup=False,
        reply_needs_person=True,
        followup_review_helps=False,
        # A feedback revision request: not after 30 days, once per feedback. eBay's help
        # ("If you've received any other feedback rating … you have 30 days to work with the
        # buyer to request a revision", ebay.ca/ocs feedback topic) confirms the 30 days and
        # that requests are limited (ebay.ie feedback policies: "a limited number of requests");
        # the yearly quota (5 per 1,000 feedback) we could not confirm, so each feedback gets
        # one request and a revised feedback can't be revised again.
        revision_window_days=30,
        revision_requests_max=1,
        revise_once=True,
    ),
    "kuaishou": PlatformRules(
        # DESIGN.md: no revision path documented for the buyer.
        can_revise=False,
        # open.comment.add (the open platform's API page): the seller may reply within 30
        # days of the review, to the first review only (not to a 追评, which does not close
        # the window), once, and cannot edit it; no length limit is documented.
        reply_max_chars=None,
        reply_window_days=30,
        reply_blocked_after_followup=False,
        reply_needs_person=False,
        followup_review_helps=True,
        revision_window_days=None,
        revision_requests_max=None,
    ),
    "other": PlatformRules(
        can_revise=True,
        reply_max_chars=None,
        reply_window_days=None,
        reply_blocked_after_followup=False,
        reply_needs_person=False,
        followup_review_helps=True,
        revision_window_days=None,
        revision_requests_max=None,
    ),
}


def rules_for(platform: str) -> PlatformRules:
    return PLATFORM_RULES.get(platform, PLATFORM_RULES["other"])


def reply_deadline(
    platform: str, *, reviewed_at: datetime, followup_at: datetime | None = None
) -> datetime | None:
    """The last moment a public reply can be posted; None when no limit applies.

    Returns a moment in the past when the reply is already impossible (window over, or the
    buyer's 追评 closed it) so callers can show "too late" instead of a task.
    """
    rules = rules_for(platform)
    if rules.reply_blocked_after_followup and followup_at is not None:
        return followup_at
    if rules.reply_window_days is None:
        return None
    return reviewed_at + timedelta(days=rules.reply_window_days)


def revision_deadline(platform: str, *, reviewed_at: datetime) -> datetime | None:
    """The last moment the buyer may still be asked to revise; None when no window applies."""
    rules = rules_for(platform)
    if rules.revision_window_days is None:
        return None
    return reviewed_at + timedelta(days=rules.revision_window_days)


def revise_closed(
    platform: str, *, reviewed_at: datetime, revised_once: bool, now: datetime
) -> bool:
    """Can asking the buyer to revise no longer work? On a platform without revisions (Tmall,
    JD), past the platform's window, or after the one change a platform allows."""
    rules = rules_for(platform)
    if not rules.can_revise:
        return True
    if rules.revise_once and revised_once:
        return True
    deadline = revision_deadline(platform, reviewed_at=reviewed_at)
    return deadline is not None and deadline <= now


def reply_problem(platform: str, text: str) -> str | None:
    """Why `text` cannot be posted as a reply on `platform`, or None."""
    rules = rules_for(platform)
    if rules.reply_max_chars is not None and len(text) > rules.reply_max_chars:
        return f"too_long:{rules.reply_max_chars}"
    return None
