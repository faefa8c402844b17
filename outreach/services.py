"""Writes of the outreach engine: the planner, the agent's actions, and the scheduler.

Every state change goes through a keyword-only `<entity>_<verb>` function here and records a
ReviewEvent.  The scheduler keeps its truth in PlannedContact rows; Celery only delivers:
the dispatcher claims due rows with a conditional update and enqueues short work, workers
claim again before any side effect (see DESIGN.md "Engineering notes from the field").
"""

import logging
import time as monotonic_time
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews.models import (
    OPEN_STATUSES,
    Buyer,
    CloseReason,
    EventKind,
    Membership,
    Review,
    ReviewEvent,
    Role,
    Severity,
    Status,
)
from reviews.services import audit_record

from . import guardrails, platforms
from .guardrails import GuardrailError
from .models import (
    AGENT_KINDS,
    COMPENSATIONS,
    OPEN_PLAN_STATES,
    Approval,
    Channel,
    ContactAttempt,
    Kind,
    Message,
    MessageState,
    Outcome,
    PlannedContact,
    PlanState,
    Playbook,
    Reply,
    ReplyState,
    Resolution,
)

logger = logging.getLogger(__name__)


def _dispatch_conf() -> dict:
    # settings.OUTREACH_DISPATCH = {"LOOKAHEAD_SECONDS", "CLAIM_LEASE_SECONDS", "BATCH_SIZE"}
    return settings.OUTREACH_DISPATCH


def _event(review: Review, event_kind: str, text: str, *, actor=None, **data) -> ReviewEvent:
    return ReviewEvent.objects.create(
        review=review, kind=event_kind, actor=actor, message=text[:500], data=data
    )


def _review_set_status(review: Review, status: str, *, actor=None, now=None) -> None:
    if review.status == status:
        return
    now = now or timezone.now()
    old = review.status
    Review.objects.filter(id=review.id).update(
        status=status, status_changed_at=now, version=F("version") + 1
    )
    review.status = status
    _event(review, EventKind.STATUS, f"{old} → {status}", actor=actor, old=old, new=status)


def _lead_of(shop):
    membership = Membership.objects.filter(shop=shop, role=Role.LEAD).select_related("user").first()
    return membership.user if membership else None


def _render(template: str, review: Review, buyer: Buyer | None, link: str = "") -> str:
    return template.format(
        nick=buyer.nick if buyer else "", order_id=review.order_id or "", link=link
    )


def _revision_link(review: Review) -> str:
    template = review.shop.revision_link_template
    return template.format(order_id=review.order_id) if template else ""


def _plan(
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
    _event(
        review,
        EventKind.FOLLOWUP,
        f"planned {kind} by {channel} at {due_at.isoformat()}",
        actor=actor,
        planned_contact=planned.id,
        kind=kind,
        due_at=due_at.isoformat(),
    )
    return planned


def _assignee(review: Review):
    # seed 001: a suspected professional bad-reviewer (差评师) is a team lead's case.
    if guardrails.is_extortion_suspected(review):
        return _lead_of(review.shop)
    return review.assigned_to


def _message_create(
    *, review: Review, kind: str, channel: str, body: str, planned=None, now=None
) -> Message:
    """Write the outbox row; enqueue its delivery once the transaction commits."""
    buyer = review.buyer
    now = now or timezone.now()
    to = buyer.phone if channel == Channel.SMS else buyer.nick
    key = f"plan-{planned.id}" if planned else f"{kind}-{review.id}-{now.timestamp():.6f}"
    message = Message.objects.create(
        shop=review.shop,
        review=review,
        buyer=buyer,
        planned_contact=planned,
        kind=kind,
        channel=channel,
        to=to,
        body=body,
        idempotency_key=key,
        enqueued_at=now,
        created_at=now,
    )
    _event(review, EventKind.MESSAGE, f"{channel} message queued", message=message.id, kind=kind)
    _enqueue_on_commit_deliver(message.id)
    return message


def _enqueue_on_commit_deliver(message_id: int) -> None:
    from .tasks import deliver_message_task

    # robust: with Redis down the row is committed and the sweep enqueues it later
    # (delay_on_commit alone is not an outbox).
    transaction.on_commit(
        lambda: deliver_message_task.apply_async((message_id,), retry=False), robust=True
    )


def _message_now_or_later(
    *, review: Review, kind: str, channel: str, body: str, playbook: Playbook, now, actor=None
) -> Message | PlannedContact:
    """Send at once if the guardrails allow it now; otherwise plan it for the next allowed
    minute (quiet hours, caps)."""
    guardrails.check_contactable(review.buyer)
    guardrails.check_compliance(body)
    when = guardrails.fit_caps_and_hours(now, buyer=review.buyer, playbook=playbook, call=False)
    if when <= now:
        return _message_create(review=review, kind=kind, channel=channel, body=body, now=now)
    return _plan(review=review, kind=kind, channel=channel, due_at=when, body=body, actor=actor)


def _message_channel(buyer: Buyer) -> str:
    return Channel.SMS if buyer.phone else Channel.IM


# ---- the planner -------------------------------------------------------------------------


def review_plan(*, review: Review) -> list[PlannedContact]:
    """Plan a new review's outreach from its shop's playbook and platform (issue 5).

    Idempotent: a review that already has a plan is left alone.  Called inside ingestion's
    hand-off transaction, so a refused template (a lead's edit that breaks a guardrail) is
    recorded on the timeline instead of failing the whole hand-off batch.
    """
    try:
        with transaction.atomic():
            return _review_plan(review)
    except GuardrailError as exc:
        _event(review, EventKind.NOTE, f"outreach not planned: {exc.message}", code=exc.code)
        return []


def _review_plan(review: Review) -> list[PlannedContact]:
    now = timezone.now()
    if review.status in (Status.REVISED, Status.CLOSED, Status.REPLIED):
        _cancel_pending(review.planned_contacts.all(), reason=f"review {review.status}", now=now)
        return []
    if review.planned_contacts.exists():
        # A changed review handed off again: only the reply deadline can move (a 追评 closes
        # the reply on Taobao/Tmall); the rest of the plan stands.
        _update_reply_deadline(review=review, now=now)
        return []
    playbook = Playbook.objects.for_shop(review.shop)
    buyer = review.buyer
    rules = platforms.rules_for(review.shop.platform)
    planned: list[PlannedContact] = []
    if buyer is None or buyer.do_not_contact_at is not None:
        _event(review, EventKind.NOTE, "no outreach: buyer unknown or asked not to be contacted")
        return planned

    assignee = _assignee(review)
    age = now - review.reviewed_at
    goal = "revise" if rules.can_revise else "solve_and_explain"

    if age > timedelta(days=playbook.invitation_only_days):
        # Seed 000 四.2: after six months talk only about the future, by IM/SMS — no call,
        # no mention of the review.
        body = _render(playbook.template("invitation"), review, buyer, playbook.promotion_link)
        guardrails.check_compliance(body)
        if guardrails.mentions_review(body):
            raise GuardrailError(
                "mentions_review", _("The invitation must not mention the review.")
            )
        when = guardrails.fit_caps_and_hours(now, buyer=buyer, playbook=playbook, call=False)
        planned.append(
            _plan(
                review=review,
                kind=Kind.INVITATION,
                channel=_message_channel(buyer),
                due_at=when,
                body=body,
                goal="invite",
            )
        )
        return planned

    if age > timedelta(days=playbook.historical_days):
        # Seed 000 四.2: calm by now — apologise for not reaching them earlier, offer free
        # shipping or a small gift; the agent may come straight to the point.
        kind, start = Kind.APOLOGY_CALL, now
        script = _render(playbook.template("apology"), review, buyer)
    elif review.severity == "serious":
        # Seed 000 四.1: serious issue or deep misunderstanding — cool off ~24 h, then call.
        kind, start = Kind.FIRST_CALL, now + timedelta(hours=playbook.cooling_off_hours)
        script = ""
    else:
        # Seed 000 一.1 / 四.1: a small problem — call at once, they still remember.
        kind, start = Kind.FIRST_CALL, now
        script = ""
    guardrails.check_compliance(script)
    when = guardrails.fit_caps_and_hours(start, buyer=buyer, playbook=playbook, call=True)
    planned.append(
        _plan(
            review=review,
            kind=kind,
            channel=Channel.PHONE,
            due_at=when,
            assigned_to=assignee,
            body=script,
            goal=goal,
        )
    )

    if reply := _plan_reply_task(review=review, playbook=playbook, rules=rules, now=now):
        planned.append(reply)

    if care := _plan_care_call(review=review, playbook=playbook, now=now, assignee=assignee):
        planned.append(care)
    return planned


def _update_reply_deadline(*, review: Review, now) -> None:
    deadline = platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    pending = review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES)
    if deadline is not None and deadline <= now:
        _cancel_pending(pending, reason="public reply no longer possible", now=now)
    elif deadline is not None:
        pending.exclude(deadline_at=deadline).update(deadline_at=deadline)


