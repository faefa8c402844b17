"""What agents and team leads do on a review: log a contact (and let the playbook plan the next
step), record the buyer's agreement to revise at an exact minute, message the buyer, close and
reopen, stop all contact, decide compensation, correct a classification, hand one follow-up to
someone else. Each is one transaction that leaves its events on the timeline."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import timeline
from reviews.models import (
    OPEN_STATUSES,
    Buyer,
    CloseReason,
    Correction,
    Membership,
    Review,
    Role,
    Status,
)
from reviews.services import audit_record, review_correct, review_set_status

from .. import guardrails, platforms
from ..guardrails import GuardrailError
from ..models import (
    AGENT_KINDS,
    COMPENSATIONS,
    OPEN_PLAN_STATES,
    REWARDS,
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
    Resolution,
)
from .delivery import message_create, messages_stop
from .planning import (
    cancel_pending,
    check_revise_window,
    message_channel,
    plan,
    plan_next_persistence,
    plan_reply_now,
    render,
    review_replan_for_severity,
    revise_closed,
    revision_link,
)


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
    # Agreed to revise and handed a reward in the same call: it can read as a reward for the
    # review, whatever its size (seed 002 Q3), so the agent says why and a lead decides.
    with_revision = outcome == Outcome.AGREED and (
        resolution in REWARDS or compensation_amount is not None
    )
    if with_revision and not note.strip():
        raise GuardrailError(
            "note_required",
            _(
                "The buyer agreed to revise and gets compensation in the same contact: write a "
                "note saying what the compensation is for, so the team lead can see it is not "
                "a reward for the review."
            ),
        )
    approval = Approval.NOT_NEEDED
    if resolution in COMPENSATIONS or with_revision:
        # Extortion suspected, worth more than the shop's threshold, or given with an
        # agreement to revise: a lead decides before anything is granted (seed 001). The call
        # is recorded either way.
        needs_lead = (
            with_revision
            or guardrails.is_extortion_suspected(review)
            or (amount is not None and amount > playbook.compensation_approval_above)
        )
        if approved_by is not None and Membership.objects.holds(
            approved_by, review.shop, Role.LEAD
        ):
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
    timeline.contact(
        review,
        actor=agent,
        attempt_id=attempt.id,
        channel=channel,
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
        review_set_status(review=review, status=Status.CONTACTING, actor=agent, now=now)
    if approval == Approval.PENDING:
        timeline.compensation(
            review,
            actor=agent,
            attempt_id=attempt.id,
            decision="pending",
            reason=timeline.WITH_REVISION if with_revision else "",
        )
    if with_revision:
        audit_record(
            actor=agent,
            shop=review.shop,
            action="compensation_with_revision",
            target=f"review:{review.id}",
            attempt=attempt.id,
            resolution=resolution,
            amount=str(amount or ""),
            approval=approval,
        )

    if outcome in (Outcome.NO_ANSWER, Outcome.WRONG_NUMBER):
        plan_next_persistence(review=review, playbook=playbook, now=now, actor=agent)
    elif outcome == Outcome.DECLINED:
        review_set_status(review=review, status=Status.DECLINED, actor=agent, now=now)
        cancel_pending(
            review.planned_contacts.exclude(kind=Kind.REPLY_TASK),
            reason="declined",
            actor=agent,
            now=now,
        )
        plan_reply_now(review=review, playbook=playbook, now=now, actor=agent)
    elif outcome == Outcome.SOLVED:
        rules = platforms.rules_for(review.shop.platform)
        if revise_closed(review, now=now) and rules.followup_review_helps:
            # Tmall, or Taobao past its 30 days (a 追评 is still possible): the 差评 stays; an
            # explanatory 追评 tells later buyers it was solved.
            body = render(playbook.template("explanatory_followup"), review)
            message_now_or_later(
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
    check_revise_window(review, rules=rules, when=when, now=now)
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

    review_set_status(review=review, status=Status.AGREED, actor=agent, now=now)
    cancel_pending(
        review.planned_contacts.exclude(kind__in=[Kind.REPLY_TASK, Kind.REVISION_INSTRUCTIONS]),
        reason="agreed",
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
        timeline.not_planned(
            review, code="revision_limit", kind=Kind.REVISION_INSTRUCTIONS, actor=agent
        )
    # Compensation logged with this agreement waits for a lead (seed 002 Q3): the steps to
    # revise go out only once it is approved, or the reward would already be traded.
    awaiting = review.contact_attempts.filter(
        approval=Approval.PENDING, outcome=Outcome.AGREED
    ).exists()
    if not already_sent and awaiting:
        timeline.not_planned(
            review, code="awaiting_approval", kind=Kind.REVISION_INSTRUCTIONS, actor=agent
        )
    elif not already_sent:
        send_revision_instructions(review=review, playbook=playbook, now=now, actor=agent)
    followup = plan(
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
    reminder = render(playbook.template("reminder"), review, revision_link(review))
    guardrails.check_compliance(reminder)
    plan(
        review=review,
        kind=Kind.REMINDER_SMS,
        channel=message_channel(review.buyer),
        due_at=reminder_at,
        body=reminder,
        actor=agent,
    )
    return followup


def send_revision_instructions(*, review: Review, playbook: Playbook, now, actor) -> None:
    body = render(playbook.template("revision_instructions"), review, revision_link(review))
    message_now_or_later(
        review=review,
        kind=Kind.REVISION_INSTRUCTIONS,
        channel=message_channel(review.buyer),
        body=body,
        playbook=playbook,
        now=now,
        actor=actor,
    )


def message_now_or_later(
    *, review: Review, kind: str, channel: str, body: str, playbook: Playbook, now, actor=None
) -> Message | PlannedContact:
    """Send at once if the guardrails allow it now; otherwise plan it for the next allowed
    minute (quiet hours, caps)."""
    guardrails.check_contactable(review.buyer)
    guardrails.check_compliance(body)
    when = guardrails.fit_caps_and_hours(now, buyer=review.buyer, playbook=playbook, call=False)
    if when <= now:
        return message_create(review=review, kind=kind, channel=channel, body=body, now=now)
    return plan(review=review, kind=kind, channel=channel, due_at=when, body=body, actor=actor)


@transaction.atomic
def message_send(*, review: Review, agent, channel: str, body: str) -> Message | PlannedContact:
    """An agent's free-text message to the buyer: the same guardrails as the templates
    (compliance, do-not-contact, quiet hours, caps); outside the allowed hours it waits."""
    playbook = Playbook.objects.for_shop(review.shop)
    return message_now_or_later(
        review=review,
        kind=Kind.AGENT_MESSAGE,
        channel=channel,
        body=body,
        playbook=playbook,
        now=timezone.now(),
        actor=agent,
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
    review_set_status(review=review, status=Status.CLOSED, actor=user, now=now)
    cancelled = cancel_pending(
        review.planned_contacts.all(), reason="review_closed", actor=user, now=now
    )
    messages_stop(review.messages.all(), why="not sent: the review was closed")
    timeline.closed(review, actor=user, reason=reason, note=note)
    return cancelled


@transaction.atomic
def review_reopen(*, review: Review, user) -> None:
    """A team lead takes a closed review back into the open work: contacting if someone
    already spoke to the buyer, else new. Nothing is planned again by itself: the next
    contact logged plans the next step, as usual."""
    if not Membership.objects.holds(user, review.shop, Role.LEAD):
        raise GuardrailError("needs_lead", _("Only a team lead can reopen a review."))
    if review.status != Status.CLOSED:
        raise GuardrailError("not_closed", _("Only a closed review can be reopened."))
    status = Status.CONTACTING if review.contact_attempts.exists() else Status.NEW
    review_set_status(review=review, status=status, actor=user)
    timeline.reopened(review, actor=user)


@transaction.atomic
def buyer_set_do_not_contact(*, buyer: Buyer, user) -> int:
    """The buyer asked not to be contacted: record who and when, cancel everything pending
    for them across all the shop's reviews, and stop their queued messages. Returns how many
    planned items and messages were stopped."""
    now = timezone.now()
    Buyer.objects.filter(id=buyer.id, do_not_contact_at__isnull=True).update(
        do_not_contact_at=now, do_not_contact_by=user
    )
    buyer.refresh_from_db(fields=["do_not_contact_at", "do_not_contact_by"])
    cancelled = cancel_pending(
        PlannedContact.objects.filter(buyer=buyer),
        reason="do_not_contact",
        actor=user,
        now=now,
    )
    cancelled += messages_stop(
        Message.objects.filter(buyer=buyer), why="buyer asked not to be contacted"
    )
    for review in buyer.reviews.all():
        timeline.do_not_contact(review, actor=user)
    audit_record(
        actor=user, shop=buyer.shop, action="buyer_do_not_contact", target=f"buyer:{buyer.id}"
    )
    return cancelled


@transaction.atomic
def classification_correct(
    *, review: Review, user, cause: str, subcause: str, severity: str
) -> Correction:
    """An agent's correction of the classification (reviews.services.review_correct), and
    what it means for the outreach: a severity to or from 「严重」 moves a first call that is
    still only planned (review_replan_for_severity)."""
    old_severity = review.severity
    correction = review_correct(
        review=review, user=user, cause=cause, subcause=subcause, severity=severity
    )
    review_replan_for_severity(
        review=review, old_severity=old_severity, new_severity=severity, user=user
    )
    return correction


@transaction.atomic
def plannedcontact_reassign(*, planned_contact: PlannedContact, to, by) -> PlannedContact:
    """The lead's one action on a missed slot: give it to someone else, due now."""
    now = timezone.now()
    if not Membership.objects.holds(to, planned_contact.shop_id):
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
    timeline.reassigned(
        planned_contact.review,
        plan_id=planned_contact.id,
        kind=planned_contact.kind,
        to=to,
        actor=by,
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
