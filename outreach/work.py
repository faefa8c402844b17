"""Reads for the review page's work panel: what is planned, what's next, which deadline applies."""

from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from reviews.assignment import shift_covers
from reviews.models import OPEN_STATUSES, CloseReason, Membership, Review, Role, Severity
from reviews.selectors import review_page_context

from . import platforms, replies
from .models import (
    AGENT_KINDS,
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Message,
    Outcome,
    PlannedContact,
    PlanState,
    Reply,
    ReplyState,
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
    outbox = list(Message.objects.filter(review=review).order_by("-created_at")[:20])
    rules = platforms.rules_for(review.shop.platform)
    deadline = reply_deadline(review)
    now = timezone.now()
    reply_extra = {k: extra.pop(k) for k in ("situation", "variant") if k in extra}
    revision_closed = platforms.revision_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at
    )
    return {
        **review_page_context(review),
        **reply_context(review, user=user, attempts=attempts, **reply_extra),
        "pending": pending,
        "next_step": agent_items[0] if agent_items else (pending[0] if pending else None),
        "attempts": attempts,
        "outbox": outbox,
        "channels": Channel.choices,
        "message_channels": [(c, label) for c, label in Channel.choices if c != Channel.PHONE],
        "outcomes": Outcome.choices,
        "resolutions": [(v, label) for v, label in Resolution.choices if v],
        "platform_rules": rules,
        # Can the buyer still be asked to revise? Not on Tmall/JD, nor past eBay's 30 days.
        "can_agree": rules.can_revise and (revision_closed is None or revision_closed >= now),
        "revision_closed": revision_closed if revision_closed and revision_closed < now else None,
        "reply_deadline": deadline,
        "reply_deadline_passed": deadline is not None and deadline <= now,
        "cooling_off": review.severity == Severity.SERIOUS,
        "close_reasons": CloseReason.choices,
        "is_open": review.status in OPEN_STATUSES,
        "now": now,
        **extra,
    }


def board_outreach_context(shop, *, now: datetime | None = None) -> dict:
    """The lead's board, outreach side: missed slots, items at risk, replies to approve, and
    each agent's due-today and overdue counts — in a fixed number of queries."""
    now = now or timezone.now()
    tz = shop.tz
    local = now.astimezone(tz)
    day_end = local.replace(hour=23, minute=59, second=59)
    agent_items = PlannedContact.objects.filter(shop=shop, state__in=OPEN_PLAN_STATES).filter(
        Q(kind__in=AGENT_KINDS) | Q(channel=Channel.PHONE)
    )
    members = {
        m.user_id: m for m in Membership.objects.filter(shop=shop, role__in=[Role.AGENT, Role.LEAD])
    }
    soon = list(
        agent_items.filter(state=PlanState.PLANNED, due_at__lte=now + timedelta(hours=1))
        .select_related("review__buyer", "assigned_to")
        .order_by("due_at")[:100]
    )
    # At risk: due within the hour and nobody on duty whose shift covers it will have it.
    at_risk = [
        p
        for p in soon
        if p.assigned_to_id is None
        or p.assigned_to_id not in members
        or not members[p.assigned_to_id].on_duty
        or not shift_covers(members[p.assigned_to_id], p.due_at, tz)
    ]
    per_agent = agent_items.values("assigned_to").annotate(
        due_today=Count("id", filter=Q(due_at__lte=day_end)),
        overdue=Count("id", filter=Q(state__in=[PlanState.DUE, PlanState.MISSED], due_at__lt=now)),
    )
    return {
        "missed": list(
            PlannedContact.objects.filter(shop=shop, state=PlanState.MISSED)
            .select_related("review__buyer", "assigned_to")
            .order_by("escalated_at")[:50]
        ),
        "at_risk": at_risk,
        "pending_compensations": list(
            ContactAttempt.objects.filter(review__shop=shop, approval="pending")
            .select_related("review__buyer", "agent")
            .order_by("created_at")[:50]
        ),
        "pending_replies": list(
            Reply.objects.filter(shop=shop, state=ReplyState.PENDING)
            .select_related("review__buyer", "drafted_by")
            .order_by("submitted_at")[:50]
        ),
        "due_by_agent": {row["assigned_to"]: row for row in per_agent},
    }