def _plan_reply_task(*, review: Review, playbook: Playbook, rules, now) -> PlannedContact | None:
    """Taobao/Tmall: the public reply closes 30 days after the review (or at the buyer's 追评);
    the task carries that deadline and is brought forward so it is not missed."""
    deadline = platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    if deadline is None:
        return None  # no window: the reply task comes at the end of the persistence schedule
    if deadline <= now:
        _event(review, EventKind.NOTE, "public reply no longer possible on this platform")
        return None
    due = max(now, deadline - timedelta(days=playbook.reply_lead_days))
    return _plan(
        review=review,
        kind=Kind.REPLY_TASK,
        channel=Channel.PLATFORM,
        due_at=due,
        deadline_at=deadline,
        assigned_to=_assignee(review),
        reply_max_chars=rules.reply_max_chars,
        reply_needs_person=rules.reply_needs_person,
    )


def _plan_care_call(*, review: Review, playbook: Playbook, now, assignee) -> PlannedContact | None:
    """Seed 004 四②: a high-value order gets a short care call on the delivery day, 18–19h."""
    if review.delivered_at is None or review.amount is None:
        return None
    if review.amount <= review.shop.high_value_threshold:
        return None
    tz = review.shop.tz
    day = review.delivered_at.astimezone(tz).date()
    start = datetime.combine(day, playbook.care_call_start, tzinfo=tz)
    end = datetime.combine(day, playbook.care_call_end, tzinfo=tz)
    if now >= end:
        return None
    return _plan(
        review=review,
        kind=Kind.CARE_CALL,
        channel=Channel.PHONE,
        due_at=max(now, start),
        deadline_at=end,
        assigned_to=assignee,
    )


# ---- the agent's actions -----------------------------------------------------------------


def _cancel_pending(queryset, *, reason: str, actor=None, now=None) -> int:
    now = now or timezone.now()
    rows = list(queryset.filter(state__in=OPEN_PLAN_STATES).select_related("review"))
    cancelled = 0
    for planned in rows:
        # Conditional: a worker firing it right now wins or loses cleanly, never both.
        if PlannedContact.objects.filter(id=planned.id, state__in=OPEN_PLAN_STATES).update(
            state=PlanState.CANCELLED, finished_at=now
        ):
            cancelled += 1
            _event(
                planned.review,
                EventKind.FOLLOWUP,
                f"cancelled {planned.kind}: {reason}",
                actor=actor,
                planned_contact=planned.id,
                reason=reason,
            )
    return cancelled


