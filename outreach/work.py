"""Reads for the review page's work panel: what is planned, what's next, which deadline applies."""

from datetime import datetime

from django.utils import timezone

from reviews.models import Membership, Review, Role, Severity
from reviews.selectors import review_page_context

from . import platforms, replies
from .models import (
    AGENT_KINDS,
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Outcome,
    PlannedContact,
    Reply,
    Resolution,
)


def reply_deadline(review: Review) -> datetime | None:
    return platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )


def reply_context(
    review: Review, *, user, attempts: list, situation: str = "", variant: int | None = None
) -> dict:
    """The composer: the saved reply, or a suggestion filled in with the real call times."""
    reply = Reply.objects.filter(review=review).first()
    calls = [a.created_at for a in attempts if a.channel == Channel.PHONE]
    age_days = (timezone.now() - review.reviewed_at).days
    suggested = situation or replies.suggest_situation(
        subcause=review.subcause,
        cause=review.cause,
        status=review.status,
        age_days=age_days,
        attempts=len(calls),
    )
    if situation or variant is not None or reply is None:
        # Different reviews start on different wordings, so a shop's replies don't all read alike.
        chosen = review.pk if variant is None else variant
        text = replies.compose(
            situation=suggested,
            subcause=review.subcause,
            attempts=calls,
            tz=review.shop.tz,
            variant=chosen,
        )
    else:
        text = reply.text
        suggested = reply.situation or suggested
    problems = replies.check_reply(
        text,
        platform=review.shop.platform,
        order_id=review.order_id,
        phone=review.buyer.phone if review.buyer else "",
    )
    return {
        "reply": reply,
        "reply_text": text,
        "reply_situation": suggested,
        "reply_variant": (review.pk if variant is None else variant) + 1,
        "reply_situations": list(replies.SITUATION_LABELS.items()),
        "reply_problems": problems,
        "is_lead": Membership.objects.filter(user=user, shop=review.shop, role=Role.LEAD).exists(),
    }


def review_work_context(review: Review, *, user, **extra) -> dict:
    pending = list(
        PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES)
        .select_related("assigned_to")
        .order_by("due_at")
    )
    agent_items = [p for p in pending if p.kind in AGENT_KINDS or p.channel == Channel.PHONE]
    attempts = list(
        ContactAttempt.objects.filter(review=review)
        .select_related("agent")
        .order_by("-created_at")[:20]
    )
    rules = platforms.rules_for(review.shop.platform)
    deadline = reply_deadline(review)
    now = timezone.now()
    reply_extra = {k: extra.pop(k) for k in ("situation", "variant") if k in extra}
    return {
        **review_page_context(review),
        **reply_context(review, user=user, attempts=attempts, **reply_extra),
        "pending": pending,
        "next_step": agent_items[0] if agent_items else (pending[0] if pending else None),
        "attempts": attempts,
        "channels": Channel.choices,
        "message_channels": [(c, label) for c, label in Channel.choices if c != Channel.PHONE],
        "outcomes": Outcome.choices,
        "resolutions": [(v, label) for v, label in Resolution.choices if v],
        "platform_rules": rules,
        "reply_deadline": deadline,
        "reply_deadline_passed": deadline is not None and deadline <= now,
        "cooling_off": review.severity == Severity.SERIOUS,
        "now": now,
        **extra,
    }
