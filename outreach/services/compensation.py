"""A team lead's decision on compensation that waited for approval (extortion suspected, worth
more than the shop's threshold, or given together with the buyer's agreement to revise), and
what it releases: the revision instructions held while the lead looked (seed 002 Q3)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reviews import timeline
from reviews.models import EventKind, Membership, Role, Status
from reviews.services import audit_record

from ..guardrails import GuardrailError
from ..models import OPEN_PLAN_STATES, Approval, ContactAttempt, Kind, Outcome, Playbook
from .actions import send_revision_instructions


@transaction.atomic
def compensation_decide(*, attempt: ContactAttempt, user, approve: bool) -> ContactAttempt:
    """A lead grants or refuses compensation that waited for approval."""
    if not Membership.objects.holds(user, attempt.review.shop, Role.LEAD):
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
    timeline.compensation(attempt.review, actor=user, attempt_id=attempt.pk, decision=state)
    _release_held_instructions(attempt=attempt, approved=approve, user=user)
    audit_record(
        actor=user,
        shop=attempt.review.shop,
        action=f"compensation_{state}",
        target=f"review:{attempt.review_id}",
        attempt=attempt.pk,
        amount=str(attempt.compensation_amount or ""),
    )
    return attempt


def _release_held_instructions(*, attempt: ContactAttempt, approved: bool, user) -> None:
    """The revision instructions held while a lead looked at compensation given with the
    buyer's agreement: sent once it is approved; on a refusal the agent records the agreement
    again after telling the buyer (the timeline says so)."""
    review = attempt.review
    review.refresh_from_db()
    held = review.events.filter(
        kind=EventKind.NOT_PLANNED,
        data__code="awaiting_approval",
        created_at__gte=attempt.created_at,
    ).exists()
    if attempt.outcome != Outcome.AGREED or review.status != Status.AGREED or not held:
        return
    if review.messages.filter(kind=Kind.REVISION_INSTRUCTIONS).exists() or (
        review.planned_contacts.filter(
            kind=Kind.REVISION_INSTRUCTIONS, state__in=OPEN_PLAN_STATES
        ).exists()
    ):
        return
    if not approved:
        timeline.not_planned(
            review, code="compensation_refused", kind=Kind.REVISION_INSTRUCTIONS, actor=user
        )
        return
    playbook = Playbook.objects.for_shop(review.shop)
    try:
        send_revision_instructions(review=review, playbook=playbook, now=timezone.now(), actor=user)
    except GuardrailError as refused:
        timeline.not_planned(
            review,
            code=refused.code,
            kind=Kind.REVISION_INSTRUCTIONS,
            reason=str(refused),
            actor=user,
        )