@transaction.atomic
def review_record_agreement(*, review: Review, agent, when: datetime) -> PlannedContact:
    """The buyer agreed to revise at `when` (an exact minute, see timephrase).

    Seed 000 四.3: send the step-by-step instructions with the revision link at once by
    IM/SMS; a follow-up is due for the agent at the agreed minute; a polite reminder (never a
    call) goes out a grace period later if the review is still not revised.
    """
    now = timezone.now()
    rules = platforms.rules_for(review.shop.platform)
    if not rules.can_revise:
        raise GuardrailError(
            "cannot_revise",
            _(
                "This platform does not let buyers revise a review: solve the problem, then ask "
                "for an explanatory follow-up review."
            ),
        )
    revision_deadline = platforms.revision_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at
    )
    if revision_deadline is not None and revision_deadline < now:
        # eBay: a feedback revision request is not possible after 30 days.
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
    guardrails.check_contactable(review.buyer)
    if when <= now:
        raise GuardrailError("past", _("The agreed time has already passed."))
    playbook = Playbook.objects.for_shop(review.shop)
    if guardrails.is_quiet(when, playbook=playbook, buyer_tz=review.buyer.tz):
        raise GuardrailError(
            "quiet_hours",
            _(
                "The agreed time is inside the buyer's quiet hours (%(start)s–%(end)s, the "
                "buyer's time); agree on another time."
            )
            % {"start": f"{playbook.quiet_start:%H:%M}", "end": f"{playbook.quiet_end:%H:%M}"},
        )

    _review_set_status(review, Status.AGREED, actor=agent, now=now)
    _cancel_pending(
        review.planned_contacts.exclude(kind__in=[Kind.REPLY_TASK, Kind.REVISION_INSTRUCTIONS]),
        reason="buyer agreed to revise",
        actor=agent,
        now=now,
    )
    sent = review.messages.filter(kind=Kind.REVISION_INSTRUCTIONS).exclude(
        state=MessageState.FAILED
    )
    waiting = review.planned_contacts.filter(
        kind=Kind.REVISION_INSTRUCTIONS, state__in=OPEN_PLAN_STATES
    ).count()
    if rules.revision_requests_max is not None:
        # eBay: one revision request per feedback, ever (a failed send does not count).
        already_sent = sent.count() + waiting >= rules.revision_requests_max
    else:
        # Moving an agreed time (or a double submit) must not send the instructions twice.
        already_sent = waiting > 0 or sent.filter(created_at__gte=now - timedelta(days=1)).exists()
    if already_sent and rules.revision_requests_max is not None:
        _event(
            review,
            EventKind.NOTE,
            "revision request already sent: the platform allows no more",
            actor=agent,
            skipped=Kind.REVISION_INSTRUCTIONS,
        )
    if not already_sent:
        body = _render(
            playbook.template("revision_instructions"),
            review,
            review.buyer,
            _revision_link(review),
        )
        _message_now_or_later(
            review=review,
            kind=Kind.REVISION_INSTRUCTIONS,
            channel=_message_channel(review.buyer),
            body=body,
            playbook=playbook,
            now=now,
            actor=agent,
        )
    followup = _plan(
        review=review,
        kind=Kind.REVISE_FOLLOWUP,
        channel=Channel.IM,
        due_at=when,
        deadline_at=when + timedelta(minutes=playbook.missed_after_minutes),
        assigned_to=agent,
        actor=agent,
    )
    reminder_at = guardrails.fit_caps_and_hours(
        when + timedelta(minutes=playbook.revise_grace_minutes),
        buyer=review.buyer,
        playbook=playbook,
        call=False,
    )
    reminder = _render(playbook.template("reminder"), review, review.buyer, _revision_link(review))
    guardrails.check_compliance(reminder)
    _plan(
        review=review,
        kind=Kind.REMINDER_SMS,
        channel=_message_channel(review.buyer),
        due_at=reminder_at,
        body=reminder,
        actor=agent,
    )
    return followup


