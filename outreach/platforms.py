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
    # Asking the buyer to revise (eBay's feedback revision request): days after the review it
    # may still be asked (None: no window), and how many requests one review may get (None:
    # no limit; the planner only avoids sending the instructions twice in a day).
    revision_window_days: int | None
    revision_requests_max: int | None


PLATFORM_RULES: dict[str, PlatformRules] = {
    "taobao": PlatformRules(
        can_revise=True,
        reply_max_chars=500,
        reply_window_days=30,
        reply_blocked_after_followup=True,
        reply_needs_person=False,
        followup_review_helps=True,
        revision_window_days=None,
        revision_requests_max=None,
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
        reply_max_chars=None,
        reply_window_days=None,
        reply_blocked_after_followup=False,
        reply_needs_person=True,
        followup_review_helps=False,
        # A feedback revision request: not after 30 days, once per feedback.
        revision_window_days=30,
        revision_requests_max=1,
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


def reply_problem(platform: str, text: str) -> str | None:
    """Why `text` cannot be posted as a reply on `platform`, or None."""
    rules = rules_for(platform)
    if rules.reply_max_chars is not None and len(text) > rules.reply_max_chars:
        return f"too_long:{rules.reply_max_chars}"
    return None
