"""The planner: what the playbook plans for a review, and when (seed 000's handbook).

A review handed over by ingestion gets its first step — a call now, a call after a cooling-off,
an apology call, an invitation — plus the public-reply task and the care call where they
apply. Later steps (the next try after no answer, the reply once the buyer declines) are
planned by the agent's actions through the helpers here. Every item is a PlannedContact row
with its minute in UTC; the dispatcher fires it (services.dispatch).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import timeline
from reviews.models import Buyer, Membership, Review, Role, Severity, Status
from reviews.services import review_set_status

from .. import guardrails, platforms, wording, workcalendar
from ..guardrails import GuardrailError
from ..models import (
    OPEN_PLAN_STATES,
    Channel,
    ContactAttempt,
    Kind,
    Outcome,
    PlannedContact,
    PlanState,
    Playbook,
)
from .delivery import messages_stop

# What asks the buyer to revise; pointless once the buyer can no longer change the review.
REVISE_KINDS = [Kind.REVISION_INSTRUCTIONS, Kind.REVISE_FOLLOWUP, Kind.REMINDER_SMS]


def revise_closed(review: Review, *, now) -> bool:
    """Can asking this buyer to revise no longer work (platform, window, the one change)?"""
    return platforms.revise_closed(
        review.shop.platform,
        reviewed_at=review.reviewed_at,
        revised_once=review.rating_changed_at is not None,
        now=now,
    )


def check_revise_window(review: Review, *, rules, when: datetime, now: datetime) -> None:
    """Refuse an agreement to revise the platform no longer allows: past its window (Taobao:
    30 days after the review; eBay: a request within 30 days), an agreed minute past the
    window where it bounds the change itself, or after the platform's one change."""
    revision_deadline = platforms.revision_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at
    )
    if revision_deadline is not None and revision_deadline < now:
        # Taobao: a 中/差评 can be changed only within 30 days of the review; eBay: a feedback
        # revision request is not possible after 30 days.
        raise GuardrailError(
            "revision_window",
            _(
                "This platform accepts a revision request only within %(days)d days of the "
                "review; that window closed on %(date)s. Solve the problem and post a reply "
                "instead."
            )
            % {
                "days": rules.revision_window_days,
                "date": f"{timezone.localtime(revision_deadline, review.shop.tz):%Y-%m-%d %H:%M}",
            },
        )
    if revision_deadline is not None and rules.window_bounds_change and revision_deadline < when:
        # Taobao: an agreed minute past the 30 days would have the buyer try a change the
        # platform no longer allows.
        raise GuardrailError(
            "revision_window",
            _(
                "On this platform the buyer can change the review only until %(date)s: agree "
                "on an earlier time."
            )
            % {"date": f"{timezone.localtime(revision_deadline, review.shop.tz):%Y-%m-%d %H:%M}"},
        )
    if rules.revise_once and review.rating_changed_at is not None:
        raise GuardrailError(
            "revised_once",
            _(
                "The buyer has already changed this review once, and this platform allows "
                "only one change: post a public reply instead."
            ),
        )


def plan(
    *,
    review: Review,
    kind: str,
    channel: str,
    due_at: datetime,
    assigned_to=None,
    deadline_at: datetime | None = None,
    body: str = "",
    actor=None,
    **data,
) -> PlannedContact:
    """One planned item, on the review's timeline."""
    planned = PlannedContact.objects.create(
        shop=review.shop,
        review=review,
        buyer=review.buyer,
        kind=kind,
        channel=channel,
        due_at=due_at,
        deadline_at=deadline_at,
        assigned_to=assigned_to,
        needs_lead=guardrails.is_extortion_suspected(review),
        body=body,
        data=data,
    )
    timeline.planned(review, plan_id=planned.id, kind=kind, due_at=due_at, actor=actor)
    return planned


def cancel_pending(queryset, *, reason: str, actor=None, now=None) -> int:
    """Cancel the open items of `queryset`; `reason` is one of timeline.CANCEL_REASONS."""
    now = now or timezone.now()
    rows = list(queryset.filter(state__in=OPEN_PLAN_STATES).select_related("review"))
    cancelled = 0
    for planned in rows:
        # Conditional: a worker firing it right now wins or loses cleanly, never both.
        if PlannedContact.objects.filter(id=planned.id, state__in=OPEN_PLAN_STATES).update(
            state=PlanState.CANCELLED, finished_at=now
        ):
            cancelled += 1
            timeline.cancelled(
                planned.review, plan_id=planned.id, kind=planned.kind, reason=reason, actor=actor
            )
    return cancelled


def stop_revise_requests(review: Review, *, actor=None, now=None) -> int:
    """The buyer can no longer change the review (window over, or the one change used):
    cancel what asks for a revision and stop its queued messages."""
    cancelled = cancel_pending(
        review.planned_contacts.filter(kind__in=REVISE_KINDS),
        reason="revision_window_closed",
        actor=actor,
        now=now,
    )
    return cancelled + messages_stop(
        review.messages.filter(kind__in=REVISE_KINDS),
        why="not sent: the buyer can no longer change the review",
    )


def lead_of(shop):
    membership = Membership.objects.filter(shop=shop, role=Role.LEAD).select_related("user").first()
    return membership.user if membership else None


def assignee_for(review: Review):
    """Who works the review's calls: its agent, but a team lead when extortion is suspected
    (seed 001: a professional bad-reviewer is a lead's case)."""
    if guardrails.is_extortion_suspected(review):
        return lead_of(review.shop)
    return review.assigned_to


def render(template: str, review: Review, link: str = "") -> str:
    buyer = review.buyer
    return wording.render(
        template, nick=buyer.nick if buyer else "", order_id=review.order_id or "", link=link
    )