@transaction.atomic
def review_replan_for_severity(
    *, review: Review, old_severity: str, new_severity: str, user=None
) -> PlannedContact | None:
    """A correction to or from 「严重」 moves the first call while it is still only planned.

    Seed 000 四.1: a minor problem is called at once, a serious one after the cooling-off
    (counted from the hand-off, when the call was planned).  A call that fell due, or a review
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
    # Conditional: the dispatcher may be claiming it this very moment; then it stays as it is.
    if not PlannedContact.objects.filter(id=planned.id, state=PlanState.PLANNED).update(due_at=due):
        return None
    planned.due_at = due
    _event(
        review,
        EventKind.FOLLOWUP,
        f"{planned.kind} moved to {due.isoformat()}: severity {old_severity} → {new_severity}",
        actor=user,
        planned_contact=planned.id,
        kind=planned.kind,
        due_at=due.isoformat(),
        severity_from=old_severity,
        severity_to=new_severity,
    )
    return planned


@transaction.atomic
def review_mark_revised(*, review: Review, user=None) -> None:
    _review_set_status(review, Status.REVISED, actor=user)
    _cancel_pending(review.planned_contacts.all(), reason="review revised", actor=user)
    review.messages.filter(state=MessageState.QUEUED).update(
        state=MessageState.FAILED, last_error="not sent: the review was revised"
    )


@transaction.atomic
def review_close(*, review: Review, user, reason: str, note: str = "") -> int:
    """Nothing more to do on an open review (a Tmall review solved but staying, a reply window
    gone, a buyer never reached): it leaves the open work with its reason on the timeline;
    its planned outreach is cancelled and queued messages are not sent. Returns how many
    planned items were cancelled. A team lead can reopen it."""
    if review.status not in OPEN_STATUSES:
        raise GuardrailError("not_open", _("Only an open review can be closed."))
    if reason not in CloseReason.values:
        raise GuardrailError("close_reason", _("Choose why the review is closed."))
    if reason == CloseReason.OTHER and not note:
        raise GuardrailError("close_note", _("Say in the note why the review is closed."))
    now = timezone.now()
    _review_set_status(review, Status.CLOSED, actor=user, now=now)
    cancelled = _cancel_pending(
        review.planned_contacts.all(), reason="review closed", actor=user, now=now
    )
    review.messages.filter(state=MessageState.QUEUED).update(
        state=MessageState.FAILED, last_error="not sent: the review was closed"
    )
    _event(review, EventKind.NOTE, f"closed: {reason}", actor=user, closed=reason, note=note)
    return cancelled


@transaction.atomic
def review_reopen(*, review: Review, user) -> None:
    """A team lead takes a closed review back into the open work: contacting if someone
    already spoke to the buyer, else new. Nothing is planned again by itself: the next
    contact logged plans the next step, as usual."""
    if not _is_lead(review.shop)(user):
        raise GuardrailError("needs_lead", _("Only a team lead can reopen a review."))
    if review.status != Status.CLOSED:
        raise GuardrailError("not_closed", _("Only a closed review can be reopened."))
    status = Status.CONTACTING if review.contact_attempts.exists() else Status.NEW
    _review_set_status(review, status, actor=user)
    _event(review, EventKind.NOTE, "reopened", actor=user, reopened=True)


@transaction.atomic
def buyer_set_do_not_contact(*, buyer: Buyer, user) -> int:
    """The buyer asked not to be contacted: record who and when, cancel everything pending
    for them across all the shop's reviews, and stop their queued messages."""
    now = timezone.now()
    Buyer.objects.filter(id=buyer.id, do_not_contact_at__isnull=True).update(
        do_not_contact_at=now, do_not_contact_by=user
    )
    buyer.refresh_from_db(fields=["do_not_contact_at", "do_not_contact_by"])
    cancelled = _cancel_pending(
        PlannedContact.objects.filter(buyer=buyer), reason="do not contact", actor=user, now=now
    )
    for message in Message.objects.filter(buyer=buyer, state=MessageState.QUEUED):
        if Message.objects.filter(id=message.id, state=MessageState.QUEUED).update(
            state=MessageState.FAILED, last_error="buyer asked not to be contacted"
        ):
            cancelled += 1
    for review in buyer.reviews.all():
        _event(review, EventKind.NOTE, "buyer asked not to be contacted", actor=user)
    audit_record(
        actor=user, shop=buyer.shop, action="buyer_do_not_contact", target=f"buyer:{buyer.id}"
    )
    return cancelled


def _is_lead(shop):
    def check(user) -> bool:
        return Membership.objects.filter(user=user, shop=shop, role=Role.LEAD).exists()

    return check


def _compensation_value(review: Review, resolution: str, percent, amount) -> Decimal | None:
    """What the resolution is worth, in yuan: as entered, or from the order amount."""
    if amount is not None:
        return amount
    if review.amount is None:
        return None
    if resolution == Resolution.PARTIAL_REFUND and percent:
        return (review.amount * Decimal(percent) / 100).quantize(Decimal("0.01"))
    if resolution in (Resolution.FULL_REFUND, Resolution.RETURN_PAID):
        return review.amount
    return None


@transaction.atomic
def compensation_decide(*, attempt: ContactAttempt, user, approve: bool) -> ContactAttempt:
    """A lead grants or refuses compensation that waited for approval."""
    if not _is_lead(attempt.review.shop)(user):
        raise GuardrailError(
            "not_lead", _("Only a team lead of this shop can approve compensation.")
        )
    state = Approval.APPROVED if approve else Approval.REJECTED
    changed = ContactAttempt.objects.filter(pk=attempt.pk, approval=Approval.PENDING).update(
        approval=state, approved_by=user, approved_at=timezone.now()
    )
    if changed != 1:
        raise GuardrailError(
            "not_pending", _("This compensation is no longer waiting for approval.")
        )
    attempt.refresh_from_db()
    _event(attempt.review, EventKind.NOTE, f"compensation {state}", actor=user, approval=state)
    audit_record(
        actor=user,
        shop=attempt.review.shop,
        action=f"compensation_{state}",
        target=f"review:{attempt.review_id}",
        attempt=attempt.pk,
        amount=str(attempt.compensation_amount or ""),
    )
    return attempt


