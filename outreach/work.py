"""Reads for the review page's work panel: what is planned, what's next, which deadline applies."""

from datetime import datetime

from django.utils import timezone

from reviews.models import Review, Severity
from reviews.selectors import review_page_context

from . import platforms
from .models import (
    AGENT_KINDS,
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Outcome,
    PlannedContact,
    Resolution,
)


def reply_deadline(review: Review) -> datetime | None:
    return platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )


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
    return {
        **review_page_context(review),
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
