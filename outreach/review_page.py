"""Reads for the review page: the review, its timeline in words, and the work panel — what is
planned, what comes next, which deadline applies, the reply composer."""

import functools
import math
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from reviews import timeline
from reviews.models import (
    OPEN_STATUSES,
    CloseReason,
    Membership,
    Order,
    Rating,
    Review,
    Role,
    Severity,
    Status,
)
from reviews.taxonomy import SUBCAUSES_BY_CAUSE, Cause, SubCause

from . import platforms, replies, workcalendar
from .models import (
    OPEN_PLAN_STATES,
    CareCall,
    Channel,
    ContactAttempt,
    Kind,
    Message,
    Outcome,
    PlannedContact,
    PlanState,
    Reply,
    Resolution,
)

# The labels of outreach's codes in timeline events (reviews.timeline.describe).
TIMELINE_LABELS = {
    "plan": dict(Kind.choices),
    "channel": dict(Channel.choices),
    "outcome": dict(Outcome.choices),
    "resolution": dict(Resolution.choices),
}


def _subcause_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    labels = dict(SubCause.choices)
    return [
        (Cause(cause).label, [(sub, labels[sub]) for sub in subs])
        for cause, subs in SUBCAUSES_BY_CAUSE.items()
    ]


def _order_context(review: Review) -> dict:
    """The review's order (Order.objects.for_review's match) and its care call, one query."""
    order = (
        Order.objects.filter(shop_id=review.shop_id, order_id=review.order_id)
        .select_related("care_call__logged_by")
        .first()
        if review.order_id
        else None
    )
    try:
        care_call = order.care_call if order is not None else None
    except CareCall.DoesNotExist:
        care_call = None
    return {"order": order, "care_call": care_call}


def review_page_context(review: Review) -> dict:
    """What every render of the review page shows besides the work panel."""
    events = review.events.select_related("actor")
    return {
        "review": review,
        "events": [(event, timeline.describe(event, TIMELINE_LABELS)) for event in events],
        "subcause_groups": _subcause_groups(),
        "severities": Severity.choices,
        # The order from the order export, matched on its id, with its care call if any.
        **_order_context(review),
    }


@functools.cache
def _call_panel_hook():
    return import_string(settings.OUTREACH_CALL_PANEL) if settings.OUTREACH_CALL_PANEL else None


@functools.cache
def _calls_masked_hook():
    return import_string(settings.OUTREACH_CALLS_MASKED) if settings.OUTREACH_CALLS_MASKED else None


@functools.cache
def _reply_publishing_hook():
    name = settings.OUTREACH_REPLY_PUBLISHING
    return import_string(name) if name else None


def reply_publishing(reply, user) -> dict | None:
    """The 「发布到平台」 panel the function OUTREACH_REPLY_PUBLISHING names gives for this
    approved reply, or None: the reply is copied and marked posted by hand."""
    hook = _reply_publishing_hook()
    return hook(reply, user) if hook else None


def calls_masked(shop) -> bool:
    """Whether the shop calls through privacy numbers (the function OUTREACH_CALLS_MASKED
    names): then no page shows or reveals a buyer's real number."""
    hook = _calls_masked_hook()
    return bool(hook and hook(shop))


def call_panel(review: Review, user) -> dict | None:
    """The masked-calling panel the function config names (OUTREACH_CALL_PANEL) gives for this
    review, or None when the shop calls by hand. With a panel the buyer's number is never
    shown: the call goes through a privacy number."""
    hook = _call_panel_hook()
    return hook(review, user) if hook else None


def reply_deadline(review: Review) -> datetime | None:
    return platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )


def reply_context(
    review: Review,
    *,
    user,
    attempts: list,
    situation: str = "",
    variant: int | None = None,
    roles: set[str] | None = None,
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
        "reply_publishing": reply_publishing(reply, user),
        "is_lead": Role.LEAD in roles
        if roles is not None
        else Membership.objects.holds(user, review.shop, Role.LEAD),
    }