def waiting(playbook: Playbook, asked: datetime, due: datetime) -> dict:
    """Why an agent's item asked for at `asked` waits until `due` when the shop does not work
    then (a holiday, its weekend, its day off, after hours): stored on the plan for the review
    page and the queue. Nothing when it waits only for the buyer's quiet hours or caps."""
    if due <= asked:
        return {}
    wait = workcalendar.why_waiting(playbook.working_calendar(), asked)
    if wait is None:
        return {}
    return {"waits": wait.why, "holiday": wait.holiday} if wait.holiday else {"waits": wait.why}


def revision_link(review: Review) -> str:
    template = review.shop.revision_link_template
    return template.format(order_id=review.order_id) if template else ""


def message_channel(buyer: Buyer) -> str:
    return Channel.SMS if buyer.phone else Channel.IM


def _update_reply_deadline(*, review: Review, now) -> None:
    deadline = platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    pending = review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES)
    if deadline is not None and deadline <= now:
        cancel_pending(pending, reason="reply_window_closed", now=now)
    elif deadline is not None:
        pending.exclude(deadline_at=deadline).update(deadline_at=deadline)


def plan_reply_now(*, review: Review, playbook: Playbook, now, actor=None) -> None:
    """The public reply is the next step (the buyer declined, or was never reached): its task
    is due now, unless the platform's window has closed."""
    rules = platforms.rules_for(review.shop.platform)
    pending = review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES)
    deadline = platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    if deadline is not None and deadline <= now:
        timeline.not_planned(review, code="reply_window_closed", kind=Kind.REPLY_TASK)
        return
    if pending.exists():
        pending.filter(state=PlanState.PLANNED).update(due_at=now)
        return
    plan(
        review=review,
        kind=Kind.REPLY_TASK,
        channel=Channel.PLATFORM,
        due_at=now,
        deadline_at=deadline,
        assigned_to=assignee_for(review),
        actor=actor,
        reply_max_chars=rules.reply_max_chars,
        reply_needs_person=rules.reply_needs_person,
    )


def _phone_is_wrong(buyer: Buyer) -> bool:
    return ContactAttempt.objects.filter(buyer=buyer, outcome=Outcome.WRONG_NUMBER).exists()


def plan_next_persistence(*, review: Review, playbook: Playbook, now, actor=None) -> None:
    """Seed 000 一.2, 三: several tries over about a week, rotating channels; then a public
    reply. Stops as soon as the buyer asks not to be contacted."""
    if review.buyer is None or review.buyer.do_not_contact_at is not None:
        return
    schedule = playbook.persistence_schedule
    step = (
        review.planned_contacts.filter(kind=Kind.PERSISTENCE)
        .exclude(state=PlanState.CANCELLED)
        .count()
    )
    if step >= len(schedule):
        review_set_status(review=review, status=Status.UNREACHABLE, actor=actor, now=now)
        plan_reply_now(review=review, playbook=playbook, now=now, actor=actor)
        return
    previous = schedule[step - 1]["after_hours"] if step else 0
    channel = schedule[step]["channel"]
    if channel == Channel.PHONE and _phone_is_wrong(review.buyer):
        channel = Channel.IM  # a wrong number: keep trying, but where the buyer can be reached
    due = now + timedelta(hours=schedule[step]["after_hours"] - previous)
    call = channel == Channel.PHONE
    asked = due
    due = guardrails.fit_caps_and_hours(due, buyer=review.buyer, playbook=playbook, call=call)
    body = "" if call else render(playbook.template("persistence"), review)
    plan(
        review=review,
        kind=Kind.PERSISTENCE,
        channel=channel,
        due_at=due,
        assigned_to=assignee_for(review) if call else None,
        body=body,
        actor=actor,
        step=step,
        **(waiting(playbook, asked, due) if call else {}),
    )


@transaction.atomic
def review_replan_for_severity(
    *, review: Review, old_severity: str, new_severity: str, user=None
) -> PlannedContact | None:
    """A correction to or from 「严重」 moves the first call while it is still only planned.

    Seed 000 四.1: a minor problem is called at once, a serious one after the cooling-off
    (counted from the hand-off, when the call was planned). A call that fell due, or a review
    someone already contacted, stays as it is: the agent is past that step.
    """
    if old_severity == new_severity or Severity.SERIOUS not in (old_severity, new_severity):
        return None
    if review.buyer is None or review.contact_attempts.exists():
        return None
    planned = (
        review.planned_contacts.select_for_update()
        .filter(kind=Kind.FIRST_CALL, state=PlanState.PLANNED)
        .first()
    )
    if planned is None:
        return None
    now = timezone.now()
    playbook = Playbook.objects.for_shop(review.shop)
    start = now
    if new_severity == Severity.SERIOUS:
        start = max(now, planned.created_at + timedelta(hours=playbook.cooling_off_hours))
    due = guardrails.fit_caps_and_hours(
        start, buyer=review.buyer, playbook=playbook, call=True, exclude_planned_id=planned.id
    )
    # Why it waits now, if it does: a reason stored for the old minute would mislead.
    data = {k: v for k, v in planned.data.items() if k not in ("waits", "holiday")}
    data.update(waiting(playbook, start, due))
    # Conditional: the dispatcher may be claiming it this very moment; then it stays as it is.
    if not PlannedContact.objects.filter(id=planned.id, state=PlanState.PLANNED).update(
        due_at=due, data=data
    ):
        return None
    planned.due_at, planned.data = due, data
    timeline.moved(
        review,
        plan_id=planned.id,
        kind=planned.kind,
        due_at=due,
        why=timeline.SEVERITY,
        severity=(old_severity, new_severity),
        actor=user,
    )
    return planned