@transaction.atomic
def contact_log(
    *,
    review: Review,
    agent,
    channel: str,
    outcome: str,
    note: str = "",
    resolution: str = "",
    refund_percent: int | None = None,
    compensation_amount: Decimal | None = None,
    approved_by=None,
) -> ContactAttempt:
    """Record a contact attempt and plan the next step of the playbook."""
    now = timezone.now()
    playbook = Playbook.objects.for_shop(review.shop)
    amount = _compensation_value(review, resolution, refund_percent, compensation_amount)
    approval = Approval.NOT_NEEDED
    if resolution in COMPENSATIONS:
        # Extortion suspected, or worth more than the shop's threshold: a lead decides before
        # anything is granted (seed 001). The call is recorded either way.
        needs_lead = guardrails.is_extortion_suspected(review) or (
            amount is not None and amount > playbook.compensation_approval_above
        )
        if approved_by is not None and _is_lead(review.shop)(approved_by):
            approval = Approval.APPROVED
        elif needs_lead:
            approval = Approval.PENDING
            approved_by = None
    attempt = ContactAttempt.objects.create(
        review=review,
        buyer=review.buyer,
        agent=agent,
        channel=channel,
        outcome=outcome,
        resolution=resolution,
        refund_percent=refund_percent if resolution == Resolution.PARTIAL_REFUND else None,
        compensation_amount=amount,
        approval=approval,
        approved_by=approved_by if approval == Approval.APPROVED else None,
        approved_at=now if approval == Approval.APPROVED else None,
        note=note,
        created_at=now,
    )
    _event(
        review,
        EventKind.CONTACT,
        f"{channel}: {outcome}",
        actor=agent,
        attempt=attempt.id,
        outcome=outcome,
        resolution=resolution,
    )
    # The agent's due items for this review are done: nothing to escalate any more.
    for planned in review.planned_contacts.filter(
        state__in=[PlanState.DUE, PlanState.MISSED], kind__in=AGENT_KINDS
    ).exclude(kind=Kind.REPLY_TASK):
        PlannedContact.objects.filter(id=planned.id, state=planned.state).update(
            state=PlanState.DONE, finished_at=now
        )
    if review.status == Status.NEW:
        _review_set_status(review, Status.CONTACTING, actor=agent, now=now)
    if approval == Approval.PENDING:
        _event(
            review, EventKind.NOTE, "compensation awaits a lead", actor=agent, approval="pending"
        )

    if outcome in (Outcome.NO_ANSWER, Outcome.WRONG_NUMBER):
        _plan_next_persistence(review=review, playbook=playbook, now=now, actor=agent)
    elif outcome == Outcome.DECLINED:
        _review_set_status(review, Status.DECLINED, actor=agent, now=now)
        _cancel_pending(
            review.planned_contacts.exclude(kind=Kind.REPLY_TASK),
            reason="buyer declined",
            actor=agent,
            now=now,
        )
        _plan_reply_now(review=review, playbook=playbook, now=now, actor=agent)
    elif outcome == Outcome.SOLVED:
        rules = platforms.rules_for(review.shop.platform)
        if not rules.can_revise and rules.followup_review_helps:
            # Tmall: the 差评 stays; an explanatory 追评 tells later buyers it was solved.
            body = _render(playbook.template("explanatory_followup"), review, review.buyer)
            _message_now_or_later(
                review=review,
                kind=Kind.EXPLANATORY_FOLLOWUP,
                channel=Channel.IM,
                body=body,
                playbook=playbook,
                now=now,
                actor=agent,
            )
    elif outcome == Outcome.DO_NOT_CONTACT:
        buyer_set_do_not_contact(buyer=review.buyer, user=agent)
    return attempt


@transaction.atomic
def message_send(*, review: Review, agent, channel: str, body: str) -> Message | PlannedContact:
    """An agent's free-text message to the buyer: the same guardrails as the templates
    (compliance, do-not-contact, quiet hours, caps); outside the allowed hours it waits."""
    playbook = Playbook.objects.for_shop(review.shop)
    return _message_now_or_later(
        review=review,
        kind=Kind.AGENT_MESSAGE,
        channel=channel,
        body=body,
        playbook=playbook,
        now=timezone.now(),
        actor=agent,
    )


def _plan_reply_now(*, review: Review, playbook: Playbook, now, actor=None) -> None:
    rules = platforms.rules_for(review.shop.platform)
    pending = review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES)
    deadline = platforms.reply_deadline(
        review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
    )
    if deadline is not None and deadline <= now:
        _event(review, EventKind.NOTE, "public reply no longer possible on this platform")
        return
    if pending.exists():
        pending.filter(state=PlanState.PLANNED).update(due_at=now)
        return
    _plan(
        review=review,
        kind=Kind.REPLY_TASK,
        channel=Channel.PLATFORM,
        due_at=now,
        deadline_at=deadline,
        assigned_to=_assignee(review),
        actor=actor,
        reply_max_chars=rules.reply_max_chars,
        reply_needs_person=rules.reply_needs_person,
    )


def _phone_is_wrong(buyer: Buyer) -> bool:
    return ContactAttempt.objects.filter(buyer=buyer, outcome=Outcome.WRONG_NUMBER).exists()


def _plan_next_persistence(*, review: Review, playbook: Playbook, now, actor=None) -> None:
    """Seed 000 一.2, 三: several tries over about a week, rotating channels; then a public
    reply.  Stops as soon as the buyer asks not to be contacted."""
    if review.buyer is None or review.buyer.do_not_contact_at is not None:
        return
    schedule = playbook.persistence_schedule
    step = (
        review.planned_contacts.filter(kind=Kind.PERSISTENCE)
        .exclude(state=PlanState.CANCELLED)
        .count()
    )
    if step >= len(schedule):
        _review_set_status(review, Status.UNREACHABLE, actor=actor, now=now)
        _plan_reply_now(review=review, playbook=playbook, now=now, actor=actor)
        return
    previous = schedule[step - 1]["after_hours"] if step else 0
    channel = schedule[step]["channel"]
    if channel == Channel.PHONE and _phone_is_wrong(review.buyer):
        channel = Channel.IM  # a wrong number: keep trying, but where the buyer can be reached
    due = now + timedelta(hours=schedule[step]["after_hours"] - previous)
    call = channel == Channel.PHONE
    due = guardrails.fit_caps_and_hours(due, buyer=review.buyer, playbook=playbook, call=call)
    body = "" if call else _render(playbook.template("persistence"), review, review.buyer)
    _plan(
        review=review,
        kind=Kind.PERSISTENCE,
        channel=channel,
        due_at=due,
        assigned_to=_assignee(review) if call else None,
        body=body,
        actor=actor,
        step=step,
    )


@transaction.atomic
def plannedcontact_reassign(*, planned_contact: PlannedContact, to, by) -> PlannedContact:
    """The lead's one action on a missed slot: give it to someone else, due now."""
    now = timezone.now()
    if not Membership.objects.filter(user=to, shop_id=planned_contact.shop_id).exists():
        raise GuardrailError("not_member", _("The new assignee does not work for this shop."))
    playbook = Playbook.objects.for_shop(planned_contact.shop)
    planned_contact.refresh_from_db(fields=["state"])
    pending = PlannedContact.objects.filter(id=planned_contact.id, state__in=OPEN_PLAN_STATES)
    if planned_contact.state in (PlanState.DUE, PlanState.MISSED):
        # A due or missed slot: the new agent has it now, with a fresh grace period.
        pending.update(
            assigned_to=to,
            state=PlanState.DUE,
            deadline_at=now + timedelta(minutes=playbook.missed_after_minutes),
            escalated_at=None,
        )
    else:
        pending.update(assigned_to=to)  # still in the future: only the owner changes
    planned_contact.refresh_from_db()
    _event(
        planned_contact.review,
        EventKind.ASSIGNED,
        f"{planned_contact.kind} re-assigned to {to}",
        actor=by,
        planned_contact=planned_contact.id,
        to=to.id,
    )
    audit_record(
        actor=by,
        shop=planned_contact.shop,
        action="followup_reassigned",
        target=f"review:{planned_contact.review_id}",
        planned_contact=planned_contact.id,
        to=to.id,
    )
    return planned_contact