def revise_window(review: Review, *, now: datetime) -> tuple[str, bool] | None:
    """Which revise window applies, in words, and whether it is still open; None on a
    platform where buyers cannot revise or no window is known."""
    rules = platforms.rules_for(review.shop.platform)
    deadline = platforms.revision_deadline(review.shop.platform, reviewed_at=review.reviewed_at)
    if not rules.can_revise or deadline is None or review.status == Status.REVISED:
        return None
    words = {"platform": review.shop.get_platform_display(), "days": rules.revision_window_days}
    if rules.revise_once and review.rating_changed_at is not None:
        return _("%(platform)s: the buyer has already used the one change allowed") % words, False
    if deadline <= now:
        return _("The time to change the review has passed (%(platform)s, %(days)d days)") % (
            words
        ), False
    words["left"] = math.ceil((deadline - now).total_seconds() / 86400)
    words["date"] = date_format(timezone.localtime(deadline, review.shop.tz), "MONTH_DAY_FORMAT")
    if rules.revise_once:
        text = _(
            "%(platform)s: the buyer can change the review once within %(days)d days of "
            "posting it; %(left)d days left (until %(date)s)"
        )
    else:
        text = _(
            "%(platform)s: the buyer can change the review within %(days)d days of posting "
            "it; %(left)d days left (until %(date)s)"
        )
    return text % words, True


def revised_ratings(review: Review) -> list[tuple[str, str]]:
    """The ratings the buyer may have changed the review to: better than the current one."""
    better = [Rating.POSITIVE]
    if review.rating == Rating.NEGATIVE:
        better.append(Rating.NEUTRAL)
    return [(r.value, r.label) for r in better]


def review_work_context(review: Review, *, user, **extra) -> dict:
    pending = list(
        PlannedContact.objects.filter(review=review, state__in=OPEN_PLAN_STATES)
        .select_related("assigned_to")
        .order_by("due_at")
    )
    agent_items = [p for p in pending if p.is_agent_task]
    for planned in pending:
        # Planned outside the shop's working time: the page says why and when (workcalendar).
        if planned.state == PlanState.PLANNED and planned.data.get("waits"):
            planned.wait_text = workcalendar.wait_text(
                planned.data["waits"],
                planned.data.get("holiday", ""),
                planned.due_at,
                review.shop.tz,
            )
    attempts = list(
        ContactAttempt.objects.filter(review=review)
        .select_related("agent")
        .order_by("-created_at")[:20]
    )
    outbox = list(
        Message.objects.filter(review=review).select_related("sent_by").order_by("-created_at")[:20]
    )
    rules = platforms.rules_for(review.shop.platform)
    deadline = reply_deadline(review)
    now = timezone.now()
    reply_extra = {k: extra.pop(k) for k in ("situation", "variant") if k in extra}
    revision_closed = platforms.revision_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at
    )
    window = revise_window(review, now=now)
    roles = set(
        Membership.objects.filter(user=user, shop=review.shop).values_list("role", flat=True)
    )
    return {
        **review_page_context(review),
        **reply_context(review, user=user, attempts=attempts, roles=roles, **reply_extra),
        "pending": pending,
        "next_step": agent_items[0] if agent_items else (pending[0] if pending else None),
        "attempts": attempts,
        "outbox": outbox,
        # 「已发送」/「发送失败」 on a message to send by hand: the shop's agents and leads.
        "can_send_by_hand": bool(roles & {Role.AGENT, Role.LEAD}),
        "by_hand_channels": Channel.choices,
        "channels": Channel.choices,
        "message_channels": [(c, label) for c, label in Channel.choices if c != Channel.PHONE],
        "outcomes": Outcome.choices,
        "resolutions": [(v, label) for v, label in Resolution.choices if v],
        "platform_rules": rules,
        # Can the buyer still be asked to revise? Not on Tmall/JD, nor past eBay's 30 days.
        "can_agree": not platforms.revise_closed(
            review.shop.platform,
            reviewed_at=review.reviewed_at,
            revised_once=review.rating_changed_at is not None,
            now=now,
        ),
        "revise_window": window[0] if window else "",
        "revise_window_open": bool(window and window[1]),
        "revised_ratings": revised_ratings(review),
        # 「买家已修改」: for the shop's agents and leads, on a platform where buyers revise.
        "can_mark_revised": review.status in OPEN_STATUSES
        and rules.can_revise
        and bool(roles & {Role.AGENT, Role.LEAD}),
        "revision_closed": revision_closed if revision_closed and revision_closed < now else None,
        "reply_deadline": deadline,
        "reply_deadline_passed": deadline is not None and deadline <= now,
        "cooling_off": review.severity == Severity.SERIOUS,
        "close_reasons": CloseReason.choices,
        "is_open": review.status in OPEN_STATUSES,
        "call_panel": call_panel(review, user),
        "now": now,
        **extra,
    }