# ---- the scheduler -----------------------------------------------------------------------


def plannedcontact_dispatch_due(*, now: datetime | None = None) -> int:
    """Claim what falls due within the look-ahead and enqueue it with a short ETA.

    Runs from beat every few seconds (never one beat entry per item).  The ETA is at most
    the look-ahead — seconds, far below Redis' visibility_timeout — so Celery's ETA handling
    cannot redeliver or hold anything for long.  If the broker is down the claims are
    undone and the next tick tries again: nothing is lost, the rows are the truth.
    """
    conf = _dispatch_conf()
    batch = int(conf["BATCH_SIZE"])
    from .tasks import fire_planned_task

    claimed_total = 0
    stop_at = monotonic_time.monotonic() + 4
    while True:
        now_tick = now or timezone.now()
        horizon = now_tick + timedelta(seconds=float(conf["LOOKAHEAD_SECONDS"]))
        with transaction.atomic():
            rows = list(
                PlannedContact.objects.select_for_update(skip_locked=True)
                .filter(state=PlanState.PLANNED, due_at__lte=horizon)
                .order_by("due_at")
                .values_list("id", "due_at")[: batch * 10]
            )
            if not rows:
                break
            PlannedContact.objects.filter(
                id__in=[row[0] for row in rows], state=PlanState.PLANNED
            ).update(state=PlanState.CLAIMED, claimed_at=now_tick, attempts=F("attempts") + 1)
        claimed_total += len(rows)
        # One task per batch of items due in the same second; its ETA is the latest due_at
        # of the batch, so nothing fires early.
        chunks: list[tuple[datetime, list[int]]] = []
        for _second, group in groupby(rows, key=lambda row: row[1].replace(microsecond=0)):
            group_rows = list(group)
            for i in range(0, len(group_rows), batch):
                part = group_rows[i : i + batch]
                chunks.append((part[-1][1], [row[0] for row in part]))
        for n, (eta, ids) in enumerate(chunks):
            try:
                fire_planned_task.apply_async(
                    (ids,), eta=eta if eta > now_tick else None, retry=False
                )
            except Exception:
                logger.exception("broker unavailable; un-claiming %s items", len(rows))
                unsent = [i for _second, chunk in chunks[n:] for i in chunk]
                PlannedContact.objects.filter(id__in=unsent, state=PlanState.CLAIMED).update(
                    state=PlanState.PLANNED, claimed_at=None
                )
                return claimed_total - len(unsent)
        if len(rows) < batch * 10 or monotonic_time.monotonic() > stop_at:
            break
    return claimed_total


def plannedcontact_fire(*, ids: list[int]) -> list[int]:
    """Fire claimed items: an agent's task becomes due, a message goes to the outbox.

    The worker claims again (claimed → due/done) inside the transaction that does the side
    effect, so a redelivered or duplicated task finds nothing left to do.
    """
    now = timezone.now()
    fired: list[int] = []
    with transaction.atomic():
        # Plain tuples, not model instances: 10,000 follow-ups falling due in the same
        # minute are decided here, and building five models per row was the bulk of the
        # cost (bench_scheduler).  Anything off the common path is loaded in full below.
        rows = list(
            PlannedContact.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(id__in=ids, state=PlanState.CLAIMED)
            .values_list(
                *("id", "kind", "channel", "shop_id", "review_id", "review__status"),
                *("buyer_id", "buyer__do_not_contact_at", "buyer__timezone", "shop__timezone"),
            )
        )
        if not rows:
            return fired
        playbooks: dict[int, Playbook] = {}
        due_ids: list[int] = []
        events: list[ReviewEvent] = []
        others: list[int] = []
        for pid, kind, channel, shop_id, review_id, status, buyer_id, dnc, buyer_tz, tz in rows:
            if shop_id not in playbooks:
                playbooks[shop_id] = Playbook.objects.get_or_create(shop_id=shop_id)[0]
            common = (
                (channel == Channel.PHONE or kind in AGENT_KINDS)
                and buyer_id is not None
                and dnc is None
                and status not in (Status.REVISED, Status.CLOSED)
                and (
                    kind == Kind.REPLY_TASK
                    or not guardrails.is_quiet(
                        now, playbook=playbooks[shop_id], buyer_tz=ZoneInfo(buyer_tz or tz)
                    )
                )
            )
            if not common:
                others.append(pid)
                continue
            due_ids.append(pid)
            events.append(_fired_event(review_id, pid, kind))
        for planned in PlannedContact.objects.filter(id__in=others).select_related(
            "review", "buyer", "shop"
        ):
            # Rows locked above: cancelled, moved out of quiet hours, or sent as a message.
            outcome = _fire_one(planned, playbook=playbooks[planned.shop_id], now=now)
            if outcome == "sent":
                fired.append(planned.id)
            elif outcome == "due":  # e.g. a care call, which a revised review does not stop
                due_ids.append(planned.id)
                events.append(_fired_event(planned.review_id, planned.id, planned.kind))
        if due_ids:
            updated = PlannedContact.objects.filter(id__in=due_ids, state=PlanState.CLAIMED).update(
                state=PlanState.DUE, fired_at=timezone.now()
            )
            assert updated == len(due_ids), "rows locked above cannot change under us"
            ReviewEvent.objects.bulk_create(events)
            fired += due_ids
    return fired


def _fired_event(review_id: int, planned_id: int, kind: str) -> ReviewEvent:
    return ReviewEvent(
        review_id=review_id,
        kind=EventKind.FOLLOWUP,
        message=f"{kind} due",
        data={"planned_contact": planned_id, "kind": kind, "fired": True},
    )


def _fire_one(planned: PlannedContact, *, playbook: Playbook, now) -> str:
    """Decide one claimed item: 'due' (agent task; done in bulk by the caller), 'sent'
    (message written to the outbox), 'cancelled' or 'rescheduled'."""
    buyer = planned.buyer
    review = planned.review
    finished = review.status in (Status.REVISED, Status.CLOSED) and planned.kind != Kind.CARE_CALL
    if buyer is None or buyer.do_not_contact_at is not None or finished:
        PlannedContact.objects.filter(id=planned.id).update(
            state=PlanState.CANCELLED, finished_at=now
        )
        _event(
            review,
            EventKind.FOLLOWUP,
            f"cancelled {planned.kind} at fire time",
            planned_contact=planned.id,
        )
        return "cancelled"
    is_agent = planned.is_agent_task
    if planned.kind != Kind.REPLY_TASK and guardrails.is_quiet(
        now, playbook=playbook, buyer_tz=buyer.tz
    ):
        # Rules may have changed since planning: never at 3 a.m., whatever was planned.
        later = guardrails.next_allowed(
            now, playbook=playbook, buyer_tz=buyer.tz, shop_tz=planned.shop.tz, call=is_agent
        )
        PlannedContact.objects.filter(id=planned.id).update(
            state=PlanState.PLANNED, claimed_at=None, due_at=later
        )
        _event(
            review,
            EventKind.FOLLOWUP,
            f"{planned.kind} moved out of quiet hours",
            planned_contact=planned.id,
            due_at=later.isoformat(),
        )
        return "rescheduled"
    if is_agent:
        return "due"
    PlannedContact.objects.filter(id=planned.id).update(
        state=PlanState.DONE, fired_at=now, finished_at=now
    )
    _message_create(
        review=review,
        kind=planned.kind,
        channel=planned.channel,
        body=planned.body,
        planned=planned,
        now=now,
    )
    if planned.kind == Kind.PERSISTENCE:
        _plan_next_persistence(review=review, playbook=playbook, now=now)
    return "sent"


def plannedcontact_reap(*, now: datetime | None = None) -> int:
    """Free items stuck in 'claimed' (their task was lost with a Redis restart, or a worker
    died holding it) so the dispatcher hands them out again.  Safe against a late original:
    firing is a conditional update, so only one of the two copies can win."""
    now = now or timezone.now()
    lease = timedelta(seconds=float(_dispatch_conf()["CLAIM_LEASE_SECONDS"]))
    return PlannedContact.objects.filter(
        state=PlanState.CLAIMED, claimed_at__lt=now - lease, due_at__lt=now - lease
    ).update(state=PlanState.PLANNED, claimed_at=None)


def plannedcontact_escalate_missed(*, now: datetime | None = None) -> int:
    """A follow-up whose minute passed with nothing logged (15 min by default) is escalated:
    on the timeline, and on the lead's board (PlannedContact.objects.escalated_for)."""
    now = now or timezone.now()
    escalated = 0
    for planned in PlannedContact.objects.filter(
        state=PlanState.DUE, deadline_at__lt=now
    ).select_related("review"):
        if PlannedContact.objects.filter(id=planned.id, state=PlanState.DUE).update(
            state=PlanState.MISSED, escalated_at=now
        ):
            escalated += 1
            _event(
                planned.review,
                EventKind.ESCALATED,
                f"{planned.kind} missed; team lead alerted",
                planned_contact=planned.id,
                assigned_to=planned.assigned_to_id,
            )
    return escalated


def message_deliver(*, message_id: int) -> bool:
    """Send one message through the configured backend, at most once.

    The claim (queued → sending) commits before the provider is called: a second copy of
    the task (broker redelivery, a racing worker) finds the row taken and does nothing.
    """
    from .backends import DeliveryError, get_backend

    now = timezone.now()
    claimed = Message.objects.filter(id=message_id, state=MessageState.QUEUED).update(
        state=MessageState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return False
    message = Message.objects.select_related("buyer__shop", "review", "shop").get(id=message_id)
    if message.buyer.do_not_contact_at is not None:
        return _message_failed(message, "buyer asked not to be contacted")
    if message.review and message.review.status in (Status.REVISED, Status.CLOSED):
        return _message_failed(message, f"not sent: the review is {message.review.status}")
    problem = guardrails.compliance_problem(message.body)
    if problem:
        return _message_failed(message, problem)
    playbook = Playbook.objects.for_shop(message.shop)
    buyer_tz = message.buyer.tz
    if guardrails.is_quiet(now, playbook=playbook, buyer_tz=buyer_tz):
        # Delivery delayed into quiet hours (a broker outage, a long queue): hold it.  The
        # sweep picks it up once enqueued_at + lease has passed, i.e. after quiet hours.
        later = guardrails.next_allowed(
            now, playbook=playbook, buyer_tz=buyer_tz, shop_tz=message.shop.tz, call=False
        )
        Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
            state=MessageState.QUEUED, enqueued_at=later
        )
        if message.review:
            _event(
                message.review,
                EventKind.MESSAGE,
                "message held until quiet hours end",
                message=message.id,
                until=later.isoformat(),
            )
        return False
    try:
        provider_id = get_backend().send(message)
    except DeliveryError as exc:
        return _message_failed(message, str(exc))
    Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
        state=MessageState.SENT, sent_at=timezone.now(), provider_id=provider_id[:100]
    )
    if message.review:
        _event(
            message.review,
            EventKind.MESSAGE,
            f"{message.channel} message sent",
            message=message.id,
            provider_id=provider_id,
        )
    return True


def _message_failed(message: Message, error: str) -> bool:
    Message.objects.filter(id=message.id, state=MessageState.SENDING).update(
        state=MessageState.FAILED, last_error=error[:500]
    )
    if message.review:
        _event(
            message.review,
            EventKind.MESSAGE,
            f"{message.channel} message failed: {error}",
            message=message.id,
            error=error[:300],
        )
    return False


def message_sweep(*, now: datetime | None = None) -> int:
    """The outbox's safety net: re-enqueue queued messages whose enqueue was lost (Redis was
    down at commit), and fail messages stuck mid-send — the provider may or may not have got
    them, and sending again could send twice, so a person decides (visible on the review)."""
    from .tasks import deliver_message_task

    now = now or timezone.now()
    lease = now - timedelta(seconds=float(_dispatch_conf()["CLAIM_LEASE_SECONDS"]))
    for message in Message.objects.filter(
        state=MessageState.SENDING, claimed_at__lt=lease
    ).select_related("review"):
        _message_failed(message, "worker lost mid-send: outcome unknown, not retried")
    requeued = 0
    for message_id in Message.objects.filter(
        state=MessageState.QUEUED, enqueued_at__lt=lease
    ).values_list("id", flat=True)[:1000]:
        if Message.objects.filter(
            id=message_id, state=MessageState.QUEUED, enqueued_at__lt=lease
        ).update(enqueued_at=now):
            try:
                deliver_message_task.apply_async((message_id,), retry=False)
            except Exception:
                logger.exception(
                    "broker unavailable; message %s waits for the next sweep", message_id
                )
                Message.objects.filter(id=message_id).update(enqueued_at=lease)
                break
            requeued += 1
    return requeued


def outreach_tick() -> int:
    """What beat runs every few seconds: reap, dispatch, escalate, sweep the outbox."""
    plannedcontact_reap()
    claimed = plannedcontact_dispatch_due()
    plannedcontact_escalate_missed()
    message_sweep()
    return claimed


# ---- the public reply ------------------------------------------------------------------------


class ReplyRefused(Exception):
    def __init__(self, problems: list) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems


def _reply_event(review: Review, state: str, actor, **data) -> None:
    _event(review, EventKind.REPLY, f"reply {state}", actor=actor, state=state, **data)


@transaction.atomic
def reply_save(
    *, review: Review, user, text: str, situation: str = "", submit: bool = False
) -> Reply:
    """Save the agent's draft; with `submit`, check it and hand it to a lead for approval.

    A posted reply is final; a reply in any other state goes back to draft when edited, so a
    lead never approves text they have not seen.
    """
    from .replies import check_reply

    reply = Reply.objects.select_for_update().filter(review=review).first()
    if reply is not None and reply.state == ReplyState.POSTED:
        raise GuardrailError("posted", _("This reply is already posted."))
    text = text.strip()
    if submit:
        problems = check_reply(
            text,
            platform=review.shop.platform,
            order_id=review.order_id,
            phone=review.buyer.phone if review.buyer else "",
        )
        if problems:
            raise ReplyRefused(problems)
        deadline = platforms.reply_deadline(
            review.shop.platform, reviewed_at=review.reviewed_at, followup_at=review.followup_at
        )
        if deadline is not None and deadline <= timezone.now():
            raise GuardrailError(
                "deadline", _("The platform's deadline for a public reply has passed.")
            )
    if reply is None:
        reply = Reply(review=review, shop=review.shop)
    reply.text = text
    reply.situation = situation
    reply.drafted_by = user
    reply.state = ReplyState.PENDING if submit else ReplyState.DRAFT
    reply.submitted_at = timezone.now() if submit else None
    reply.decided_by = reply.decided_at = None
    reply.save()
    if submit:
        _reply_event(review, "submitted", user)
    return reply


def _require_lead(reply: Reply, user) -> None:
    if not Membership.objects.filter(user=user, shop=reply.shop, role=Role.LEAD).exists():
        raise GuardrailError("not_lead", _("Only a team lead of this shop can approve replies."))


@transaction.atomic
def reply_decide(*, reply: Reply, user, approve: bool, note: str = "") -> Reply:
    """A lead approves the reply, or sends it back with a note. Only a pending reply changes."""
    _require_lead(reply, user)
    state = ReplyState.APPROVED if approve else ReplyState.REJECTED
    changed = Reply.objects.filter(pk=reply.pk, state=ReplyState.PENDING).update(
        state=state,
        decided_by=user,
        decided_at=timezone.now(),
        rejection_note="" if approve else note[:500],
    )
    if changed != 1:
        raise GuardrailError("not_pending", _("This reply is no longer waiting for approval."))
    reply.refresh_from_db()
    _reply_event(reply.review, state, user, note=note[:200])
    audit_record(
        actor=user, shop=reply.shop, action=f"reply_{state}", target=f"review:{reply.review_id}"
    )
    return reply


@transaction.atomic
def reply_mark_posted(*, reply: Reply, user) -> Reply:
    """A person posted the approved text on the platform (eBay: never automated)."""
    now = timezone.now()
    changed = Reply.objects.filter(pk=reply.pk, state=ReplyState.APPROVED).update(
        state=ReplyState.POSTED, posted_by=user, posted_at=now
    )
    if changed != 1:
        raise GuardrailError("not_approved", _("Only an approved reply can be marked posted."))
    reply.refresh_from_db()
    review = reply.review
    review.planned_contacts.filter(kind=Kind.REPLY_TASK, state__in=OPEN_PLAN_STATES).update(
        state=PlanState.DONE, finished_at=now
    )
    if review.status != Status.REVISED:
        _review_set_status(review, Status.REPLIED, actor=user, now=now)
    _reply_event(review, "posted", user)
    return reply
